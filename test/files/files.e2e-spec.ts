import { AuditAction, FileType, Role } from '@prisma/client';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { binaryParser, makeJpeg, makeOversized, makePdf, makePng, makeText, PDF_SECRET, PNG_TEXT_SECRET, pngWithoutMetadata } from '../helpers/files.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

describe('F1 upload, F2 download, F3 delete (SPEC §4.15, §7.8; local storage, encryption at rest)', () => {
  let t: TestContext;
  let uploadDir: string;
  let companyA: TestCompany;
  let employee: TestUser;
  let colleague: TestUser;
  let hrA: TestUser;
  let outsider: TestUser;
  let practitioner: TestUser;
  let otherPractitioner: TestUser;
  let admin: TestUser;
  let superAdmin: TestUser;

  beforeAll(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'hz-uploads-'));
    process.env.UPLOAD_PATH = uploadDir;
    process.env.STORAGE_DRIVER = 'local';
    t = await startTestApp();
    companyA = await createCompany(t.db);
    employee = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
    colleague = await createUser(t.db, Role.EMPLOYEE, { company: companyA });
    hrA = await createUser(t.db, Role.ADMIN_RH, { company: companyA });
    outsider = await createUser(t.db, Role.EMPLOYEE);
    practitioner = await createUser(t.db, Role.PRACTITIONER);
    otherPractitioner = await createUser(t.db, Role.PRACTITIONER);
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    superAdmin = await createUser(t.db, Role.SUPER_ADMIN);
  });
  afterAll(async () => {
    await t?.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const upload = (u: TestUser | null, file: Buffer | null, fields: Record<string, string>, meta = { filename: 'fichier.pdf', contentType: 'application/pdf' }) => {
    let req = t.http.post('/api/files/upload');
    if (u) req = req.set(as(u));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return file ? req.attach('file', file, meta) : req;
  };
  const download = (u: TestUser | null, url: string) => {
    const req = t.http.get(url).buffer(true).parse(binaryParser);
    return u ? req.set(as(u)) : req;
  };
  const onDisk = async (id: string) => readFile(join(uploadDir, (await t.db.file.findUniqueOrThrow({ where: { id } })).path));

  describe('F1 + F2 round trips', () => {
    it('stores a public image in clear without its metadata, readable by any authenticated user', async () => {
      const res = await upload(employee, makePng({ metadata: true }), { fileType: 'IMAGE' }, { filename: 'vacances-marie.png', contentType: 'image/png' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), url: `/api/files/${res.body.id}` });

      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
      expect(row).toMatchObject({ uploadedBy: employee.id, userRole: Role.EMPLOYEE, companyId: companyA.id, isPublic: true, isEncrypted: false, mimeType: 'image/png', fileType: FileType.IMAGE, encryptionKey: null });
      expect(row.filename).toBe(`${row.id}.png`);
      const stored = await onDisk(row.id);
      expect(stored.equals(pngWithoutMetadata())).toBe(true);
      expect(stored.toString('latin1')).not.toContain(PNG_TEXT_SECRET);

      const got = await download(outsider, res.body.url);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toBe('image/png');
      expect(got.headers['content-disposition']).toBe(`inline; filename="${row.id}.png"; filename*=UTF-8''${row.id}.png`);
      expect(got.headers['cache-control']).toBe('private, max-age=86400');
      expect(Buffer.compare(got.body, pngWithoutMetadata())).toBe(0);

      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: row.id, action: AuditAction.UPLOAD } });
      expect(audit).toMatchObject({ userId: employee.id, resource: 'file', isSensitive: false });
      expect(audit.details).toMatchObject({ event: 'FILE_UPLOADED', fileType: 'IMAGE', size: row.size });
      expect(JSON.stringify(audit.details)).not.toContain('vacances');
    });

    it('encrypts a document at rest and gives the exact bytes back to its uploader only', async () => {
      const pdf = makePdf();
      const res = await upload(employee, pdf, { fileType: 'DOCUMENT' }, { filename: 'arrêt-maladie-dépression.pdf', contentType: 'application/pdf' });
      expect(res.status).toBe(201);
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
      expect(row).toMatchObject({ isEncrypted: true, isPublic: false, allowedRoles: [], mimeType: 'application/pdf', size: pdf.length, keyVersion: 'v2' });
      expect(row.iv).toMatch(/^[0-9a-f]{32}$/);
      expect(row.authTag).toMatch(/^[0-9a-f]{32}$/);
      expect(row.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
      expect(row.path).toBe(`${row.id}.pdf.enc`);

      const stored = await onDisk(row.id);
      expect(stored.length).toBe(pdf.length);
      expect(stored.equals(pdf)).toBe(false);
      expect(stored.toString('latin1')).not.toContain('%PDF');
      expect(stored.toString('latin1')).not.toContain(PDF_SECRET);

      const got = await download(employee, res.body.url);
      expect(got.status).toBe(200);
      expect(Buffer.compare(got.body, pdf)).toBe(0);
      expect(got.headers['content-type']).toBe('application/pdf');
      expect(got.headers['cache-control']).toBe('private, no-store');
      expect(got.headers['content-disposition']).toMatch(/^attachment; filename="arr_t-maladie-d_pression\.pdf"; filename\*=UTF-8''arr%C3%AAt-maladie-d%C3%A9pression\.pdf$/);

      const downloaded = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: row.id, action: AuditAction.DOWNLOAD } });
      expect(downloaded).toMatchObject({ userId: employee.id, isSensitive: true, details: { event: 'FILE_DOWNLOADED', fileType: 'DOCUMENT', owner: true } });
      const uploaded = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: row.id, action: AuditAction.UPLOAD } });
      expect(uploaded.isSensitive).toBe(true);
      expect(JSON.stringify(uploaded.details)).not.toMatch(/maladie|pression/);

      for (const other of [colleague, hrA, outsider, admin, superAdmin, practitioner]) {
        const denied = await download(other, res.body.url);
        expect(denied.status, other.role).toBe(404);
      }
      const anonymous = await t.http.get(res.body.url);
      expect(anonymous.status).toBe(401);
    });

    it('refuses a tampered ciphertext with a clean 422, without leaking content', async () => {
      const res = await upload(colleague, makePdf(), { fileType: 'CERTIFICATE' });
      expect(res.status).toBe(201);
      const path = join(uploadDir, (await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } })).path);
      const stored = await readFile(path);
      stored[10] ^= 0xff;
      await writeFile(path, stored);
      const got = await t.http.get(res.body.url).set(as(colleague));
      expect(got.status).toBe(422);
      expect(got.body).toMatchObject({ statusCode: 422, error: { code: 'FILE_INTEGRITY_ERROR' } });
      expect(JSON.stringify(got.body)).not.toContain(PDF_SECRET);
    });

    it('answers 404 when the stored object has disappeared', async () => {
      const res = await upload(colleague, makePng(), { fileType: 'IMAGE' }, { filename: 'a.png', contentType: 'image/png' });
      await rm(join(uploadDir, `${res.body.id}.png`));
      expect((await t.http.get(res.body.url).set(as(colleague))).status).toBe(404);
    });
  });

  describe('F1 validation (magic bytes, size, fields)', () => {
    it('trusts the bytes, not the name or MIME: a PNG labelled application/pdf is stored as a PNG document', async () => {
      const res = await upload(employee, makePng(), { fileType: 'DOCUMENT' }, { filename: 'scan.pdf', contentType: 'application/pdf' });
      expect(res.status).toBe(201);
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
      expect(row).toMatchObject({ mimeType: 'image/png', isEncrypted: true, filename: `${row.id}.png.enc` });
      const got = await download(employee, res.body.url);
      expect(got.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(got.body, makePng())).toBe(0);
    });

    it('refuses a PDF where only images are allowed, and a text file labelled image/png (415)', async () => {
      const pdfAsImage = await upload(employee, makePdf(), { fileType: 'AVATAR' }, { filename: 'photo.png', contentType: 'image/png' });
      expect(pdfAsImage.status).toBe(415);
      expect(pdfAsImage.body).toMatchObject({ statusCode: 415, error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Type de fichier non autorisé : JPEG ou PNG attendu' } });
      const text = await upload(employee, makeText(), { fileType: 'DOCUMENT' }, { filename: 'photo.png', contentType: 'image/png' });
      expect(text.status).toBe(415);
      expect(text.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: [{ field: 'file' }] });
    });

    it('refuses a file over 10 MB with 413 PAYLOAD_TOO_LARGE in the error envelope', async () => {
      const before = await t.db.file.count({ where: { uploadedBy: employee.id } });
      const res = await upload(employee, makeOversized(), { fileType: 'IMAGE' }, { filename: 'big.png', contentType: 'image/png' });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: { code: 'PAYLOAD_TOO_LARGE', message: 'Fichier trop volumineux (10 Mo maximum)', details: [{ field: 'file' }] } });
      expect(await t.db.file.count({ where: { uploadedBy: employee.id } })).toBe(before);
    });

    it('reports a missing file, a missing or unknown fileType, an incomplete relation and unknown fields (400 with the field)', async () => {
      const noFile = await upload(employee, null, { fileType: 'DOCUMENT' });
      expect(noFile.status).toBe(400);
      expect(noFile.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'file' }] });

      const cases: [Record<string, string>, string][] = [
        [{}, 'fileType'],
        [{ fileType: 'VIDEO' }, 'fileType'],
        [{ fileType: 'nope' }, 'fileType'],
        [{ fileType: 'DOCUMENT', relatedResource: 'consultation' }, 'relatedId'],
        [{ fileType: 'DOCUMENT', relatedId: 'not-a-uuid' }, 'relatedId'],
        [{ fileType: 'DOCUMENT', relatedResource: 'Bad Name!', relatedId: '5b2f7a3e-7e0f-4c55-9a8a-0e3c8f0b1c11' }, 'relatedResource'],
        [{ fileType: 'DOCUMENT', isPublic: 'true' }, 'isPublic'],
      ];
      for (const [fields, field] of cases) {
        const res = await upload(employee, makePdf(), fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details.map((d: { field: string }) => d.field), JSON.stringify(fields)).toContain(field);
      }
    });

    it('refuses a second file or a file in another field (400 on file), and needs a token (401)', async () => {
      const two = await t.http
        .post('/api/files/upload')
        .set(as(employee))
        .field('fileType', 'DOCUMENT')
        .attach('file', makePdf(), 'a.pdf')
        .attach('file', makePdf(), 'b.pdf');
      expect(two.status).toBe(400);
      expect(two.body.error.details).toEqual([{ field: 'file', message: expect.any(String) }]);
      const otherField = await t.http.post('/api/files/upload').set(as(employee)).field('fileType', 'DOCUMENT').attach('document', makePdf(), 'a.pdf');
      expect(otherField.status).toBe(400);
      const anonymous = await upload(null, makePdf(), { fileType: 'DOCUMENT' });
      expect(anonymous.status).toBe(401);
    });

    it('accepts every role (F1 is open to all authenticated users)', async () => {
      for (const u of [employee, hrA, practitioner, admin, superAdmin]) {
        const res = await upload(u, makePdf(), { fileType: 'DOCUMENT' });
        expect(res.status, u.role).toBe(201);
        const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
        expect(row).toMatchObject({ uploadedBy: u.id, userRole: u.role, companyId: u.companyId });
      }
    });
  });

  describe('files related to a consultation', () => {
    it('are encrypted and shared with the other participant only; a stranger to the consultation gets 404', async () => {
      const start = new Date(Date.now() + 86_400_000);
      const consultation = await t.db.consultation.create({
        data: {
          companyId: companyA.id,
          employeeId: employee.employeeId!,
          practitionerId: practitioner.practitionerId!,
          scheduledAt: start,
          scheduledEndAt: new Date(start.getTime() + 50 * 60_000),
          blockedUntil: new Date(start.getTime() + 60 * 60_000),
          format: 'VIDEO',
        },
      });
      const res = await upload(employee, makePng(), { fileType: 'IMAGE', relatedResource: 'consultation', relatedId: consultation.id }, { filename: 'x.png', contentType: 'image/png' });
      expect(res.status).toBe(201);
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
      expect(row).toMatchObject({ isEncrypted: true, isPublic: false, companyId: null, relatedResource: 'consultation', relatedId: consultation.id });
      expect(row.allowedRoles.sort()).toEqual([Role.EMPLOYEE, Role.PRACTITIONER]);

      const got = await download(practitioner, res.body.url);
      expect(got.status).toBe(200);
      expect(Buffer.compare(got.body, makePng())).toBe(0);
      for (const other of [otherPractitioner, colleague, hrA, admin]) expect((await download(other, res.body.url)).status, other.role).toBe(404);

      const stranger = await upload(colleague, makePdf(), { fileType: 'ATTACHMENT', relatedResource: 'consultation', relatedId: consultation.id });
      expect(stranger.status).toBe(404);
    });
  });

  describe('F2 and F3 access rules', () => {
    it('F2 answers 400 for a malformed id and 404 for an unknown one', async () => {
      const bad = await t.http.get('/api/files/not-a-uuid').set(as(employee));
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toEqual([{ field: 'id', message: expect.any(String) }]);
      expect((await t.http.get('/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11').set(as(employee))).status).toBe(404);
    });

    it('F3: only the uploader deletes (others 404, even for a public image), then the row and the object are gone', async () => {
      const res = await upload(employee, makePng(), { fileType: 'IMAGE' }, { filename: 'x.png', contentType: 'image/png' });
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.id } });
      const path = join(uploadDir, row.path);
      expect(existsSync(path)).toBe(true);

      for (const other of [colleague, hrA, outsider, admin, superAdmin]) {
        const denied = await t.http.delete(res.body.url).set(as(other));
        expect(denied.status, other.role).toBe(404);
      }
      expect((await t.http.delete(res.body.url)).status).toBe(401);
      expect((await t.http.delete('/api/files/nope').set(as(employee))).status).toBe(400);

      const ok = await t.http.delete(res.body.url).set(as(employee));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ message: 'Fichier supprimé' });
      expect(existsSync(path)).toBe(false);
      expect(await t.db.file.findUnique({ where: { id: row.id } })).toBeNull();
      expect(await t.db.auditLog.count({ where: { resourceId: row.id, action: AuditAction.DELETE, userId: employee.id } })).toBe(1);
      expect((await t.http.get(res.body.url).set(as(employee))).status).toBe(404);
      expect((await t.http.delete(res.body.url).set(as(employee))).status).toBe(404);
    });

    it('F3 of the current avatar clears it from the profile', async () => {
      const res = await t.http.post('/api/employees/me/upload-avatar').set(as(colleague)).attach('file', makePng(), { filename: 'a.png', contentType: 'image/png' });
      expect(res.status).toBe(201);
      expect((await t.http.delete(res.body.url).set(as(colleague))).status).toBe(200);
      expect((await t.db.employee.findUniqueOrThrow({ where: { id: colleague.employeeId! } })).avatarUrl).toBeNull();
    });
  });
});
