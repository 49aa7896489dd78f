import { GetObjectCommand, HeadBucketCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Role } from '@prisma/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { S3StorageDriver } from '../../src/infra/storage/s3-storage.driver.js';
import { StorageObjectNotFoundError, StorageService } from '../../src/infra/storage/storage.service.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { binaryParser, makePdf, makePng, PDF_SECRET } from '../helpers/files.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { SigV4Proxy } from './sigv4-proxy.js';

/**
 * The S3 driver against a real S3-compatible HTTP server running in this process (s3rver), behind a
 * small front that verifies AWS Signature V4 as MinIO does (s3rver only checks the access key). The
 * bucket does not exist beforehand: the driver creates it on start.
 */
describe('S3 storage driver (STORAGE_DRIVER=s3, MinIO-compatible)', () => {
  const BUCKET = 'huntzen-files-test';
  // s3rver's fixed credentials
  const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  let s3dir: string;
  let server: S3rver;
  let proxy: SigV4Proxy;
  let endpoint: string;
  let t: TestContext;
  let owner: TestUser;
  let raw: S3Client;

  beforeAll(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 'hz-s3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, vhostBuckets: false });
    const { port } = await server.run();
    proxy = new SigV4Proxy({ host: '127.0.0.1', port }, { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey });
    endpoint = await proxy.start();
    Object.assign(process.env, {
      STORAGE_DRIVER: 's3',
      MINIO_ENDPOINT: endpoint,
      MINIO_BUCKET: BUCKET,
      MINIO_ACCESS_KEY: CREDENTIALS.accessKeyId,
      MINIO_SECRET_KEY: CREDENTIALS.secretAccessKey,
      MINIO_FORCE_PATH_STYLE: 'true',
    });
    t = await startTestApp();
    owner = await createUser(t.db, Role.PRACTITIONER);
    raw = new S3Client({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true });
  });
  afterAll(async () => {
    raw?.destroy();
    await t?.close();
    await proxy?.stop();
    await server?.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const objectBytes = async (key: string) => Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

  it('is the driver the app runs with, and created the missing bucket on start with signed requests', async () => {
    expect(t.app.get(StorageService).driver).toBe('s3');
    expect(proxy.verified).toBeGreaterThanOrEqual(2); // HeadBucket (404), then CreateBucket
    await expect(raw.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
  });

  it('round-trips an encrypted document: ciphertext in the bucket, plaintext to the owner, gone after delete', async () => {
    const pdf = makePdf();
    const res = await t.http
      .post('/api/practitioners/me/upload-documents')
      .set(as(owner))
      .field('type', 'ADELI')
      .attach('file', pdf, { filename: 'adeli.pdf', contentType: 'application/pdf' });
    expect(res.status).toBe(201);
    const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.file.id } });
    const stored = await objectBytes(row.path);
    expect(stored.length).toBe(pdf.length);
    expect(stored.toString('latin1')).not.toContain('%PDF');
    expect(stored.toString('latin1')).not.toContain(PDF_SECRET);

    const got = await t.http.get(res.body.url).set(as(owner)).buffer(true).parse(binaryParser);
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body, pdf)).toBe(0);
  });

  it('round-trips a public image in clear and removes the object with F3', async () => {
    const res = await t.http.post('/api/files/upload').set(as(owner)).field('fileType', 'IMAGE').attach('file', makePng(), { filename: 'a.png', contentType: 'image/png' });
    expect(res.status).toBe(201);
    const key = `${res.body.id}.png`;
    expect((await objectBytes(key)).equals(makePng())).toBe(true);
    const got = await t.http.get(res.body.url).set(as(owner)).buffer(true).parse(binaryParser);
    expect(Buffer.compare(got.body, makePng())).toBe(0);

    expect((await t.http.delete(res.body.url).set(as(owner))).status).toBe(200);
    await expect(raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toBeInstanceOf(NoSuchKey);
    expect((await t.http.get(res.body.url).set(as(owner))).status).toBe(404);
  });

  it('maps a missing key to StorageObjectNotFoundError, and its requests are signed (a wrong secret is refused)', async () => {
    const driver = new S3StorageDriver({ endpoint, region: 'us-east-1', bucket: BUCKET, ...CREDENTIALS, forcePathStyle: true });
    const forged = new S3StorageDriver({ endpoint, region: 'us-east-1', bucket: BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'wrong-secret', forcePathStyle: true });
    try {
      await expect(driver.get('missing-object.pdf')).rejects.toBeInstanceOf(StorageObjectNotFoundError);
      await driver.put('probe.bin', Buffer.from('probe'), 'application/octet-stream');
      expect((await driver.getBuffer('probe.bin')).toString()).toBe('probe');
      await expect(forged.put('forged.bin', Buffer.from('x'), 'application/octet-stream')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      await expect(forged.getBuffer('probe.bin')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      await driver.delete('probe.bin');
      await expect(driver.get('probe.bin')).rejects.toBeInstanceOf(StorageObjectNotFoundError);
      await expect(driver.put('../escape', Buffer.from('x'), 'text/plain')).rejects.toThrow('invalid storage key');
    } finally {
      driver.client.destroy();
      forged.client.destroy();
    }
  });
});
