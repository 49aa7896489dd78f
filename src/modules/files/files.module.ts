import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { AppConfig } from '../../config/app-config.service.js';
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
    MulterModule.registerAsync({
      inject: [AppConfig],
      // memory: the bytes are checked (magic numbers) and encrypted before anything touches the storage
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        defParamCharset: 'utf8',
        limits: { fileSize: config.get('MAX_FILE_SIZE'), files: 1, fields: 10, fieldSize: 1024, parts: 12 },
      }),
    }),
  ],
  controllers: [FilesController, UploadsController],
  providers: [FilesService, UploadsService],
  exports: [FilesService],
})
export class FilesModule {}
