import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@prisma/client';
import type { Identity } from '../context/request-context.js';
import { AppException } from '../errors/app.exception.js';
import { ErrorCode } from '../errors/error-codes.js';
import { ROLES } from './decorators.js';

/** Enforces @Roles(): authenticated but not allowed ⇒ 403 (SPEC §2.2). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const identity = context.switchToHttp().getRequest<{ identity?: Identity }>().identity;
    if (!identity) throw AppException.unauthorized();
    if (!roles.includes(identity.role)) throw AppException.forbidden(ErrorCode.FORBIDDEN, 'Rôle insuffisant');
    return true;
  }
}
