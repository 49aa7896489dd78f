import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppConfig } from '../../config/app-config.service.js';
import { closeStep } from '../lifecycle/shutdown.js';
import { callerContextValues } from './caller-context.js';
import { POOL_WAIT_MS } from './prisma.service.js';
import { TenantPrisma } from './tenant-prisma.service.js';

/**
 * The SQL functions of the realtime hot path. Each is SECURITY INVOKER, takes the caller's context as its
 * first five parameters and hands it to app_set_caller() before anything else (migration
 * 20261130000200_chat_one_round_trip), so RLS decides as for any statement of the caller.
 */
export type HotFunction = 'chat_post_message' | 'consultation_participant';

/**
 * The realtime hot path's database access (issue 7): ONE round trip per operation, as the current caller, on
 * a plain node-postgres connection of the app role (huntzen_app, under RLS): `SELECT fn(context…, args…)` in
 * autocommit, so the context (transaction-local) ends with the statement's own transaction. Prepared once per
 * connection (named statement). Measured on this machine, a Prisma query costs 2–6 ms of CPU and the earlier
 * BEGIN/context/statement/COMMIT four round trips, each a chance to wait for a CPU; a chat message must cost
 * well under a millisecond. Everything else goes through TenantPrisma. Fail closed: no caller, no query.
 * Inside an HTTP request, the request's transaction is committed first (`release`), so a request never holds
 * two connections at once.
 */
@Injectable()
export class TenantSql implements OnApplicationShutdown {
  private readonly pool: pg.Pool;

  constructor(
    config: AppConfig,
    private readonly ctx: RequestContext,
    private readonly tenant: TenantPrisma,
  ) {
    // idle connections are kept (node-postgres closes them after 10 s by default): a new connection is a new
    // PostgreSQL backend, forked, which then plans each hot function's statements again under RLS — tens of
    // ms of CPU that stalled a live conversation every few seconds on the bench machine (session 7). The
    // pool is small and bounded (REALTIME_DATABASE_POOL_SIZE per process)
    this.pool = new pg.Pool({ connectionString: config.get('APP_DATABASE_URL'), max: config.get('REALTIME_DATABASE_POOL_SIZE'), connectionTimeoutMillis: POOL_WAIT_MS, idleTimeoutMillis: 0 });
    // an idle connection cut by the server (restart): the pool drops it, the next query opens another
    this.pool.on('error', () => undefined);
  }

  /** `fn(caller context, ...args)`: its single result. */
  async call<T>(fn: HotFunction, args: unknown[]): Promise<T> {
    const id = this.ctx.requireIdentity;
    await this.tenant.release();
    const values = [...callerContextValues(id), ...args];
    const params = values.map((_, i) => `$${i + 1}`).join(', ');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { rows } = await client.query<{ result: T }>({ name: fn, text: `SELECT ${fn}(${params}) AS result`, values });
      return rows[0].result;
    } catch (e) {
      // a refusal (RLS, a constraint) leaves the connection as good as before; anything else (the connection
      // lost) discards it, never handed to the next caller (pool.query would discard it for any error)
      if (!(e instanceof pg.DatabaseError)) broken = e as Error;
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await closeStep('postgres (realtime pool)', this.pool.end());
  }
}
