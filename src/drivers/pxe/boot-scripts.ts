import type { RamdiskBoot } from './ramdisk-boot.js';

/**
 * The boot scripts Ferrite's boot file server hands to firmware, rendered from a node's recorded ramdisk boot.
 * Pure text: the server looks the node up, these say what its firmware reads.
 */

/** The name the agent's ramdisk gets in iPXE, which the kernel command line refers to (`initrd=`). */
const RAMDISK_NAME = 'agent.ramdisk';

/**
 * The script every server's firmware fetches first (what DHCP names as the boot file): it chains to the per-NIC
 * configuration, and boots from disk when there is none (the node is not being provisioned).
 */
export function genericIpxeScript(httpUrl: string): string {
  return [
    '#!ipxe',
    `chain ${httpUrl}/pxelinux.cfg/\${mac:hexhyp} || goto no_config`,
    ':no_config',
    'echo No boot configuration for ${mac}: booting from disk',
    'exit',
    '',
  ].join('\n');
}

/**
 * The iPXE script that boots the agent. Over the network iPXE knows which NIC it booted from and passes it on as
 * BOOTIF; a virtual CD does not know, so `bootif` is false there.
 */
export function ipxeRamdiskScript(boot: RamdiskBoot, bootif: boolean): string {
  const words = [boot.cmdline, ...(bootif ? ['BOOTIF=01-${mac:hexhyp}'] : []), `initrd=${RAMDISK_NAME}`].filter(Boolean);
  return [
    '#!ipxe',
    `kernel ${boot.kernel} ${words.join(' ')}`,
    `initrd --name ${RAMDISK_NAME} ${boot.ramdisk}`,
    'boot',
    '',
  ].join('\n');
}

/** The PXELINUX configuration of one NIC (`pxelinux.cfg/01-<mac:hexhyp>`), for the `pxe` boot interface. */
export function pxelinuxRamdiskConfig(boot: RamdiskBoot, macHexhyp: string): string {
  const append = [`initrd=${boot.ramdisk}`, boot.cmdline, `BOOTIF=01-${macHexhyp}`].filter(Boolean).join(' ');
  return [
    'default deploy',
    'label deploy',
    `kernel ${boot.kernel}`,
    `append ${append}`,
    'ipappend 2',
    '',
  ].join('\n');
}

/**
 * The deploy "kernel". Ferrite's agent is a Node.js program and its ramdisk is Ferrite's own bundle, so there is
 * no Linux kernel to boot: this shell script stands in for one. It is started the way a boot loader starts a
 * kernel, with the kernel command line as its arguments, finds the ramdisk from the `initrd=` word (a file in the
 * current directory, as a boot loader names it) unless FERRITE_RAMDISK names it, and runs it with Node.js, handing
 * the whole command line to the agent. Arguments after `--` go to the agent as they are (--mac, --disk, ...).
 */
export const AGENT_KERNEL_SHIM = `#!/bin/sh
# Ferrite agent boot shim: stands in for a Linux kernel in front of Ferrite's agent (a Node.js program).
# Usage: kernel <kernel command line words...> [-- <agent options...>]
# Runs: \${NODE:-node} <ramdisk> agent --cmdline "<kernel command line>" <agent options...>
set -eu
ramdisk="\${FERRITE_RAMDISK:-}"
cmdline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    initrd=*) [ -n "$ramdisk" ] || ramdisk="\${1#initrd=}" ;;
  esac
  cmdline="\${cmdline:+$cmdline }$1"
  shift
done
if [ -z "$ramdisk" ]; then
  echo "ferrite boot shim: no ramdisk: give initrd=<file> on the command line or set FERRITE_RAMDISK" >&2
  exit 1
fi
exec "\${NODE:-node}" "$ramdisk" agent --cmdline "$cmdline" "$@"
`;
