import { Module } from '@nestjs/common';
import { PresenceService } from './presence.service.js';

/** Presence for every guarded socket namespace (api process only: the worker holds no sockets). */
@Module({
  providers: [PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
