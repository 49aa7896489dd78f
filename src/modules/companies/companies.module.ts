import { Module } from '@nestjs/common';
import { CompanyMedia } from './company-media.service.js';
import { AuthModule } from '../auth/auth.module.js';
import { CompaniesController } from './companies.controller.js';
import { CompaniesService } from './companies.service.js';

@Module({
  imports: [AuthModule],
  controllers: [CompaniesController],
  providers: [CompanyMedia, CompaniesService],
  exports: [CompanyMedia, CompaniesService],
})
export class CompaniesModule {}
