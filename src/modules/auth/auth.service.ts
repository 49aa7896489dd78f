import { Injectable } from '@nestjs/common';
import { AuditAction, Prisma, Role, SecurityEventType, SecuritySeverity, UserTokenType } from '@prisma/client';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import { identityOf, type Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { dummyPasswordHash, hashPassword, NO_PASSWORD_HASH, verifyPassword } from '../../common/security/password.js';
import { randomToken, sha256 } from '../../common/security/tokens.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MailService } from '../../infra/mail/mail.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService, SecurityEventService } from '../audit/audit.service.js';
import type { LoginDto, MeDto, RegisterDto, RegisteredUserDto, TwoFactorSetupDto } from './dto/auth.dto.js';
import { AttemptLimiter } from './attempt-limiter.service.js';
import { SessionService, SessionUser, TokenPair } from './session.service.js';
import { TwoFactorService } from './two-factor.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';

const HOUR = 3600_000;
const TTL = {
  [UserTokenType.EMAIL_VERIFICATION]: 24 * HOUR,
  [UserTokenType.PASSWORD_RESET]: 1 * HOUR,
  [UserTokenType.INVITATION]: 7 * 24 * HOUR,
};

const GENERIC_EMAIL_SENT = 'Si un compte correspond à cette adresse, un e-mail a été envoyé';

/**
 * An account created by an invitation whose owner never chose a password: both invitation paths store
 * NO_PASSWORD_HASH, which only the invitation's acceptance or a password reset replaces (registration
 * always stores a real hash). The database's user_awaits_invitation() uses the same marker.
 */
const isInvited = (u: { passwordHash: string }) => u.passwordHash === NO_PASSWORD_HASH;

/** An invitation may still activate the account: never activated, never verified, not deleted. */
const AWAITS_INVITATION = { isActive: false, emailVerified: false, deletedAt: null } satisfies Prisma.UserWhereInput;
const awaitsInvitation = (u: { isActive: boolean; emailVerified: boolean; deletedAt: Date | null }) => !u.isActive && !u.emailVerified && !u.deletedAt;

const alreadyActivated = () =>
  AppException.conflict(ErrorCode.ALREADY_ACTIVE, 'Ce compte est déjà activé : connectez-vous ou réinitialisez votre mot de passe');
const invitationPending = () =>
  AppException.conflict(ErrorCode.INVITATION_PENDING, "Ce compte s'active avec le lien d'invitation reçu par e-mail");

