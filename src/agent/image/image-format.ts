/**
 * Pure format sniffing on an image's first bytes. Ironic trusts disk_format, but writing a qcow2 (or another
 * container format) byte for byte onto a disk produces a server that never boots, and a qcow2 may name a backing
 * file on the agent's host; so a "raw" image whose head is another format is refused before anything is written.
 */

/** Bytes needed to recognise every format below (VDI's signature sits at offset 64). */
export const FORMAT_HEAD_BYTES = 512;

export type SniffedFormat = 'qcow2' | 'qed' | 'vmdk' | 'vhdx' | 'vdi' | 'unknown';

const ascii = (head: Uint8Array, offset: number, text: string) =>
  head.length >= offset + text.length && [...text].every((ch, i) => head[offset + i] === ch.charCodeAt(0));

export function sniffFormat(head: Uint8Array): SniffedFormat {
  if (head.length >= 4 && head[0] === 0x51 && head[1] === 0x46 && head[2] === 0x49 && head[3] === 0xfb) return 'qcow2';
  if (head.length >= 4 && ascii(head, 0, 'QED') && head[3] === 0) return 'qed';
  if (ascii(head, 0, 'KDMV') || ascii(head, 0, '# Disk DescriptorFile')) return 'vmdk';
  if (ascii(head, 0, 'vhdxfile')) return 'vhdx';
  // VDI: "<<< Oracle VM VirtualBox Disk Image >>>" text, then the signature 0xbeda107f (LE) at offset 64.
  if (head.length >= 68 && head[64] === 0x7f && head[65] === 0x10 && head[66] === 0xda && head[67] === 0xbe) return 'vdi';
  return 'unknown';
}
