import { Injectable, Logger } from '@nestjs/common';
import { SecurityEventType, SecuritySeverity } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { AccessTokenService, TokenError } from '../../common/auth/access-token.service.js';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { sha256 } from '../../common/security/tokens.js';
import { AppConfig } from '../../config/app-config.service.js';
import { EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';
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
 * whole family and every session of the user are revoked (SPEC §7.1) — except within a short grace
 * window after the rotation (REFRESH_REUSE_GRACE_SECONDS, as Auth0/Okta do): two tabs refreshing with
 * the same token at once both get the winner's pair instead of being logged out everywhere.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger('Sessions');
  private readonly graceMs: number;

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly system: SystemPrismaService,
    private readonly ctx: RequestContext,
    private readonly security: SecurityEventService,
    private readonly identities: IdentityResolver,
    private readonly redis: RedisService,
    private readonly crypto: EnvelopeCrypto,
    config: AppConfig,
    private readonly realtime: RealtimePublisher,
  ) {
    this.graceMs = config.get('REFRESH_REUSE_GRACE_SECONDS') * 1000;
  }

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
    const presentedHash = sha256(presented);
    const stored = await this.system.refreshToken.findUnique({
      where: { tokenHash: presentedHash },
      include: { user: { select: { id: true, email: true, role: true, companyId: true, isActive: true, deletedAt: true } } },
    });
    if (!stored || stored.userId !== payload.sub) {
      throw AppException.unauthorized(ErrorCode.TOKEN_INVALID, 'Jeton de rafraîchissement invalide');
    }
    if (stored.revokedAt) {
      // Rotated already ⇒ the other tab of a near-simultaneous refresh (grace), else a replay: a theft
      // signal. Revoked by logout/reset ⇒ simply dead.
      if (stored.replacedById) return (await this.graceReplay(stored.userId, presentedHash)) ?? this.reuseDetected(stored.userId, stored.familyId);
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
    const pair: TokenPair = { accessToken: this.tokens.signAccess(user), refreshToken: next.token };
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
      // before the commit: a concurrent loser, blocked on this row until then, finds the pair
      await this.rememberRotation(presentedHash, pair);
      return true;
    }).catch((e) => {
      if (e instanceof ConcurrentRotation) return false;
      throw e;
    });
    // Lost the race: another request rotated this token first; within the grace window it gets that pair.
    if (!won) return (await this.graceReplay(user.id, presentedHash)) ?? this.reuseDetected(user.id, stored.familyId);

    await this.security.record(SecurityEventType.TOKEN_REFRESH, SecuritySeverity.LOW, user.id);
    return pair;
  }

  /**
   * Keeps the pair issued for a rotated token for the grace window, in Redis only (never in PostgreSQL):
   * keyed by the hash of the presented token, sealed with the envelope crypto (AAD bound to that hash),
   * expiring with the window. A Redis dump alone gives no usable token. Best effort: without it, a loser
   * is treated as a replay, as before.
   */
  private async rememberRotation(presentedHash: string, pair: TokenPair): Promise<void> {
    if (this.graceMs <= 0) return;
    const sealed = this.crypto.encryptToString(JSON.stringify(pair), `refresh-grace:${presentedHash}`);
    await this.redis.guard(() => this.redis.client.set(this.redis.key('refresh-grace', presentedHash), sealed, 'PX', this.graceMs)).catch((e: Error) => {
      this.logger.warn({ message: 'refresh grace pair not stored', error: e.name });
    });
  }

  /**
   * The winner's pair for a token rotated less than the grace window ago, if its successor is still live;
   * null otherwise (the caller then treats the presentation as a replay).
   */
  private async graceReplay(userId: string, presentedHash: string): Promise<TokenPair | null> {
    if (this.graceMs <= 0) return null;
    // Redis down: 503 (the client retries) rather than taking a concurrent tab for a replay and revoking all
    const sealed = await this.redis.guard(() => this.redis.client.get(this.redis.key('refresh-grace', presentedHash)));
    if (!sealed) return null;
    // the database's revocation time decides, not only the Redis TTL
    const row = await this.system.refreshToken.findUnique({ where: { tokenHash: presentedHash }, select: { revokedAt: true, replacedById: true } });
    if (!row?.revokedAt || !row.replacedById || Date.now() - row.revokedAt.getTime() >= this.graceMs) return null;
    const successor = await this.system.refreshToken.findUnique({ where: { id: row.replacedById }, select: { revokedAt: true } });
    if (!successor || successor.revokedAt) return null;
    const pair = JSON.parse(this.crypto.decryptFromString(sealed, `refresh-grace:${presentedHash}`)) as TokenPair;
    await this.security.record(SecurityEventType.TOKEN_REFRESH, SecuritySeverity.LOW, userId, { grace: true });
    return pair;
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
    this.realtime.disconnectUser(userId);
    await this.security.record(SecurityEventType.TOKEN_REUSE, SecuritySeverity.HIGH, userId, { familyId });
    throw AppException.unauthorized(ErrorCode.TOKEN_REUSED, 'Jeton déjà utilisé : toutes les sessions ont été fermées');
  }
}

class ConcurrentRotation extends Error {}
