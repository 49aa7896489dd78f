import { Global, Module } from '@nestjs/common';
import { RealtimePublisher } from './realtime-publisher.service.js';
import { SocketAuthService } from './socket-auth.service.js';

/** Socket handshake authentication and cross-instance publishing (api, and the worker which only publishes). */
@Global()
@Module({ providers: [SocketAuthService, RealtimePublisher], exports: [SocketAuthService, RealtimePublisher] })
export class RealtimeModule {}
