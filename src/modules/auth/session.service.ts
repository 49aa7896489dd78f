import { Injectable } from '@nestjs/common';
import { SecurityEventType, SecuritySeverity } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { AccessTokenService, TokenError } from '../../common/auth/access-token.service.js';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { sha256 } from '../../common/security/tokens.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { SecurityEventService } from '../audit/audit.service.js';

export interface SessionUser {
  id: string;
  email: string;
  role: import('@prisma/client').Role;
  companyId: string | null;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

/**
 * Access + refresh tokens. Refresh tokens are stored as SHA-256 hashes, rotate on every use, and belong
 * to a family: presenting a token that was already rotated means it was stolen or replayed, so the
 * whole family and every session of the user are revoked (SPEC §7.1).
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly system: SystemPrismaService,
    private readonly ctx: RequestContext,
    private readonly security: SecurityEventService,
    private readonly identities: IdentityResolver,
  ) {}

  /** Opens a new session (new family) for `user`, inside the caller's transaction (runs as that user). */
  async open(user: SessionUser, tx: TenantTx): Promise<TokenPair> {
    const familyId = randomUUID();
    const { token, expiresAt } = this.tokens.signRefresh(user.id, familyId);
    await tx.refreshToken.create({
      data: {
        tokenHash: sha256(token),
        userId: user.id,
        familyId,
        expiresAt,
        ip: this.ctx.ip ?? null,
        userAgent: this.ctx.userAgent?.slice(0, 500) ?? null,
      },
    });
    return { accessToken: this.tokens.signAccess(user), refreshToken: token };
  }

  /**
   * A4: rotates a refresh token. Public route, no caller yet: the lookup by token hash runs on the
   * system client, and the swap is a conditional update so two concurrent uses cannot both win.
   */
  async rotate(presented: string): Promise<TokenPair> {
    let payload;
    try {
      payload = this.tokens.verifyRefresh(presented);
    } catch (e) {
      const expired = e instanceof TokenError && e.reason === 'expired';
      throw AppException.unauthorized(expired ? ErrorCode.TOKEN_EXPIRED : ErrorCode.TOKEN_INVALID, expired ? 'Jeton de rafraîchissement expiré' : 'Jeton de rafraîchissement invalide');
    }
    const stored = await this.system.refreshToken.findUnique({
      where: { tokenHash: sha256(presented) },
      include: { user: { select: { id: true, email: true, role: true, companyId: true, isActive: true, deletedAt: true } } },
    });
    if (!stored || stored.userId !== payload.sub) {
      throw AppException.unauthorized(ErrorCode.TOKEN_INVALID, 'Jeton de rafraîchissement invalide');
    }
    if (stored.revokedAt) {
      // Rotated already ⇒ somebody replays it: a theft signal. Revoked by logout/reset ⇒ simply dead.
      if (stored.replacedById) await this.reuseDetected(stored.userId, stored.familyId);
      throw AppException.unauthorized(ErrorCode.TOKEN_INVALID, 'Session fermée');
    }
    if (stored.expiresAt.getTime() <= Date.now()) {
      throw AppException.unauthorized(ErrorCode.TOKEN_EXPIRED, 'Jeton de rafraîchissement expiré');
    }
    const user = stored.user;
    if (!user.isActive || user.deletedAt) {
      throw AppException.unauthorized(ErrorCode.TOKEN_INVALID, 'Session invalide');
    }

    const next = this.tokens.signRefresh(user.id, stored.familyId);
    const nextHash = sha256(next.token);
    const won = await this.system.$transaction(async (tx) => {
      const created = await tx.refreshToken.create({
        data: {
          tokenHash: nextHash,
          userId: user.id,
          familyId: stored.familyId,
          expiresAt: next.expiresAt,
          ip: this.ctx.ip ?? null,
          userAgent: this.ctx.userAgent?.slice(0, 500) ?? null,
        },
      });
      const { count } = await tx.refreshToken.updateMany({
        where: { id: stored.id, revokedAt: null },
        data: { revokedAt: new Date(), replacedById: created.id },
      });
      if (count !== 1) throw new ConcurrentRotation();
      return true;
    }).catch((e) => {
      if (e instanceof ConcurrentRotation) return false;
      throw e;
    });
    // Lost the race: another request rotated this token first, which is a reuse of the same token.
    if (!won) await this.reuseDetected(user.id, stored.familyId);

    await this.security.record(SecurityEventType.TOKEN_REFRESH, SecuritySeverity.LOW, user.id);
    return { accessToken: this.tokens.signAccess(user), refreshToken: next.token };
  }

  /** Revokes one session (by its presented token) or, without a token, all sessions of `userId`. */
  async revoke(userId: string, tx: TenantTx, presented?: string): Promise<void> {
    const now = new Date();
    if (presented) {
      const row = await tx.refreshToken.findFirst({ where: { tokenHash: sha256(presented), userId }, select: { familyId: true } });
      if (row) await tx.refreshToken.updateMany({ where: { userId, familyId: row.familyId, revokedAt: null }, data: { revokedAt: now } });
      return;
    }
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
  }

  /**
   * Ends every session of these users (employee deactivation, company suspension): refresh tokens revoked
   * and cached identities dropped. System client: the caller is an admin acting on other users' sessions,
   * and RLS lets only a token's owner touch it.
   */
  async revokeAllSessions(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.system.refreshToken.updateMany({ where: { userId: { in: userIds }, revokedAt: null }, data: { revokedAt: new Date() } });
    for (const id of userIds) this.identities.forget(id);
  }

  private async reuseDetected(userId: string, familyId: string): Promise<never> {
    await this.system.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
    this.identities.forget(userId);
    await this.security.record(SecurityEventType.TOKEN_REUSE, SecuritySeverity.HIGH, userId, { familyId });
    throw AppException.unauthorized(ErrorCode.TOKEN_REUSED, 'Jeton déjà utilisé : toutes les sessions ont été fermées');
  }
}

class ConcurrentRotation extends Error {}
