import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@prisma/client';
import type { Identity } from '../context/request-context.js';

export const IS_PUBLIC = 'auth:isPublic';
export const ROLES = 'auth:roles';
export const OPTIONAL_AUTH = 'auth:optional';

/** The route needs no access token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Public, but a caller who sends a token is identified (an expired or invalid one is a 401, so the client
 * refreshes rather than silently seeing less): e.g. admins read drafts where visitors read published posts.
 */
export const PublicWithOptionalAuth = () => applyDecorators(Public(), SetMetadata(OPTIONAL_AUTH, true));

/** Only these roles reach the route; others get 403 (SPEC §11 S14). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The caller's identity as resolved by the JWT guard. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Identity => {
  return ctx.switchToHttp().getRequest().identity;
});
