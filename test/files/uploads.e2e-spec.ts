import { AuditAction, DocumentStatus, FileType, Role } from '@prisma/client';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createCompany, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { binaryParser, JPEG_EXIF_SECRET, makeJpeg, makeOversized, makePdf, makePng, makeText, PDF_SECRET } from '../helpers/files.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const ROLES = Object.values(Role);

/** The profile and branding upload routes of SPEC §4.3–§4.5, all served by the files module. */
const IMAGE_ROUTES = [
  { id: 'C9', path: '/api/companies/me/upload-logo', role: Role.ADMIN_RH, fileType: FileType.IMAGE },
  { id: 'C10', path: '/api/companies/me/upload-cover', role: Role.ADMIN_RH, fileType: FileType.COVER },
  { id: 'E7', path: '/api/employees/me/upload-avatar', role: Role.EMPLOYEE, fileType: FileType.AVATAR },
  { id: 'E8', path: '/api/employees/me/upload-cover', role: Role.EMPLOYEE, fileType: FileType.COVER },
  { id: 'PR7', path: '/api/practitioners/me/upload-avatar', role: Role.PRACTITIONER, fileType: FileType.AVATAR },
  { id: 'PR8', path: '/api/practitioners/me/upload-cover', role: Role.PRACTITIONER, fileType: FileType.COVER },
] as const;
const DOCUMENTS = '/api/practitioners/me/upload-documents';

