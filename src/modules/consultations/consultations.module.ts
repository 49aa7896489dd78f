import { Module } from '@nestjs/common';
import { AvailabilityModule } from '../availability/availability.module.js';
import { PractitionersModule } from '../practitioners/practitioners.module.js';
import { ConsultationsController } from './consultations.controller.js';
import { ConsultationsService } from './consultations.service.js';
import { RoomAccessService } from './room-access.service.js';
import { RoomTokenService } from './room-token.service.js';

@Module({
  imports: [AvailabilityModule, PractitionersModule],
  controllers: [ConsultationsController],
  providers: [ConsultationsService, RoomAccessService, RoomTokenService],
  exports: [ConsultationsService, RoomAccessService],
})
export class ConsultationsModule {}
