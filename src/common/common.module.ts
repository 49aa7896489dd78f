import { Global, Module } from '@nestjs/common';
import { AccessTokenService } from './auth/access-token.service.js';
import { IdentityResolver } from './auth/identity-resolver.service.js';
import { RequestContext } from './context/request-context.service.js';
import { SocketAuthService } from '../infra/realtime/socket-auth.service.js';
import { MetricsService } from '../infra/metrics/metrics.service.js';

/** Request context, token verification and identity resolution, shared by HTTP and sockets. */
@Global()
@Module({
  providers: [RequestContext, AccessTokenService, IdentityResolver, SocketAuthService, MetricsService],
  exports: [RequestContext, AccessTokenService, IdentityResolver, SocketAuthService, MetricsService],
})
export class CommonModule {}
