import { PrismaClient, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type request from 'supertest';
import { hashPassword } from '../../src/common/security/password.js';
import { randomIp, TEST_SECRETS } from './test-app.js';

export const PASSWORD = 'Test-Passw0rd!';

export interface TestCompany {
  id: string;
  domain: string; // without "@"
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  companyId: string | null;
  employeeId: string | null;
  practitionerId: string | null;
}

/** A company with a unique e-mail domain; active (validated) unless said otherwise. */
export async function createCompany(db: PrismaClient, opts: { active?: boolean; autoApproveEmployees?: boolean } = {}): Promise<TestCompany> {
  const tag = randomUUID().slice(0, 8);
  const domain = `co-${tag}.test`;
  const company = await db.company.create({
    data: {
      name: `Company ${tag}`,
      slug: `company-${tag}`,
      emailDomains: [`@${domain}`],
      isActive: opts.active ?? true,
      validatedAt: opts.active === false ? null : new Date(),
      autoApproveEmployees: opts.autoApproveEmployees ?? false,
      contactEmail: `rh@${domain}`,
    },
  });
  return { id: company.id, domain };
}

let cachedHash: Promise<string> | undefined;

/** A user of `role` with its profile (Employee / Practitioner); active and verified unless said otherwise. */
export async function createUser(
  db: PrismaClient,
  role: Role,
  opts: { company?: TestCompany; active?: boolean; verified?: boolean; email?: string } = {},
): Promise<TestUser> {
  const needsCompany = role === Role.EMPLOYEE || role === Role.ADMIN_RH;
  const company = opts.company ?? (needsCompany ? await createCompany(db) : undefined);
  const tag = randomUUID().slice(0, 8);
  const email = opts.email ?? `${role.toLowerCase()}.${tag}@${company?.domain ?? 'huntzen.test'}`;
  cachedHash ??= hashPassword(PASSWORD);
  const user = await db.user.create({
    data: {
      email,
      passwordHash: await cachedHash,
      role,
      companyId: needsCompany ? company!.id : null,
      isActive: opts.active ?? true,
      emailVerified: opts.verified ?? true,
      emailVerifiedAt: opts.verified === false ? null : new Date(),
      ...(role === Role.EMPLOYEE ? { employee: { create: { companyId: company!.id, firstName: 'Emma', lastName: `Employee-${tag}` } } } : {}),
      ...(role === Role.PRACTITIONER
        ? {
            practitioner: {
              create: {
                firstName: 'Paul',
                lastName: `Practitioner-${tag}`,
                title: 'Dr.',
                specialty: 'PSYCHOLOGUE_CLINICIEN',
                bio: 'Psychologue clinicien.',
                languages: ['fr'],
                isValidated: true,
                validatedAt: new Date(),
              },
            },
          }
        : {}),
    },
    include: { employee: true, practitioner: true },
  });
  return {
    id: user.id,
    email,
    password: PASSWORD,
    role,
    companyId: user.companyId,
    employeeId: user.employee?.id ?? null,
    practitionerId: user.practitioner?.id ?? null,
  };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export async function login(http: ReturnType<typeof request>, user: { email: string; password: string }, extra: Record<string, string> = {}): Promise<Session> {
  const res = await http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: user.email, password: user.password, ...extra });
  if (res.status !== 200) throw new Error(`login of ${user.email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

/** An access token signed with the test secret, without logging in (iat may be set in the past). */
export function signAccessToken(user: TestUser, opts: { iatOffsetSec?: number; expiresInSec?: number } = {}): string {
  const now = Math.floor(Date.now() / 1000) + (opts.iatOffsetSec ?? 0);
  return jwt.sign(
    { sub: user.id, email: user.email, role: user.role, companyId: user.companyId, iat: now, exp: now + (opts.expiresInSec ?? 900) },
    TEST_SECRETS.JWT_SECRET,
    { algorithm: 'HS256' },
  );
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
