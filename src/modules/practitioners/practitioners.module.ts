import { Module } from '@nestjs/common';
import { AvailabilityModule } from '../availability/availability.module.js';
import { PractitionerRecords } from './practitioner-records.service.js';
import { PractitionerProfileService } from './practitioner-profile.service.js';
import { PractitionerSearchService } from './practitioner-search.service.js';
import { PractitionersAdminService } from './practitioners-admin.service.js';
import { PractitionersController } from './practitioners.controller.js';

@Module({
  imports: [AvailabilityModule],
  controllers: [PractitionersController],
  providers: [PractitionersAdminService, PractitionerProfileService, PractitionerSearchService, PractitionerRecords],
  exports: [PractitionerRecords],
})
export class PractitionersModule {}
