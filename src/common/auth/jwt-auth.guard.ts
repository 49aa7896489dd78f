import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { RequestContext } from '../context/request-context.service.js';
import { AppException } from '../errors/app.exception.js';
import { ErrorCode } from '../errors/error-codes.js';
import { AccessTokenService, TokenError } from './access-token.service.js';
import { IS_PUBLIC, OPTIONAL_AUTH } from './decorators.js';
import { IdentityResolver } from './identity-resolver.service.js';

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** Global guard: every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly identities: IdentityResolver,
    private readonly ctx: RequestContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<Request & { identity?: unknown }>();
    const token = bearerToken(req);
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      if (token && this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH, targets)) await this.authenticate(req, token);
      return true;
    }
    if (!token) throw AppException.unauthorized();
    await this.authenticate(req, token);
    return true;
  }

  private async authenticate(req: Request & { identity?: unknown }, token: string): Promise<void> {
    let payload;
    try {
      payload = this.tokens.verifyAccess(token);
    } catch (e) {
      const expired = e instanceof TokenError && e.reason === 'expired';
      throw AppException.unauthorized(
        expired ? ErrorCode.TOKEN_EXPIRED : ErrorCode.TOKEN_INVALID,
        expired ? 'Jeton expiré' : 'Jeton invalide',
      );
    }
    const identity = await this.identities.resolve(payload.sub, payload.iat);
    if (identity === 'COMPANY_INACTIVE') throw AppException.forbidden(ErrorCode.COMPANY_INACTIVE, "L'accès de votre entreprise est suspendu ou pas encore validé");
    if (!identity) throw AppException.unauthorized(ErrorCode.TOKEN_INVALID, 'Session invalide');
    req.identity = identity;
    this.ctx.setIdentity(identity);
  }
}
