import { Module } from '@nestjs/common';
import { ConsultationsModule } from '../consultations/consultations.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { CallStateService } from './call-state.service.js';
import { CallsGateway } from './calls.gateway.js';

/** `/audio-call` signalling (SPEC §5.3). */
@Module({
  imports: [ConsultationsModule, PresenceModule],
  providers: [CallsGateway, CallStateService],
})
export class CallsModule {}
