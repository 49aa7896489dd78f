import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EmployeeImportService } from './employee-import.service.js';
import { EmployeeStatsService } from './employee-stats.service.js';
import { EmployeesController } from './employees.controller.js';
import { EmployeesService } from './employees.service.js';

@Module({
  imports: [AuthModule],
  controllers: [EmployeesController],
  providers: [EmployeesService, EmployeeImportService, EmployeeStatsService],
  exports: [EmployeesService, EmployeeStatsService],
})
export class EmployeesModule {}
