import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { S3StorageDriver } from '../../src/infra/storage/s3-storage.driver.js';

/** Backups are streamed into the storage driver: with S3, a multipart upload holding one 8 MiB part at a time. */
describe('S3 driver putStream (backups)', () => {
  let dir: string;
  let server: S3rver;
  let driver: S3StorageDriver;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hz-s3-stream-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, vhostBuckets: false });
    const { port } = await server.run();
    driver = new S3StorageDriver({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'backups-test', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
    await driver.onModuleInit();
  });
  afterAll(async () => {
    driver?.onModuleDestroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A stream of `n` bytes in 64 KiB chunks, as pg_dump's stdout would give them. */
  const chunked = (data: Buffer) => Readable.from((function* () {
    for (let i = 0; i < data.length; i += 65_536) yield data.subarray(i, i + 65_536);
  })());

  it('stores a stream larger than one part (multipart) byte for byte, and reports its size', async () => {
    const data = randomBytes(19 * 1024 * 1024 + 123);
    expect(await driver.putStream('backup-multipart.dump.enc', chunked(data), 'application/octet-stream')).toBe(data.length);
    expect((await driver.getBuffer('backup-multipart.dump.enc')).equals(data)).toBe(true);
  });

  it('a small stream is one plain PUT', async () => {
    const data = randomBytes(1000);
    expect(await driver.putStream('backup-small.dump.enc', chunked(data), 'application/octet-stream')).toBe(1000);
    expect((await driver.getBuffer('backup-small.dump.enc')).equals(data)).toBe(true);
  });

  it('a failing stream aborts the upload and stores nothing', async () => {
    const failing = Readable.from((async function* () {
      yield randomBytes(9 * 1024 * 1024);
      throw new Error('pg_dump died');
    })());
    await expect(driver.putStream('backup-failed.dump.enc', failing, 'application/octet-stream')).rejects.toThrow(/pg_dump died/);
    await expect(driver.get('backup-failed.dump.enc')).rejects.toThrow(/not found/);
  });
});
