import { Global, Module } from '@nestjs/common';
import { AccessTokenService } from './auth/access-token.service.js';
import { IdentityResolver } from './auth/identity-resolver.service.js';
import { RequestContext } from './context/request-context.service.js';

/** Request context, token verification and identity resolution, shared by the api and the worker. */
@Global()
@Module({
  providers: [RequestContext, AccessTokenService, IdentityResolver],
  exports: [RequestContext, AccessTokenService, IdentityResolver],
})
export class CommonModule {}
