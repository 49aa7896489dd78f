import { Global, Module } from '@nestjs/common';
import { PrismaService, SystemPrismaService } from './prisma.service.js';
import { TenantPrisma } from './tenant-prisma.service.js';

@Global()
@Module({
  providers: [PrismaService, SystemPrismaService, TenantPrisma],
  exports: [PrismaService, SystemPrismaService, TenantPrisma],
})
export class PrismaModule {}
