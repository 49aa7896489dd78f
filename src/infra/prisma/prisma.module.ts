import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { InFlightRequests } from '../lifecycle/in-flight.service.js';
import { PrismaService, SystemPrismaService } from './prisma.service.js';
import { RequestTransactionInterceptor } from './request-transaction.interceptor.js';
import { TenantPrisma } from './tenant-prisma.service.js';
import { TenantSql } from './tenant-sql.service.js';

@Global()
@Module({
  providers: [InFlightRequests, PrismaService, SystemPrismaService, TenantPrisma, TenantSql, { provide: APP_INTERCEPTOR, useClass: RequestTransactionInterceptor }],
  exports: [InFlightRequests, PrismaService, SystemPrismaService, TenantPrisma, TenantSql],
})
export class PrismaModule {}
