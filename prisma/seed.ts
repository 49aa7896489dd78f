// Development demo data (SPEC §3.8). Idempotent: everything is keyed by a unique value (e-mail, slug,
// user id, availability rule) and only created when missing, so a second run changes nothing — existing
// rows, passwords included, are never rewritten. Never run it against production.
//
// RLS is FORCED for every role but the BYPASSRLS system role, so the seed needs that role (or a
// superuser): SEED_DATABASE_URL, else SYSTEM_DATABASE_URL, else the migration/owner URL.
import { PrismaClient, type Prisma, type Role, type Specialty } from '@prisma/client';
import { hashPassword } from '../src/common/security/password.js';
import { SafePrismaPgFactory } from '../src/infra/prisma/pg-adapter-fix.js';

const url =
  process.env.SEED_DATABASE_URL ??
  process.env.SYSTEM_DATABASE_URL ??
  process.env.MIGRATE_DATABASE_URL ??
  process.env.DATABASE_URL;
if (!url) {
  console.error('seed: set SYSTEM_DATABASE_URL (role huntzen_system) or DATABASE_URL');
  process.exit(1);
}

const prisma = new PrismaClient({ adapter: new SafePrismaPgFactory(url) });

// Development passwords, `<Role>2025!`: ≥ 8 chars, upper, lower, digit, special (SPEC §7.2).
const PASSWORDS: Record<Role, string> = {
  SUPER_ADMIN: 'SuperAdmin2025!',
  ADMIN_HUNTZEN: 'AdminHuntzen2025!',
  ADMIN_RH: 'AdminRh2025!',
  PRACTITIONER: 'Practitioner2025!',
  EMPLOYEE: 'Employee2025!',
};

// §3.8 weekly pattern (0 = Sunday): Mon/Tue/Thu 09–17, Wed 09–12, Fri 09–15; 50-minute slots.
const WEEKLY_PATTERN = [
  { dayOfWeek: 1, startTime: '09:00', endTime: '17:00' },
  { dayOfWeek: 2, startTime: '09:00', endTime: '17:00' },
  { dayOfWeek: 3, startTime: '09:00', endTime: '12:00' },
  { dayOfWeek: 4, startTime: '09:00', endTime: '17:00' },
  { dayOfWeek: 5, startTime: '09:00', endTime: '15:00' },
];

// A fixed date, so re-runs and fresh databases hold identical demo rows.
const SEEDED_AT = new Date('2025-01-06T09:00:00.000Z');

const accounts: { email: string; role: Role; password: string }[] = [];

async function ensureUser(email: string, role: Role, companyId: string | null): Promise<string> {
  const normalized = email.toLowerCase();
  accounts.push({ email: normalized, role, password: PASSWORDS[role] });
  const existing = await prisma.user.findUnique({ where: { email: normalized }, select: { id: true } });
  if (existing) return existing.id;
  const user = await prisma.user.create({
    data: {
      email: normalized,
      passwordHash: await hashPassword(PASSWORDS[role]),
      role,
      companyId,
      isActive: true,
      emailVerified: true,
      emailVerifiedAt: SEEDED_AT,
    },
    select: { id: true },
  });
  return user.id;
}

async function ensureCompany(data: Prisma.CompanyCreateInput & { slug: string }): Promise<string> {
  const company = await prisma.company.upsert({ where: { slug: data.slug }, update: {}, create: data, select: { id: true } });
  return company.id;
}

async function ensureEmployee(
  email: string,
  companyId: string,
  profile: Omit<Prisma.EmployeeUncheckedCreateInput, 'userId' | 'companyId'>,
): Promise<void> {
  const userId = await ensureUser(email, 'EMPLOYEE', companyId);
  await prisma.employee.upsert({ where: { userId }, update: {}, create: { userId, companyId, ...profile } });
}

