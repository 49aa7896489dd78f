import { Controller, Get, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ApiExcludeController, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import pg from 'pg';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppConfig } from '../../config/app-config.service.js';

export class BenchBaselineDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
}

/**
 * The physical ceiling of `npm run bench` (issue 11): the same one-row, tenant-scoped read as
 * /api/auth/me, with node-postgres, in ONE round trip (BEGIN, the caller's context, the SELECT and COMMIT
 * sent as one simple-protocol message), under the same guards. Only mounted when BENCH_BASELINE_ROUTE=true,
 * which the env schema refuses in production.
 */
@Injectable()
export class BenchBaselinePool implements OnApplicationShutdown {
  readonly pool: pg.Pool;

  constructor(config: AppConfig) {
    this.pool = new pg.Pool({ connectionString: config.get('APP_DATABASE_URL'), max: config.get('DATABASE_POOL_SIZE') });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@ApiExcludeController()
@Controller('bench')
export class BenchBaselineController {
  constructor(private readonly baseline: BenchBaselinePool) {}

  @Get('baseline')
  @Roles(Role.EMPLOYEE, Role.PRACTITIONER, Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getBenchBaseline', summary: 'Banc de mesure : lecture de référence (hors production)' })
  async getBenchBaseline(@CurrentUser() me: Identity): Promise<BenchBaselineDto> {
    const lit = pg.escapeLiteral;
    // values come from the verified identity and are escaped: a simple query carries no parameters
    const sql = `BEGIN;
      SELECT set_config('app.user_id', ${lit(me.userId)}, true), set_config('app.role', ${lit(me.role)}, true),
        set_config('app.company_id', ${lit(me.companyId ?? '')}, true), set_config('app.employee_id', ${lit(me.employeeId ?? '')}, true),
        set_config('app.practitioner_id', ${lit(me.practitionerId ?? '')}, true);
      SELECT u.id, u.email, u.role, u.company_id, u.is_active, u.email_verified, u.two_factor_enabled, u.last_login_at,
        e.first_name, e.last_name, e.avatar_url
      FROM users u LEFT JOIN employees e ON e.user_id = u.id WHERE u.id = ${lit(me.userId)};
      COMMIT`;
    const results = (await this.baseline.pool.query(sql)) as unknown as pg.QueryResult[];
    const row = results[2].rows[0];
    return { id: row.id, email: row.email };
  }
}

@Module({ controllers: [BenchBaselineController], providers: [BenchBaselinePool] })
export class BenchBaselineModule {}
