import { Global, Module } from '@nestjs/common';
import { InFlightRequests } from '../lifecycle/in-flight.service.js';
import { PrismaService, SystemPrismaService } from './prisma.service.js';
import { TenantPrisma } from './tenant-prisma.service.js';

@Global()
@Module({
  providers: [InFlightRequests, PrismaService, SystemPrismaService, TenantPrisma],
  exports: [InFlightRequests, PrismaService, SystemPrismaService, TenantPrisma],
})
export class PrismaModule {}