async function ensurePractitioner(
  email: string,
  validatedBy: string,
  profile: Omit<Prisma.PractitionerUncheckedCreateInput, 'userId'> & { specialty: Specialty },
): Promise<void> {
  const userId = await ensureUser(email, 'PRACTITIONER', null);
  const practitioner = await prisma.practitioner.upsert({
    where: { userId },
    update: {},
    create: {
      userId,
      isValidated: true,
      validatedAt: SEEDED_AT,
      validatedBy,
      documentsVerified: true,
      isActive: true,
      ...profile,
    },
    select: { id: true },
  });
  for (const rule of WEEKLY_PATTERN) {
    const where = { practitionerId: practitioner.id, type: 'RECURRING' as const, ...rule };
    const exists = await prisma.availability.findFirst({ where, select: { id: true } });
    if (!exists) await prisma.availability.create({ data: { ...where, slotDuration: 50 } });
  }
}

async function main(): Promise<void> {
  const [{ role, bypass }] = await prisma.$queryRaw<{ role: string; bypass: boolean }[]>`
    SELECT current_user::text AS role, (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user`;
  if (!bypass) {
    throw new Error(
      `seed: role ${role} is bound by row level security (FORCE RLS on every table), so every write would be ` +
        'rejected. Run it with SYSTEM_DATABASE_URL (role huntzen_system, BYPASSRLS) or SEED_DATABASE_URL set.',
    );
  }

  await ensureUser('admin@primesynergy.com', 'SUPER_ADMIN', null);
  const huntzenAdminId = await ensureUser('admin@huntzen.care', 'ADMIN_HUNTZEN', null);

  // ── Companies ──
  const techcorp = await ensureCompany({
    name: 'TechCorp France',
    slug: 'techcorp-france',
    legalName: 'TechCorp France SAS',
    siret: '12345678900012',
    emailDomains: ['@techcorp.com', '@techcorp.fr'],
    sector: 'Technologies',
    size: 'MEDIUM',
    address: '25 rue de Courcelles',
    postalCode: '75017',
    city: 'Paris',
    contactEmail: 'rh@techcorp.com',
    contactPhone: '+33 1 40 00 00 00',
    websiteUrl: 'https://www.techcorp.example',
    isActive: true,
    validatedAt: SEEDED_AT,
    validatedBy: huntzenAdminId,
  });
  const bloom = await ensureCompany({
    name: 'Bloom Santé',
    slug: 'bloom-sante',
    legalName: 'Bloom Santé SAS',
    siret: '98765432100017',
    emailDomains: ['@bloom-sante.fr'],
    sector: 'Santé et bien-être',
    size: 'SMALL',
    address: '8 quai Saint-Antoine',
    postalCode: '69002',
    city: 'Lyon',
    contactEmail: 'rh@bloom-sante.fr',
    isActive: true,
    validatedAt: SEEDED_AT,
    validatedBy: huntzenAdminId,
  });

  // ── HR admins ──
  await ensureUser('claire.rousseau@techcorp.com', 'ADMIN_RH', techcorp);
  await ensureUser('julie.bernard@bloom-sante.fr', 'ADMIN_RH', bloom);

  // ── Employees (3 per company) ──
  const onboarded = { consentGivenAt: SEEDED_AT, consentVersion: '1.0', onboardingCompletedAt: SEEDED_AT };
  await ensureEmployee('marc.dupont@techcorp.com', techcorp, {
    firstName: 'Marc', lastName: 'Dupont', department: 'Développement', position: 'Chef de Projet', ...onboarded,
  });
  await ensureEmployee('sarah.lefebvre@techcorp.com', techcorp, {
    firstName: 'Sarah', lastName: 'Lefebvre', department: 'Marketing', position: 'Responsable communication', ...onboarded,
  });
  await ensureEmployee('thomas.moreau@techcorp.fr', techcorp, {
    firstName: 'Thomas', lastName: 'Moreau', department: 'Support', position: 'Technicien support', ...onboarded,
  });
  await ensureEmployee('lea.garnier@bloom-sante.fr', bloom, {
    firstName: 'Léa', lastName: 'Garnier', department: 'Soins', position: 'Infirmière coordinatrice', ...onboarded,
  });
  await ensureEmployee('hugo.lambert@bloom-sante.fr', bloom, {
    firstName: 'Hugo', lastName: 'Lambert', department: 'Administration', position: 'Comptable', ...onboarded,
  });
  await ensureEmployee('ines.roux@bloom-sante.fr', bloom, {
    firstName: 'Inès', lastName: 'Roux', department: 'Soins', position: 'Aide-soignante', ...onboarded,
  });

  // ── Practitioners (validated, with the weekly availability pattern) ──
  await ensurePractitioner('dr.sophie.martin@huntzen.care', huntzenAdminId, {
    firstName: 'Sophie',
    lastName: 'Martin',
    title: 'Dr.',
    professionalId: 'ADELI123456789',
    specialty: 'PSYCHOLOGUE_CLINICIEN',
    subSpecialties: ['TCC', 'EMDR', 'Gestion du stress'],
    languages: ['fr', 'en'],
    bio: 'Psychologue clinicienne, 12 ans d’expérience en thérapies cognitives et comportementales et EMDR.',
    experience: 12,
    offersVideo: true,
    offersPhone: true,
    offersInPerson: false,
    defaultDuration: 50,
  });
  await ensurePractitioner('dr.karim.haddad@huntzen.care', huntzenAdminId, {
    firstName: 'Karim',
    lastName: 'Haddad',
    title: 'Dr.',
    professionalId: 'RPPS10003456789',
    specialty: 'PSYCHIATRE',
    subSpecialties: ['Troubles anxieux', 'Dépression', 'Troubles du sommeil'],
    languages: ['fr', 'ar', 'en'],
    bio: 'Psychiatre, accompagnement des troubles anxieux et dépressifs liés au travail.',
    experience: 15,
    offersVideo: true,
    offersPhone: false,
    offersInPerson: false,
    defaultDuration: 50,
  });
  await ensurePractitioner('julien.petit@huntzen.care', huntzenAdminId, {
    firstName: 'Julien',
    lastName: 'Petit',
    title: 'M.',
    professionalId: 'ADELI987654321',
    specialty: 'PSYCHOLOGUE_TRAVAIL',
    subSpecialties: ['Burn-out', 'Risques psychosociaux', 'Reconversion'],
    languages: ['fr', 'es'],
    bio: 'Psychologue du travail, prévention et accompagnement du burn-out.',
    experience: 8,
    offersVideo: true,
    offersPhone: true,
    offersInPerson: true,
    inPersonAddress: '12 rue de la République, 69001 Lyon',
    defaultDuration: 50,
  });

  // ── Blog ──
  await prisma.article.upsert({
    where: { slug: 'comment-gerer-stress-travail' },
    update: {},
    create: {
      title: 'Comment gérer le stress au travail',
      slug: 'comment-gerer-stress-travail',
      excerpt: 'Cinq repères concrets pour reconnaître le stress et reprendre la main au quotidien.',
      content: [
        '## Reconnaître les signaux',
        'Fatigue persistante, irritabilité, troubles du sommeil : le stress chronique s’installe souvent sans bruit.',
        '## Cinq repères',
        '1. Prioriser et découper les tâches.',
        '2. Poser des limites claires entre vie professionnelle et vie personnelle.',
        '3. Faire des pauses régulières, loin des écrans.',
        '4. Bouger : la marche réduit la tension.',
        '5. En parler, à un proche ou à un professionnel.',
        '## Se faire accompagner',
        'Les psychologues HuntZen Care vous reçoivent en toute confidentialité, en visio ou par téléphone.',
      ].join('\n\n'),
      category: 'STRESS_MANAGEMENT',
      tags: ['stress', 'travail', 'bien-être'],
      keywords: ['stress au travail', 'gestion du stress', 'burn-out'],
      metaTitle: 'Comment gérer le stress au travail | HuntZen Care',
      metaDescription: 'Cinq repères concrets pour gérer le stress au travail.',
      status: 'PUBLISHED',
      publishedAt: SEEDED_AT,
      authorId: huntzenAdminId,
      authorRole: 'ADMIN_HUNTZEN',
      authorName: 'Équipe HuntZen',
    },
  });

  printAccounts();
}

function printAccounts(): void {
  const rows = [['email', 'role', 'password'], ...accounts.map((a) => [a.email, a.role, a.password])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log('\nDemo accounts (development only):');
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const r of rows.slice(1)) console.log(line(r));
}

main()
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => prisma.$disconnect());
