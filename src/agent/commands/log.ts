/**
 * IPA's log extension: collect_system_logs answers `{system_logs: <base64 of a gzipped tar>}`, which Ironic
 * stores as is (`[agent]deploy_logs_*`). The tar holds one file, `ferrite-agent.log`, the agent's own log lines;
 * a one-file ustar archive is a 512-byte header, the data padded to 512 and two zero blocks, so it is written
 * here rather than adding a dependency.
 */
import { gzipSync } from 'node:zlib';
import type { Extension } from './registry.js';

export const LOG_FILE_NAME = 'ferrite-agent.log';

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A POSIX ustar archive of one regular file. */
export function tarOneFile(name: string, data: Buffer, mtime = Math.floor(Date.now() / 1000)): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  header.write(octal(data.length, 12), 124, 'latin1');
  header.write(octal(mtime, 12), 136, 'latin1');
  header.write('        ', 148, 'latin1'); // the checksum is computed with its own field as spaces
  header.write('0', 156, 'latin1');
  header.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024)]);
}

export const log: Extension = {
  collect_system_logs: {
    mode: 'sync',
    run: async (_p, ctx) => ({
      system_logs: gzipSync(tarOneFile(LOG_FILE_NAME, Buffer.from(ctx.log.text(), 'utf8'))).toString('base64'),
    }),
  },
};
