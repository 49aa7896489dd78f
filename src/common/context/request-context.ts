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
