import { Injectable } from '@nestjs/common';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { identityOf, type Identity } from '../context/request-context.js';

interface CachedUser {
  identity: Identity;
  active: boolean;
  companyActive: boolean;
  passwordChangedAtSec: number;
  loadedAt: number;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Resolves a token's user id into the request identity: role and company from the database (not the
 * token), employee/practitioner profile ids (SPEC §11 S21), and whether the account — and its company —
 * may still act.
 * Cached 30 s per instance so an authenticated request costs no extra query; `forget()` drops an entry
 * at once on this instance when an account changes (other instances follow within the TTL).
 * Uses the system client: this IS the step that establishes the tenant context.
 */
@Injectable()
export class IdentityResolver {
  private readonly cache = new Map<string, CachedUser>();

  constructor(private readonly system: SystemPrismaService) {}

  /**
   * The identity; null when the account is gone, disabled, or the token predates a password change;
   * 'COMPANY_INACTIVE' when the account is fine but its company is suspended or not validated.
   */
  async resolve(userId: string, tokenIssuedAtSec: number): Promise<Identity | null | 'COMPANY_INACTIVE'> {
    const entry = await this.load(userId);
    if (!entry || !entry.active) return null;
    if (tokenIssuedAtSec < entry.passwordChangedAtSec) return null;
    if (!entry.companyActive) return 'COMPANY_INACTIVE';
    return entry.identity;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }

  private async load(userId: string): Promise<CachedUser | null> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.loadedAt < TTL_MS) return hit;
    const user = await this.system.user.findUnique({
      where: { id: userId },
      select: {
        id: true,
        email: true,
        role: true,
        companyId: true,
        isActive: true,
        deletedAt: true,
        passwordChangedAt: true,
        company: { select: { isActive: true } },
        employee: { select: { id: true } },
        practitioner: { select: { id: true } },
      },
    });
    if (!user) {
      this.cache.delete(userId);
      return null;
    }
    const entry: CachedUser = {
      identity: identityOf(user),
      active: user.isActive && !user.deletedAt,
      // a suspended company's people are out too (within the cache TTL on other instances)
      companyActive: user.companyId === null || user.company?.isActive === true,
      passwordChangedAtSec: user.passwordChangedAt ? Math.floor(user.passwordChangedAt.getTime() / 1000) : 0,
      loadedAt: Date.now(),
    };
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(userId, entry);
    return entry;
  }
}
