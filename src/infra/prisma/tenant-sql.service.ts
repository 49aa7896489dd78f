import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppConfig } from '../../config/app-config.service.js';
import { closeStep } from '../lifecycle/shutdown.js';
import { callerContextValues, SET_CALLER_CONTEXT } from './caller-context.js';
import { POOL_WAIT_MS } from './prisma.service.js';
import { TenantPrisma } from './tenant-prisma.service.js';

/**
 * The realtime hot path's database access (issue 7): ONE explicit SQL statement as the current caller, on
 * a plain node-postgres connection of the app role (huntzen_app, under RLS), in its own transaction:
 * BEGIN, the caller's context (transaction-local, as TenantPrisma sets it), the statement, COMMIT.
 * Measured on this machine, a Prisma query costs 2–6 ms of CPU (query compilation, the engine protocol)
 * against a fraction of a millisecond here, and a chat message must cost well under one. Everything else
 * goes through TenantPrisma. Fail closed: no caller, no query. Inside an HTTP request, the request's
 * transaction is committed first (`release`), so a request never holds two connections at once.
 */
@Injectable()
export class TenantSql implements OnApplicationShutdown {
  private readonly pool: pg.Pool;

  constructor(
    config: AppConfig,
    private readonly ctx: RequestContext,
    private readonly tenant: TenantPrisma,
  ) {
    this.pool = new pg.Pool({ connectionString: config.get('APP_DATABASE_URL'), max: config.get('REALTIME_DATABASE_POOL_SIZE'), connectionTimeoutMillis: POOL_WAIT_MS });
    // an idle connection cut by the server (restart): the pool drops it, the next query opens another
    this.pool.on('error', () => undefined);
  }

  async query<T extends object>(text: string, values: unknown[]): Promise<T[]> {
    const id = this.ctx.requireIdentity;
    await this.tenant.release();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(SET_CALLER_CONTEXT, callerContextValues(id));
      const { rows } = await client.query<T>(text, values);
      await client.query('COMMIT');
      return rows;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw e;
    } finally {
      // a connection whose rollback failed is discarded, never handed to the next caller
      client.release(broken);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await closeStep('postgres (realtime pool)', this.pool.end());
  }
}
