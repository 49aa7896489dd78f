import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../../config/app-config.service.js';

/** Client on role `huntzen_app`: every row it sees passes RLS. Use it through TenantPrisma. */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(config: AppConfig) {
    super({
      adapter: new PrismaPg({ connectionString: config.get('APP_DATABASE_URL'), max: config.get('DATABASE_POOL_SIZE') }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}

/**
 * Client on role `huntzen_system` (BYPASSRLS). Like sudo: only for work that has no tenant yet or spans
 * tenants by design — the login lookup by e-mail and the public token flows in `auth`, queue processors,
 * and report refreshes (ARCHITECTURE §4). Every use is reviewed.
 */
@Injectable()
export class SystemPrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(config: AppConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.get('SYSTEM_DATABASE_URL'), max: 4 }) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