/**
 * Authentication flows of SPEC §4.1 (A1–A12) and US-1.1 … US-1.5, US-12.1.
 * Public flows (register, verify, login lookup, reset) run on the system client — there is no caller
 * yet; everything done on behalf of a known user runs as that user, under RLS.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly system: SystemPrismaService,
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
    private readonly sessions: SessionService,
    private readonly twoFactor: TwoFactorService,
    private readonly identities: IdentityResolver,
    private readonly audit: AuditService,
    private readonly security: SecurityEventService,
    private readonly mail: MailService,
    private readonly config: AppConfig,
    private readonly limiter: AttemptLimiter,
    private readonly realtime: RealtimePublisher,
  ) {}

  // ---------- A1 register ----------

  async register(dto: RegisterDto): Promise<{ user: RegisteredUserDto; message: string }> {
    if (dto.invitationToken) return this.acceptInvitation(dto.invitationToken, dto.password, dto.email);

    const existing = await this.system.user.findUnique({ where: { email: dto.email }, select: { id: true } });
    if (existing) throw AppException.conflict(ErrorCode.EMAIL_TAKEN, 'Un compte existe déjà avec cette adresse e-mail', [{ field: 'email', message: 'déjà utilisée' }]);

    const missing = (['firstName', 'lastName'] as const).filter((f) => !dto[f]);
    if (missing.length) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', missing.map((field) => ({ field, message: 'requis sans invitation' })));
    }

    // SPEC §11 B10/S15: the company comes from a validated domain match, never from the client.
    const domain = `@${dto.email.split('@')[1]}`;
    const company = await this.system.company.findFirst({
      where: { isActive: true, emailDomains: { has: domain } },
      select: { id: true },
    });
    if (!company) {
      throw AppException.forbidden(ErrorCode.EMAIL_DOMAIN_NOT_ALLOWED, "Cette adresse e-mail n'appartient à aucune entreprise cliente : utilisez le lien d'invitation reçu");
    }

    const passwordHash = await hashPassword(dto.password);
    const token = randomToken();
    const user = await this.system.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          email: dto.email,
          passwordHash,
          role: Role.EMPLOYEE,
          companyId: company.id,
          isActive: false,
          emailVerified: false,
          employee: { create: { companyId: company.id, firstName: dto.firstName!, lastName: dto.lastName! } },
        },
        include: { employee: { select: { id: true } } },
      });
      await this.createToken(tx, created.id, UserTokenType.EMAIL_VERIFICATION, token);
      const identity = identityOf(created);
      await this.ctx.runAs(identity, () =>
        this.audit.record({ action: AuditAction.CREATE, resource: 'user', resourceId: created.id, details: { event: 'USER_REGISTERED' } }, tx),
      );
      return created;
    }).catch((e) => this.rethrowUniqueEmail(e));

    await this.mail.send(user.email, 'email-verification', { firstName: dto.firstName, link: this.link('/verify-email', token) });
    return { user: this.registeredUser(user), message: 'Compte créé : un e-mail de vérification a été envoyé' };
  }

  /**
   * Invitation activation (SPEC §11 A16): sets the password, activates and verifies the invited account,
   * burns the token. Shared by `register` with `invitationToken` and `POST /employees/activate`.
   */
  async acceptInvitation(token: string, password: string, email?: string): Promise<{ user: RegisteredUserDto; message: string }> {
    const row = await this.system.userToken.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
    if (!row || row.type !== UserTokenType.INVITATION || row.usedAt || row.expiresAt.getTime() <= Date.now() || row.user.deletedAt) {
      throw new AppException(404, ErrorCode.INVITATION_INVALID, 'Invitation invalide ou expirée');
    }
    if (email && email !== row.user.email) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, "L'adresse e-mail ne correspond pas à l'invitation", [{ field: 'email', message: "ne correspond pas à l'invitation" }]);
    }
    if (!awaitsInvitation(row.user)) throw alreadyActivated();
    const passwordHash = await hashPassword(password);
    const now = new Date();
    const user = await this.system.$transaction(async (tx) => {
      const burnt = await tx.userToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
      if (burnt.count !== 1) throw new AppException(404, ErrorCode.INVITATION_INVALID, 'Invitation invalide ou expirée');
      // Conditional: an account activated meanwhile keeps its password (the transaction rolls back).
      const { count } = await tx.user.updateMany({
        where: { id: row.userId, ...AWAITS_INVITATION },
        data: { passwordHash, isActive: true, emailVerified: true, emailVerifiedAt: now, passwordChangedAt: now },
      });
      if (count !== 1) throw alreadyActivated();
      const updated = await tx.user.findUniqueOrThrow({
        where: { id: row.userId },
        include: { employee: { select: { id: true } }, practitioner: { select: { id: true } } },
      });
      const identity = identityOf(updated);
      await this.ctx.runAs(identity, () =>
        this.audit.record({ action: AuditAction.ACTIVATE, resource: 'user', resourceId: updated.id, details: { event: 'INVITATION_ACCEPTED' } }, tx),
      );
      return updated;
    });
    this.identities.forget(user.id);
    return { user: this.registeredUser(user), message: 'Compte activé : vous pouvez vous connecter' };
  }

  /**
   * E4 (`POST /employees/activate`): accepts the invitation like `acceptInvitation`, then opens a first
   * session as a login would. A company that is suspended or not yet validated gets COMPANY_INACTIVE
   * before anything changes, so the link keeps working once access reopens.
   */
  async acceptInvitationAndLogin(token: string, password: string): Promise<TokenPair & { message: string; identity: Identity }> {
    const pending = await this.system.userToken.findUnique({
      where: { tokenHash: sha256(token) },
      select: { type: true, usedAt: true, expiresAt: true, user: { select: { company: { select: { isActive: true } } } } },
    });
    const usable = pending?.type === UserTokenType.INVITATION && !pending.usedAt && pending.expiresAt.getTime() > Date.now();
    if (usable && pending.user.company && !pending.user.company.isActive) {
      throw AppException.forbidden(ErrorCode.COMPANY_INACTIVE, "L'accès de votre entreprise est suspendu ou pas encore validé");
    }
    const { user } = await this.acceptInvitation(token, password);
    const full = await this.system.user.findUniqueOrThrow({
      where: { id: user.id },
      include: { employee: { select: { id: true } }, practitioner: { select: { id: true } } },
    });
    const identity = identityOf(full);
    const tokens = await this.ctx.runAs(identity, () =>
      this.tenant.tx(async (tx) => {
        await tx.user.update({ where: { id: full.id }, data: { lastLoginAt: new Date() } });
        const pair = await this.sessions.open(full, tx);
        await this.audit.record({ action: AuditAction.LOGIN, resource: 'user', resourceId: full.id, details: { event: 'INVITATION_LOGIN' } }, tx);
        return pair;
      }),
    );
    return { message: 'Compte activé', ...tokens, identity };
  }

  // ---------- A7 / A8 e-mail verification ----------

  async verifyEmail(token: string): Promise<{ message: string; isActive: boolean }> {
    const row = await this.consumeToken(token, UserTokenType.EMAIL_VERIFICATION);
    const user = await this.system.user.findUniqueOrThrow({ where: { id: row.userId }, include: { company: { select: { autoApproveEmployees: true } } } });
    // An invited account has no password of its own: only its invitation activates it (with one).
    if (isInvited(user)) throw invitationPending();
    // SPEC A7/B10: verification activates the account unless the company wants HR to approve employees.
    const activate = user.role !== Role.EMPLOYEE || user.company?.autoApproveEmployees === true;
    const updated = await this.system.user.update({
      where: { id: user.id },
      data: { emailVerified: true, emailVerifiedAt: new Date(), ...(activate ? { isActive: true } : {}) },
    });
    this.identities.forget(user.id);
    return {
      message: updated.isActive ? 'Adresse e-mail vérifiée : vous pouvez vous connecter' : 'Adresse e-mail vérifiée : votre compte sera activé par votre RH',
      isActive: updated.isActive,
    };
  }

  async resendVerification(email: string): Promise<{ message: string }> {
    const user = await this.system.user.findUnique({ where: { email }, include: { employee: { select: { firstName: true } } } });
    // Invited accounts are activated by their invitation, never by a verification link (same answer).
    if (user && !user.emailVerified && !user.deletedAt && !isInvited(user)) {
      const token = randomToken();
      await this.system.$transaction(async (tx) => {
        // a new link replaces the previous ones (SPEC A8)
        await tx.userToken.deleteMany({ where: { userId: user.id, type: UserTokenType.EMAIL_VERIFICATION } });
        await this.createToken(tx, user.id, UserTokenType.EMAIL_VERIFICATION, token);
      });
      await this.mail.send(user.email, 'email-verification', { firstName: user.employee?.firstName, link: this.link('/verify-email', token) });
    }
    return { message: GENERIC_EMAIL_SENT };
  }

  // ---------- A2 login ----------

  async login(dto: LoginDto): Promise<TokenPair & { user: SessionUser & { firstName: string | null; lastName: string | null } }> {
    await this.limiter.loginAttempt(this.ctx.ip, dto.email);
    const user = await this.system.user.findUnique({
      where: { email: dto.email },
      include: {
        company: { select: { isActive: true } },
        employee: { select: { id: true, firstName: true, lastName: true } },
        practitioner: { select: { id: true, firstName: true, lastName: true } },
      },
    });
    // Same work and the same answer for an unknown e-mail and a wrong password (no account oracle).
    const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), dto.password);
    if (!user || !passwordOk || user.deletedAt) {
      await this.limiter.loginFailed(this.ctx.ip);
      await this.security.record(SecurityEventType.LOGIN_FAILED, SecuritySeverity.MEDIUM, user?.id ?? null, { reason: user ? 'password' : 'unknown_email' });
      throw AppException.unauthorized(ErrorCode.INVALID_CREDENTIALS, 'Identifiants invalides');
    }
    await this.limiter.loginPasswordOk(dto.email);
    // Unverified accounts are also inactive: the verification message is the one that helps the user.
    if (!user.emailVerified) throw AppException.forbidden(ErrorCode.EMAIL_NOT_VERIFIED, "Adresse e-mail non vérifiée : consultez l'e-mail de confirmation");
    if (!user.isActive) throw AppException.forbidden(ErrorCode.ACCOUNT_INACTIVE, 'Compte inactif');
    if (user.companyId && user.company && !user.company.isActive) {
      throw AppException.forbidden(ErrorCode.COMPANY_INACTIVE, "L'accès de votre entreprise est suspendu ou pas encore validé");
    }

    if (user.twoFactorEnabled) {
      if (!dto.mfaCode) throw AppException.unauthorized(ErrorCode.MFA_REQUIRED, 'Code de double authentification requis');
      const ok = await this.checkSecondFactor(user.id, user.twoFactorSecret, dto.mfaCode);
      if (!ok) {
        await this.security.record(SecurityEventType.MFA_FAILED, SecuritySeverity.MEDIUM, user.id);
        throw AppException.unauthorized(ErrorCode.MFA_INVALID, 'Code de double authentification invalide');
      }
    }

    const identity = identityOf(user);
    const tokens = await this.ctx.runAs(identity, () =>
      this.tenant.tx(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
        const pair = await this.sessions.open(user, tx);
        await this.audit.record({ action: AuditAction.LOGIN, resource: 'user', resourceId: user.id }, tx);
        return pair;
      }),
    );
    const profile = user.employee ?? user.practitioner;
    return {
      ...tokens,
      user: { id: user.id, email: user.email, role: user.role, companyId: user.companyId, firstName: profile?.firstName ?? null, lastName: profile?.lastName ?? null },
    };
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.sessions.rotate(refreshToken);
  }

  // ---------- A3 logout ----------

  async logout(identity: Identity, refreshToken?: string): Promise<{ message: string }> {
    await this.tenant.tx(async (tx) => {
      await this.sessions.revoke(identity.userId, tx, refreshToken);
      await this.audit.record({ action: AuditAction.LOGOUT, resource: 'user', resourceId: identity.userId, details: { scope: refreshToken ? 'session' : 'all' } }, tx);
    });
    // logout everywhere also closes every socket of the user, on every instance
    if (!refreshToken) this.realtime.disconnectUser(identity.userId);
    return { message: 'Déconnecté' };
  }

  // ---------- A5 / A6 password reset ----------

  async forgotPassword(email: string): Promise<{ message: string }> {
    const user = await this.system.user.findUnique({ where: { email }, select: { id: true, email: true, deletedAt: true } });
    if (user && !user.deletedAt) {
      const token = randomToken();
      await this.system.$transaction(async (tx) => {
        await tx.userToken.deleteMany({ where: { userId: user.id, type: UserTokenType.PASSWORD_RESET } });
        await this.createToken(tx, user.id, UserTokenType.PASSWORD_RESET, token);
      });
      await this.security.record(SecurityEventType.PASSWORD_RESET_REQUESTED, SecuritySeverity.LOW, user.id);
      await this.mail.send(user.email, 'password-reset', { link: this.link('/reset-password', token) });
    }
    return { message: GENERIC_EMAIL_SENT };
  }

  async resetPassword(token: string, newPassword: string): Promise<{ message: string }> {
    const row = await this.consumeToken(token, UserTokenType.PASSWORD_RESET);
    const passwordHash = await hashPassword(newPassword);
    const user = await this.system.$transaction(async (tx) => {
      const updated = await tx.user.update({
        where: { id: row.userId },
        data: { passwordHash, passwordChangedAt: new Date() },
        include: { employee: { select: { id: true } }, practitioner: { select: { id: true } } },
      });
      await tx.userToken.deleteMany({ where: { userId: row.userId, type: UserTokenType.PASSWORD_RESET } });
      await tx.refreshToken.updateMany({ where: { userId: row.userId, revokedAt: null }, data: { revokedAt: new Date() } });
      const identity = identityOf(updated);
      await this.ctx.runAs(identity, () =>
        this.audit.record({ action: AuditAction.UPDATE, resource: 'user', resourceId: updated.id, details: { event: 'PASSWORD_RESET' } }, tx),
      );
      return updated;
    });
    this.identities.forget(user.id);
    this.realtime.disconnectUser(user.id);
    await this.mail.send(user.email, 'password-reset-confirmation', {});
    return { message: 'Mot de passe réinitialisé : toutes les sessions ont été fermées' };
  }

  // ---------- I7 change password ----------

  async changePassword(identity: Identity, currentPassword: string, newPassword: string): Promise<TokenPair & { message: string }> {
    const user = await this.tenant.db.user.findUniqueOrThrow({ where: { id: identity.userId } });
    await this.checkCurrentPassword(user, currentPassword, 'Mot de passe actuel incorrect');
    if (await verifyPassword(user.passwordHash, newPassword)) {
      throw AppException.badRequest(ErrorCode.PASSWORD_REUSED, 'Le nouveau mot de passe doit être différent', [{ field: 'newPassword', message: "identique à l'actuel" }]);
    }
    const passwordHash = await hashPassword(newPassword);
    // Whole seconds: access tokens issued in this second (the new pair below) stay valid, older ones die.
    const changedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const tokens = await this.tenant.tx(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: changedAt } });
      await this.sessions.revoke(user.id, tx);
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'user', resourceId: user.id, details: { event: 'PASSWORD_CHANGED' } }, tx);
      return this.sessions.open(user, tx);
    });
    this.identities.forget(user.id);
    // every socket opened before the change goes too (this tab reconnects with the new access token)
    this.realtime.disconnectUser(user.id);
    await this.mail.send(user.email, 'password-changed', {});
    return { message: 'Mot de passe modifié : vos autres sessions ont été fermées', ...tokens };
  }

  // ---------- A12 me ----------

  async me(identity: Identity): Promise<MeDto> {
    const user = await this.tenant.db.user.findUnique({
      where: { id: identity.userId },
      select: {
        id: true,
        email: true,
        role: true,
        companyId: true,
        isActive: true,
        emailVerified: true,
        twoFactorEnabled: true,
        lastLoginAt: true,
        employee: { select: { firstName: true, lastName: true, avatarUrl: true } },
        practitioner: { select: { firstName: true, lastName: true, avatarUrl: true } },
      },
    });
    if (!user) throw AppException.notFound();
    const profile = user.employee ?? user.practitioner;
    return {
      id: user.id,
      email: user.email,
      role: user.role,
      companyId: user.companyId,
      firstName: profile?.firstName ?? null,
      lastName: profile?.lastName ?? null,
      avatarUrl: profile?.avatarUrl ?? null,
      isActive: user.isActive,
      emailVerified: user.emailVerified,
      twoFactorEnabled: user.twoFactorEnabled,
      lastLoginAt: user.lastLoginAt,
    };
  }

  // ---------- A9–A11 two-factor ----------

  async setupTwoFactor(identity: Identity): Promise<TwoFactorSetupDto> {
    const user = await this.tenant.db.user.findUniqueOrThrow({ where: { id: identity.userId }, select: { id: true, email: true, twoFactorEnabled: true } });
    if (user.twoFactorEnabled) throw AppException.conflict(ErrorCode.MFA_ALREADY_ENABLED, 'La double authentification est déjà active');
    const secret = this.twoFactor.newSecret();
    const { codes, hashes } = this.twoFactor.newBackupCodes();
    // Re-running setup replaces only the pending secret; nothing is active before A10.
    await this.tenant.tx(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { twoFactorSecret: this.twoFactor.sealSecret(user.id, secret) } });
      await tx.twoFactorBackupCode.deleteMany({ where: { userId: user.id } });
      await tx.twoFactorBackupCode.createMany({ data: hashes.map((codeHash) => ({ userId: user.id, codeHash })) });
    });
    const otpauthUrl = this.twoFactor.otpauthUrl(user.email, secret);
    return { secret, otpauthUrl, qrCodeUrl: await this.twoFactor.qrCode(otpauthUrl), backupCodes: codes };
  }

  async enableTwoFactor(identity: Identity, code: string): Promise<{ message: string; twoFactorEnabled: true }> {
    const user = await this.tenant.db.user.findUniqueOrThrow({ where: { id: identity.userId } });
    if (user.twoFactorEnabled) throw AppException.conflict(ErrorCode.MFA_ALREADY_ENABLED, 'La double authentification est déjà active');
    if (!user.twoFactorSecret) throw AppException.badRequest(ErrorCode.MFA_SETUP_REQUIRED, "Lancez d'abord la configuration (POST /api/auth/2fa/setup)");
    const secret = this.twoFactor.openSecret(user.id, user.twoFactorSecret);
    await this.limiter.mfaAttempt(user.id);
    if (!(await this.twoFactor.checkTotp(user.id, secret, code))) {
      throw AppException.badRequest(ErrorCode.MFA_INVALID, 'Code invalide', [{ field: 'code', message: 'code invalide ou déjà utilisé' }]);
    }
    await this.limiter.mfaOk(user.id);
    await this.tenant.tx(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { twoFactorEnabled: true } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'user', resourceId: user.id, details: { event: 'TWO_FACTOR_ENABLED' } }, tx);
    });
    await this.mail.send(user.email, 'two-factor-enabled', {});
    return { message: 'Double authentification activée', twoFactorEnabled: true };
  }

  async disableTwoFactor(identity: Identity, password: string, code: string): Promise<{ message: string }> {
    const user = await this.tenant.db.user.findUniqueOrThrow({ where: { id: identity.userId } });
    if (!user.twoFactorEnabled) throw AppException.badRequest(ErrorCode.MFA_NOT_ENABLED, "La double authentification n'est pas active");
    await this.checkCurrentPassword(user, password, 'Mot de passe incorrect');
    if (!(await this.checkSecondFactor(user.id, user.twoFactorSecret, code))) {
      await this.security.record(SecurityEventType.MFA_FAILED, SecuritySeverity.MEDIUM, user.id);
      throw AppException.badRequest(ErrorCode.MFA_INVALID, 'Code invalide', [{ field: 'code', message: 'code invalide ou déjà utilisé' }]);
    }
    await this.tenant.tx(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { twoFactorEnabled: false, twoFactorSecret: null } });
      await tx.twoFactorBackupCode.deleteMany({ where: { userId: user.id } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'user', resourceId: user.id, details: { event: 'TWO_FACTOR_DISABLED' } }, tx);
    });
    await this.mail.send(user.email, 'two-factor-disabled', {});
    return { message: 'Double authentification désactivée' };
  }

  // ---------- helpers ----------

  /**
   * A TOTP code (single-use) or an unused backup code (burnt on use); 429 while the account is locked
   * after too many wrong codes.
   */
  private async checkSecondFactor(userId: string, sealedSecret: string | null, code: string): Promise<boolean> {
    if (!sealedSecret) return false;
    await this.limiter.mfaAttempt(userId);
    const ok = await this.matchSecondFactor(userId, sealedSecret, code);
    if (ok) await this.limiter.mfaOk(userId);
    return ok;
  }

  private async matchSecondFactor(userId: string, sealedSecret: string, code: string): Promise<boolean> {
    if (this.twoFactor.isTotpFormat(code)) {
      return this.twoFactor.checkTotp(userId, this.twoFactor.openSecret(userId, sealedSecret), code);
    }
    // Backup code: the conditional update makes a concurrent double use impossible.
    const { count } = await this.system.twoFactorBackupCode.updateMany({
      where: { userId, codeHash: this.twoFactor.hashBackupCode(code), usedAt: null },
      data: { usedAt: new Date() },
    });
    return count === 1;
  }

  /** Re-authentication of a signed-in user by its password (RGPD deletion request), same limits as change-password. */
  async confirmPassword(identity: Identity, password: string, message: string): Promise<void> {
    const user = await this.tenant.db.user.findUniqueOrThrow({ where: { id: identity.userId }, select: { id: true, passwordHash: true } });
    await this.checkCurrentPassword(user, password, message);
  }

  /** A signed-in user's current password (403 PASSWORD_INVALID), with a lock after too many wrong ones. */
  private async checkCurrentPassword(user: { id: string; passwordHash: string }, password: string, message: string): Promise<void> {
    await this.limiter.passwordCheckAttempt(user.id);
    if (!(await verifyPassword(user.passwordHash, password))) throw AppException.forbidden(ErrorCode.PASSWORD_INVALID, message);
    await this.limiter.passwordCheckOk(user.id);
  }

  private async createToken(tx: TenantTx, userId: string, type: UserTokenType, token: string): Promise<void> {
    await tx.userToken.create({ data: { userId, type, tokenHash: sha256(token), expiresAt: new Date(Date.now() + TTL[type]) } });
  }

  /** Single-use token check: unknown or wrong type ⇒ TOKEN_INVALID, past expiry ⇒ TOKEN_EXPIRED (400). */
  private async consumeToken(token: string, type: UserTokenType) {
    const row = await this.system.userToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row || row.type !== type || row.usedAt) throw AppException.badRequest(ErrorCode.TOKEN_INVALID, 'Lien invalide ou déjà utilisé', [{ field: 'token', message: 'invalide' }]);
    if (row.expiresAt.getTime() <= Date.now()) throw AppException.badRequest(ErrorCode.TOKEN_EXPIRED, 'Lien expiré : demandez-en un nouveau', [{ field: 'token', message: 'expiré' }]);
    const { count } = await this.system.userToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date() } });
    if (count !== 1) throw AppException.badRequest(ErrorCode.TOKEN_INVALID, 'Lien invalide ou déjà utilisé', [{ field: 'token', message: 'invalide' }]);
    return row;
  }

  private link(path: string, token: string): string {
    const url = new URL(path, this.config.get('FRONTEND_URL'));
    url.searchParams.set('token', token);
    return url.toString();
  }

  private registeredUser(u: { id: string; email: string; role: Role; companyId: string | null; isActive: boolean; emailVerified: boolean; createdAt: Date }): RegisteredUserDto {
    return { id: u.id, email: u.email, role: u.role, companyId: u.companyId, isActive: u.isActive, emailVerified: u.emailVerified, createdAt: u.createdAt };
  }

  private rethrowUniqueEmail(e: unknown): never {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw AppException.conflict(ErrorCode.EMAIL_TAKEN, 'Un compte existe déjà avec cette adresse e-mail', [{ field: 'email', message: 'déjà utilisée' }]);
    }
    throw e;
  }
}