describe('profile, branding and practitioner-document uploads (C9/C10, E7/E8, PR7–PR9)', () => {
  let t: TestContext;
  let uploadDir: string;
  const users = new Map<Role, TestUser>();

  beforeAll(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'hz-uploads-'));
    process.env.UPLOAD_PATH = uploadDir;
    process.env.STORAGE_DRIVER = 'local';
    t = await startTestApp();
    for (const role of ROLES) users.set(role, await createUser(t.db, role));
  });
  afterAll(async () => {
    await t?.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const png = { filename: 'photo.png', contentType: 'image/png' };
  const post = (path: string, u: TestUser | null, file: Buffer | null, meta: { filename: string; contentType: string } = png, fields: Record<string, string> = {}) => {
    let req = t.http.post(path);
    if (u) req = req.set(as(u));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return file ? req.attach('file', file, meta) : req;
  };
  const download = (u: TestUser, url: string) => t.http.get(url).set(as(u)).buffer(true).parse(binaryParser);

  async function profileUrls(u: TestUser, route: (typeof IMAGE_ROUTES)[number]): Promise<{ current: string | null }> {
    const column = route.path.endsWith('logo') ? 'logoUrl' : route.path.endsWith('cover') ? 'coverUrl' : 'avatarUrl';
    const row: Record<string, unknown> =
      route.role === Role.ADMIN_RH
        ? await t.db.company.findUniqueOrThrow({ where: { id: u.companyId! } })
        : route.role === Role.EMPLOYEE
          ? await t.db.employee.findUniqueOrThrow({ where: { id: u.employeeId! } })
          : await t.db.practitioner.findUniqueOrThrow({ where: { id: u.practitionerId! } });
    return { current: row[column] as string | null };
  }

  describe.each(IMAGE_ROUTES)('$id POST $path', (route) => {
    it('stores a public image, points the profile at it and answers { url, file }', async () => {
      const owner = await createUser(t.db, route.role);
      const res = await post(route.path, owner, makePng());
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        url: `/api/files/${res.body.file.id}`,
        file: {
          id: expect.any(String),
          url: `/api/files/${res.body.file.id}`,
          fileType: route.fileType,
          mimeType: 'image/png',
          size: makePng().length,
          isPublic: true,
          isEncrypted: false,
          createdAt: expect.any(String),
        },
      });
      expect((await profileUrls(owner, route)).current).toBe(res.body.url);
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.file.id } });
      expect(row).toMatchObject({ uploadedBy: owner.id, userRole: route.role, companyId: route.role === Role.PRACTITIONER ? null : owner.companyId, isPublic: true });
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { userId: owner.id, action: AuditAction.UPLOAD } });
      expect(audit.details).toMatchObject({ fileId: row.id });

      // public: any authenticated user of any company may display it
      const seen = await download(users.get(Role.EMPLOYEE)!, res.body.url);
      expect(seen.status).toBe(200);
      expect(Buffer.compare(seen.body, makePng())).toBe(0);
    });

    it('replaces the previous image: its row and stored object are removed', async () => {
      const owner = await createUser(t.db, route.role);
      const first = await post(route.path, owner, makePng({ seed: 1 }));
      const firstPath = join(uploadDir, `${first.body.file.id}.png`);
      expect(existsSync(firstPath)).toBe(true);
      const second = await post(route.path, owner, makeJpeg(), { filename: 'photo.jpg', contentType: 'image/jpeg' });
      expect(second.status).toBe(201);
      expect(second.body.file.mimeType).toBe('image/jpeg');
      expect((await profileUrls(owner, route)).current).toBe(second.body.url);
      expect(await t.db.file.findUnique({ where: { id: first.body.file.id } })).toBeNull();
      expect(existsSync(firstPath)).toBe(false);
      const audit = await t.db.auditLog.findFirstOrThrow({ where: { userId: owner.id, action: AuditAction.UPLOAD, details: { path: ['fileId'], equals: second.body.file.id } } });
      expect(audit.details).toMatchObject({ replacedFileId: first.body.file.id });
    });

    it('is refused to every other role (403) and to anonymous callers (401), before reading the upload', async () => {
      for (const role of ROLES.filter((r) => r !== route.role)) {
        const res = await post(route.path, users.get(role)!, makePng());
        expect(res.status, role).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
      expect((await post(route.path, null, makePng())).status).toBe(401);
    });

    it('accepts JPEG/PNG only (415), needs a file (400) and refuses more than 10 MB (413)', async () => {
      const owner = users.get(route.role)!;
      const before = (await profileUrls(owner, route)).current;
      const pdf = await post(route.path, owner, makePdf(), { filename: 'photo.png', contentType: 'image/png' });
      expect(pdf.status).toBe(415);
      expect(pdf.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((await post(route.path, owner, makeText())).status).toBe(415);
      const missing = await post(route.path, owner, null);
      expect(missing.status).toBe(400);
      expect(missing.body.error.details).toEqual([{ field: 'file', message: expect.any(String) }]);
      const big = await post(route.path, owner, makeOversized());
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect((await profileUrls(owner, route)).current).toBe(before);
    });
  });

  it('E7 strips EXIF (location) from a JPEG before publishing it', async () => {
    const owner = await createUser(t.db, Role.EMPLOYEE);
    const res = await post('/api/employees/me/upload-avatar', owner, makeJpeg({ exif: true }), { filename: 'IMG_0001.jpg', contentType: 'image/jpeg' });
    expect(res.status).toBe(201);
    const stored = await readFile(join(uploadDir, `${res.body.file.id}.jpg`));
    expect(stored.toString('latin1')).not.toContain(JPEG_EXIF_SECRET);
    expect(stored.equals(makeJpeg({ exif: false }))).toBe(true);
  });

  it("C9 changes only the HR admin's own company", async () => {
    const companyA = await createCompany(t.db);
    const companyB = await createCompany(t.db);
    const hrA = await createUser(t.db, Role.ADMIN_RH, { company: companyA });
    const res = await post('/api/companies/me/upload-logo', hrA, makePng());
    expect(res.status).toBe(201);
    expect((await t.db.company.findUniqueOrThrow({ where: { id: companyA.id } })).logoUrl).toBe(res.body.url);
    expect((await t.db.company.findUniqueOrThrow({ where: { id: companyB.id } })).logoUrl).toBeNull();
    // another HR admin of company A replaces the logo; the file of the first admin is left to its owner
    const hrA2 = await createUser(t.db, Role.ADMIN_RH, { company: companyA });
    const again = await post('/api/companies/me/upload-logo', hrA2, makePng({ seed: 3 }));
    expect(again.status).toBe(201);
    expect((await t.db.company.findUniqueOrThrow({ where: { id: companyA.id } })).logoUrl).toBe(again.body.url);
    expect(await t.db.file.findUnique({ where: { id: res.body.file.id } })).not.toBeNull();
  });

  describe('PR9 POST /api/practitioners/me/upload-documents', () => {
    it('stores an encrypted PENDING document readable by its owner and HuntZen admins only', async () => {
      const owner = await createUser(t.db, Role.PRACTITIONER);
      const pdf = makePdf();
      const res = await post(DOCUMENTS, owner, pdf, { filename: 'diplome-psychologie.pdf', contentType: 'application/pdf' }, { type: 'DIPLOMA' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        url: `/api/files/${res.body.file.id}`,
        file: expect.objectContaining({ fileType: FileType.DIPLOMA, mimeType: 'application/pdf', isPublic: false, isEncrypted: true }),
        document: { id: expect.any(String), type: 'DIPLOMA', status: DocumentStatus.PENDING, fileId: res.body.file.id, createdAt: expect.any(String) },
      });

      const doc = await t.db.practitionerDocument.findUniqueOrThrow({ where: { id: res.body.document.id } });
      expect(doc).toMatchObject({ practitionerId: owner.practitionerId, status: DocumentStatus.PENDING, reviewedBy: null });
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: owner.practitionerId! } })).documentUrls).toEqual([res.body.url]);
      const row = await t.db.file.findUniqueOrThrow({ where: { id: res.body.file.id } });
      expect(row).toMatchObject({ isEncrypted: true, allowedRoles: [Role.ADMIN_HUNTZEN], companyId: null, relatedResource: 'practitioner', relatedId: owner.practitionerId });
      const stored = await readFile(join(uploadDir, row.path));
      expect(stored.toString('latin1')).not.toContain(PDF_SECRET);
      expect(stored.toString('latin1')).not.toContain('%PDF');

      const audit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: doc.id, action: AuditAction.UPLOAD } });
      expect(audit).toMatchObject({ resource: 'practitioner_document', isSensitive: false, details: { event: 'PRACTITIONER_DOCUMENT_UPLOADED', fileId: row.id, type: 'DIPLOMA' } });

      for (const reader of [owner, users.get(Role.ADMIN_HUNTZEN)!]) {
        const got = await download(reader, res.body.url);
        expect(got.status, reader.role).toBe(200);
        expect(Buffer.compare(got.body, pdf)).toBe(0);
      }
      const adminAudit = await t.db.auditLog.findFirstOrThrow({ where: { resourceId: row.id, action: AuditAction.DOWNLOAD, userId: users.get(Role.ADMIN_HUNTZEN)!.id } });
      expect(adminAudit.details).toMatchObject({ event: 'FILE_DOWNLOADED', owner: false });
      for (const role of [Role.EMPLOYEE, Role.ADMIN_RH, Role.SUPER_ADMIN, Role.PRACTITIONER]) {
        const denied = await download(users.get(role)!, res.body.url);
        expect(denied.status, role).toBe(404);
      }
    });

    it('maps ADELI/RPPS to CERTIFICATE and INSURANCE/OTHER to DOCUMENT, accepts JPEG/PNG scans and appends every URL', async () => {
      const owner = await createUser(t.db, Role.PRACTITIONER);
      const expected: [string, FileType, Buffer][] = [
        ['ADELI', FileType.CERTIFICATE, makePdf()],
        ['RPPS', FileType.CERTIFICATE, makePng()],
        ['INSURANCE', FileType.DOCUMENT, makeJpeg()],
        ['OTHER', FileType.DOCUMENT, makePdf('autre')],
      ];
      const urls: string[] = [];
      for (const [type, fileType, content] of expected) {
        const res = await post(DOCUMENTS, owner, content, { filename: 'scan.pdf', contentType: 'application/pdf' }, { type });
        expect(res.status, type).toBe(201);
        expect(res.body.file.fileType).toBe(fileType);
        urls.push(res.body.url);
      }
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: owner.practitionerId! } })).documentUrls).toEqual(urls);
      expect(await t.db.practitionerDocument.count({ where: { practitionerId: owner.practitionerId! } })).toBe(4);
    });

    it('keeps the file of a document: F3 answers 409 FILE_IN_USE and nothing is removed', async () => {
      const owner = await createUser(t.db, Role.PRACTITIONER);
      const res = await post(DOCUMENTS, owner, makePdf(), { filename: 'rpps.pdf', contentType: 'application/pdf' }, { type: 'RPPS' });
      const del = await t.http.delete(res.body.url).set(as(owner));
      expect(del.status).toBe(409);
      expect(del.body.error.code).toBe('FILE_IN_USE');
      expect(existsSync(join(uploadDir, `${res.body.file.id}.pdf.enc`))).toBe(true);
      expect((await download(owner, res.body.url)).status).toBe(200);
    });

    it('validates type (400), file (400), content (415) and size (413), and creates nothing then', async () => {
      const owner = await createUser(t.db, Role.PRACTITIONER);
      const noType = await post(DOCUMENTS, owner, makePdf(), { filename: 'a.pdf', contentType: 'application/pdf' });
      expect(noType.status).toBe(400);
      expect(noType.body.error.details.map((d: { field: string }) => d.field)).toContain('type');
      const badType = await post(DOCUMENTS, owner, makePdf(), { filename: 'a.pdf', contentType: 'application/pdf' }, { type: 'PASSPORT' });
      expect(badType.status).toBe(400);
      expect(badType.body.error.details.map((d: { field: string }) => d.field)).toContain('type');
      const noFile = await post(DOCUMENTS, owner, null, undefined, { type: 'DIPLOMA' });
      expect(noFile.status).toBe(400);
      expect(noFile.body.error.details).toEqual([{ field: 'file', message: expect.any(String) }]);
      const text = await post(DOCUMENTS, owner, makeText(), { filename: 'a.pdf', contentType: 'application/pdf' }, { type: 'DIPLOMA' });
      expect(text.status).toBe(415);
      expect(text.body.error.message).toBe('Type de fichier non autorisé : PDF, JPEG ou PNG attendu');
      const big = await post(DOCUMENTS, owner, makeOversized(), png, { type: 'DIPLOMA' });
      expect(big.status).toBe(413);
      expect(await t.db.practitionerDocument.count({ where: { practitionerId: owner.practitionerId! } })).toBe(0);
      expect((await t.db.practitioner.findUniqueOrThrow({ where: { id: owner.practitionerId! } })).documentUrls).toEqual([]);
    });

    it('is refused to every other role (403) and to anonymous callers (401)', async () => {
      for (const role of ROLES.filter((r) => r !== Role.PRACTITIONER)) {
        const res = await post(DOCUMENTS, users.get(role)!, makePdf(), { filename: 'a.pdf', contentType: 'application/pdf' }, { type: 'DIPLOMA' });
        expect(res.status, role).toBe(403);
      }
      expect((await post(DOCUMENTS, null, makePdf(), { filename: 'a.pdf', contentType: 'application/pdf' }, { type: 'DIPLOMA' })).status).toBe(401);
    });
  });
});
