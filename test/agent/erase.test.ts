import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eraseAll, writeZeros } from '../../src/agent/commands/erase.js';

/*
 * erase_devices on the two kinds of target: a disk file (the lab's sparse disks) is emptied in place and stays
 * sparse; a block device gets chunked zero writes, tested here on a file through the same function, abort included.
 */

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

describe('erase_devices', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-erase-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('empties a 1 GiB sparse disk file quickly: same size, all zeros, no blocks', async () => {
    const disk = join(dir, 'sparse.img');
    writeFileSync(disk, '');
    truncateSync(disk, GIB);
    // Data at the start, the middle and the end, as an image and a filesystem would leave.
    const fd = openSync(disk, 'r+');
    const data = Buffer.alloc(MIB, 0xab);
    for (const at of [0, GIB / 2, GIB - MIB]) writeSync(fd, data, 0, MIB, at);
    closeSync(fd);
    assert.ok(statSync(disk).blocks >= (3 * MIB) / 512, 'the data holds blocks');

    const t0 = Date.now();
    const r = await eraseAll(disk, new AbortController().signal);
    const took = Date.now() - t0;
    assert.deepEqual(r, { bytes: GIB, method: 'emptied' });
    assert.ok(took < 2000, `took ${took} ms`);

    const st = statSync(disk);
    assert.equal(st.size, GIB);
    assert.equal(st.blocks, 0, 'the file holds no blocks');
    for (const at of [0, GIB / 2, GIB - MIB]) assert.ok(readAt(disk, at, MIB).every((b) => b === 0), `zeros at ${at}`);
  });

  it('an erase aborted before it starts leaves the disk file as it was', async () => {
    const disk = join(dir, 'kept.img');
    writeFileSync(disk, Buffer.alloc(MIB, 0xab));
    const ac = new AbortController();
    ac.abort(new Error('Command aborted'));
    await assert.rejects(eraseAll(disk, ac.signal), /aborted/);
    assert.ok(readAt(disk, 0, MIB).every((b) => b === 0xab));
  });

  it('the block device path writes zeros over every byte', async () => {
    const disk = join(dir, 'chunked.img');
    const size = 20 * MIB + 4096; // not a whole number of chunks
    writeFileSync(disk, Buffer.alloc(size, 0xab));
    const fh = await open(disk, 'r+');
    try {
      assert.equal(await writeZeros(fh, size, new AbortController().signal), size);
    } finally {
      await fh.close();
    }
    assert.equal(statSync(disk).size, size);
    assert.ok(readAt(disk, 0, size).every((b) => b === 0));
  });

  it('the block device path stops within a chunk when aborted', async () => {
    const disk = join(dir, 'aborted.img');
    const size = 64 * MIB;
    writeFileSync(disk, Buffer.alloc(size, 0xab));
    const fh = await open(disk, 'r+');
    try {
      const ac = new AbortController();
      // The first chunk's write is issued before writeZeros first yields; the abort lands before the second.
      const erasing = writeZeros(fh, size, ac.signal);
      ac.abort(new Error('Command aborted'));
      await assert.rejects(erasing, /aborted/);
    } finally {
      await fh.close();
    }
    const content = readAt(disk, 0, size);
    assert.ok(content.subarray(0, 8 * MIB).every((b) => b === 0), 'the first chunk was written');
    assert.ok(content.subarray(8 * MIB).every((b) => b === 0xab), 'nothing after it');
  });
});
