import type { Role } from '@prisma/client';
import type { ClsStore } from 'nestjs-cls';

/** Who is calling, resolved once per request by the JWT guard (ARCHITECTURE §4, SPEC §11 S21). */
export interface Identity {
  userId: string;
  email: string;
  role: Role;
  companyId: string | null;
  employeeId: string | null;
  practitionerId: string | null;
}

export interface AppClsStore extends ClsStore {
  identity?: Identity;
  ip?: string;
  userAgent?: string;
}

/** The identity of a user row loaded with its `employee` / `practitioner` ids. */
export function identityOf(u: {
  id: string;
  email: string;
  role: Role;
  companyId: string | null;
  employee?: { id: string } | null;
  practitioner?: { id: string } | null;
}): Identity {
  return { userId: u.id, email: u.email, role: u.role, companyId: u.companyId, employeeId: u.employee?.id ?? null, practitionerId: u.practitioner?.id ?? null };
}
