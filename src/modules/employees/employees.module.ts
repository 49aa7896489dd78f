import { Module } from '@nestjs/common';
import { EmployeeMedia } from './employee-media.service.js';
import { AuthModule } from '../auth/auth.module.js';
import { EmployeeImportService } from './employee-import.service.js';
import { EmployeeStatsService } from './employee-stats.service.js';
import { EmployeesController } from './employees.controller.js';
import { EmployeesService } from './employees.service.js';

@Module({
  imports: [AuthModule],
  controllers: [EmployeesController],
  providers: [EmployeeMedia, EmployeesService, EmployeeImportService, EmployeeStatsService],
  exports: [EmployeeMedia, EmployeesService, EmployeeStatsService],
})
export class EmployeesModule {}
