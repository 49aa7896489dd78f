import { Module } from '@nestjs/common';
import { UploadLimitsModule } from './upload-limits.js';
import { CompaniesModule } from '../companies/companies.module.js';
import { EmployeesModule } from '../employees/employees.module.js';
import { PractitionersModule } from '../practitioners/practitioners.module.js';
import { FilesController } from './files.controller.js';
import { FilesService } from './files.service.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsService } from './uploads.service.js';

/** F1–F3 and every upload route (C9/C10, E7/E8, PR7–PR9); bytes go to the global StorageService. */
@Module({
  imports: [
    CompaniesModule,
    EmployeesModule,
    PractitionersModule,
    UploadLimitsModule,
  ],
  controllers: [FilesController, UploadsController],
  providers: [FilesService, UploadsService],
  exports: [FilesService],
})
export class FilesModule {}
