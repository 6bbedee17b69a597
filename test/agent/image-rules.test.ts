import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  algoByLength, checksumFromImageInfo, findInChecksumFile, imageFileName,
} from '../../src/agent/image/checksum.js';
import { alignChunkSize, ChunkBuffers, MIB } from '../../src/agent/image/chunk-buffers.js';
import { unbootableRanges } from '../../src/agent/image/disk-target.js';
import { InvalidImageInfoError, ImageFormatError } from '../../src/agent/image/errors.js';
import { redactUrl } from '../../src/agent/image/http-source.js';
import { sniffFormat } from '../../src/agent/image/image-format.js';
import { writeOptionsFromImageInfo } from '../../src/agent/image/image-info.js';

/* The image pipeline's pure rules: checksum precedence and files, chunking, format sniffing, URL redaction. */

const SHA256 = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);

describe('image checksum rules', () => {
  it('prefers os_hash_algo/os_hash_value over the legacy checksum', () => {
    assert.deepEqual(checksumFromImageInfo({ checksum: MD5, os_hash_algo: 'SHA512', os_hash_value: 'C'.repeat(128) }),
      { algo: 'sha512', value: 'c'.repeat(128) });
  });

  it('tells a legacy checksum by its length, and refuses md5 when disabled', () => {
    assert.equal(algoByLength(MD5), 'md5');
    assert.equal(algoByLength(SHA256), 'sha256');
    assert.equal(algoByLength('d'.repeat(128)), 'sha512');
    assert.throws(() => algoByLength('e'.repeat(40)), InvalidImageInfoError);
    assert.deepEqual(checksumFromImageInfo({ checksum: ` ${SHA256.toUpperCase()} ` }), { algo: 'sha256', value: SHA256 });
    assert.throws(() => checksumFromImageInfo({ checksum: MD5 }, false), /MD5 image checksums are disabled/);
  });

  it('treats an http(s) checksum as a checksum file URL, keeping os_hash_algo', () => {
    assert.deepEqual(checksumFromImageInfo({ checksum: 'http://h/SHA256SUMS' }), { url: 'http://h/SHA256SUMS' });
    assert.deepEqual(checksumFromImageInfo({ checksum: 'https://h/SUMS', os_hash_algo: 'sha256' }),
      { url: 'https://h/SUMS', algo: 'sha256' });
  });

  it('refuses missing, malformed and unknown checksums', () => {
    assert.throws(() => checksumFromImageInfo({}), /no checksum/);
    assert.throws(() => checksumFromImageInfo({ os_hash_algo: 'sha256', os_hash_value: 'xyz' }), /Malformed sha256/);
    assert.throws(() => checksumFromImageInfo({ os_hash_algo: 'crc32', os_hash_value: 'ab' }), /Unsupported checksum algorithm/);
  });

  it('finds an image in GNU, BSD and bare checksum files', () => {
    const gnu = `${'1'.repeat(64)}  other.img\n${'2'.repeat(64)} *images/disk.raw\n`;
    assert.deepEqual(findInChecksumFile(gnu, 'disk.raw'), { algo: 'sha256', value: '2'.repeat(64) });
    assert.equal(findInChecksumFile(gnu, 'missing.raw'), undefined);
    const bsd = `SHA512 (disk.raw) = ${'3'.repeat(128)}\n`;
    assert.deepEqual(findInChecksumFile(bsd, 'disk.raw'), { algo: 'sha512', value: '3'.repeat(128) });
    assert.deepEqual(findInChecksumFile(`${MD5}\n`, 'anything'), { algo: 'md5', value: MD5 });
    assert.equal(imageFileName('http://h/a/my%20disk.raw?x=1'), 'my disk.raw');
  });
});

describe('image chunking and disk ranges', () => {
  it('aligns chunk sizes to 4 KiB within 64 KiB..64 MiB', () => {
    assert.equal(alignChunkSize(4 * MIB + 100), 4 * MIB);
    assert.equal(alignChunkSize(1), 64 * 1024);
    assert.equal(alignChunkSize(1e12), 64 * MIB);
  });

  it('fills two buffers alternately and hands out whole chunks', () => {
    const b = new ChunkBuffers(8);
    assert.equal(b.fill(Uint8Array.from([1, 2, 3, 4, 5])), 5);
    assert.equal(b.fill(Uint8Array.from([6, 7, 8, 9, 10]), 0), 3);
    assert.ok(b.full);
    const first = b.take();
    assert.deepEqual([...first], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(b.fill(Uint8Array.from([6, 7, 8, 9, 10]), 3), 2);
    assert.deepEqual([...b.take()], [9, 10]);
    assert.deepEqual([...first], [1, 2, 3, 4, 5, 6, 7, 8], 'the first buffer is not reused before the second is taken');
  });

  it('zeroes the first and last MiB, clipped on small disks', () => {
    assert.deepEqual(unbootableRanges(10 * MIB), [[0, MIB], [9 * MIB, 10 * MIB]]);
    assert.deepEqual(unbootableRanges(MIB + 10), [[0, MIB], [MIB, MIB + 10]]);
    assert.deepEqual(unbootableRanges(1000), [[0, 1000]]);
  });
});

describe('image format sniffing and image_info', () => {
  it('recognises container formats by their magic', () => {
    assert.equal(sniffFormat(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1')), 'qcow2');
    assert.equal(sniffFormat(Buffer.from('KDMV....')), 'vmdk');
    assert.equal(sniffFormat(Buffer.from('vhdxfile')), 'vhdx');
    const mbr = Buffer.alloc(512);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    assert.equal(sniffFormat(mbr), 'unknown');
  });

  it('redacts credentials and query values from URLs', () => {
    assert.equal(redactUrl('http://user:s3cret@h:8080/i.raw?temp_url_sig=abc&x=1'), 'http://h:8080/i.raw?temp_url_sig=***&x=***');
  });

  it('maps IPA image_info to write options', () => {
    const o = writeOptionsFromImageInfo({
      urls: ['http://h/i.qcow2'], disk_format: 'qcow2', checksum: MD5, os_hash_algo: 'sha256', os_hash_value: SHA256,
      proxies: { http: 'http://proxy:3128' }, no_proxy: '.local',
    }, '/dev/sda');
    assert.deepEqual(o, {
      urls: ['http://h/i.qcow2'], diskFormat: 'qcow2', target: '/dev/sda', checksum: { algo: 'sha256', value: SHA256 },
      proxies: { http: 'http://proxy:3128', https: undefined, no_proxy: '.local' },
    });
    assert.throws(() => writeOptionsFromImageInfo({ urls: ['http://h/i'], disk_format: 'vmdk', checksum: MD5 }, '/d'), ImageFormatError);
    assert.throws(() => writeOptionsFromImageInfo({ urls: [], checksum: MD5 }, '/d'), InvalidImageInfoError);
  });
});
