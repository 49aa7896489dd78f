import { Injectable, Logger } from '@nestjs/common';
import { Prisma, PrismaClient } from '@prisma/client';
import { ClsService } from 'nestjs-cls';
import { RequestContext } from '../../common/context/request-context.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppConfig } from '../../config/app-config.service.js';
import { InFlightRequests } from '../lifecycle/in-flight.service.js';
import { callerContextValues, SET_CALLER_CONTEXT } from './caller-context.js';
import { POOL_WAIT_MS, PrismaService } from './prisma.service.js';

/** The caller's context, in the transaction of `db` (see caller-context.ts). */
function setContext(db: PrismaClient | Prisma.TransactionClient, id: Identity) {
  return db.$executeRawUnsafe(SET_CALLER_CONTEXT, ...callerContextValues(id));
}

/** Two identities set the same `app.*` settings. */
function sameContext(a: Identity, b: Identity): boolean {
  return a === b || (a.userId === b.userId && a.role === b.role && a.companyId === b.companyId && a.employeeId === b.employeeId && a.practitionerId === b.practitionerId);
}

/** CLS keys: the request's transaction, and the depth of savepoint blocks the current code runs in. */
const REQUEST_TX = 'tenant.requestTx';
const SAVEPOINT_UNIT = 'tenant.savepointUnit';

/** A savepoint block while it runs. */
interface SavepointUnit {
  depth: number;
  running: boolean;
}

/**
 * The savepoint block the current code runs in, if it is still running. Checked, not just read: a CLS
 * store can outlive its block (an await continuation after the block resolved may resume with the
 * block's store), and a caller outside the block must queue for its turn, not nest into a finished one.
 */
function currentUnit(cls: ClsService): SavepointUnit | undefined {
  const unit = cls.get(SAVEPOINT_UNIT) as SavepointUnit | undefined;
  return unit?.running ? unit : undefined;
}

const WRITES = new Set(['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany']);

const ROLLBACK = Symbol('rollback');

/**
 * The transaction of one HTTP request (ARCHITECTURE §4: the caller's context set once per request).
 * Opened lazily by the first query, so a request that does its I/O first (upload body, storage) holds
 * no connection meanwhile; `release()` commits it early (before long I/O or streaming) and the next
 * query opens a new one; `end()` commits or rolls back at the end of the request and closes it for
 * good: whatever still queries afterwards (a stream, background work) runs one transaction per query.
 */
export class RequestTransaction {
  private open?: { client: Promise<TenantTx>; decide: (commit: boolean) => void; done: Promise<unknown>; at: number };
  private closed = false;
  /** Serialises savepoint blocks: two `tx(fn)` of one request run one after the other on its connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private savepoints = 0;
  private hooks: (() => void)[] = [];

  constructor(
    private readonly prisma: PrismaService,
    readonly identity: Identity,
    private readonly timeoutMs: number,
  ) {}

  get usable(): boolean {
    return !this.closed;
  }

  /** The transaction client, opening the transaction (BEGIN + the caller's context) on first use. */
  client(): Promise<TenantTx> {
    if (this.open) return this.open.client;
    let ready!: (tx: TenantTx) => void;
    let failed!: (e: unknown) => void;
    let decide!: (commit: boolean) => void;
    const client = new Promise<TenantTx>((res, rej) => ((ready = res), (failed = rej)));
    const decision = new Promise<boolean>((res) => (decide = res));
    const done = this.prisma
      .$transaction(
        async (tx) => {
          await setContext(tx, this.identity);
          ready(tx);
          if (!(await decision)) throw ROLLBACK;
        },
        { maxWait: POOL_WAIT_MS + 2_000, timeout: this.timeoutMs },
      )
      .catch((e) => {
        failed(e);
        if (e !== ROLLBACK) throw e;
      });
    done.catch(() => undefined); // observed by finish(); never an unhandled rejection
    client.catch(() => undefined);
    this.open = { client, decide, done, at: Date.now() };
    return client;
  }

  /** Runs `fn` after the next successful commit; dropped on rollback. */
  onCommit(fn: () => void): void {
    this.hooks.push(fn);
  }

  /** Commits (or rolls back) what is open; the next query opens a new transaction unless `close`. */
  async finish(commit: boolean, close: boolean): Promise<void> {
    if (close) this.closed = true;
    const open = this.open;
    this.open = undefined;
    const hooks = this.hooks.splice(0);
    if (open) {
      await this.queue.catch(() => undefined);
      open.decide(commit);
      if (commit) await open.done;
      else await open.done.catch(() => undefined);
    }
    if (commit) for (const hook of hooks) hook();
  }

  private async commitOpen(): Promise<void> {
    const open = this.open!;
    this.open = undefined;
    const hooks = this.hooks.splice(0);
    open.decide(true);
    await open.done;
    for (const hook of hooks) hook();
  }

  /** Runs `fn` inside a savepoint: its failure undoes its statements only, and the request goes on. */
  async savepoint<T>(cls: ClsService, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    const depth = currentUnit(cls)?.depth ?? 0;
    const run = async () => {
      // a long request (an import of many rows) commits what it has done between two units, as each
      // unit did on its own before, rather than running into the transaction timeout
      if (depth === 0 && this.open && Date.now() - this.open.at > this.timeoutMs / 2) await this.commitOpen();
      const tx = await this.client();
      const name = `hz_sp_${++this.savepoints}`;
      await tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
      try {
        const unit: SavepointUnit = { depth: depth + 1, running: true };
        const result = await cls
          .run({ ifNested: 'inherit' }, () => {
            cls.set(SAVEPOINT_UNIT, unit);
            return fn(tx);
          })
          .finally(() => (unit.running = false));
        await tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (e) {
        await tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw e;
      }
    };
    if (depth > 0) return run(); // nested in a block that already holds the turn
    const turn = this.queue.then(run, run);
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * The client whose model queries run as the current caller: in the request's transaction when there is
 * one, else each in its own transaction (BEGIN, context, query, COMMIT).
 */
function extend(prisma: PrismaService, ctx: RequestContext, cls: ClsService, requestTx: (identity: Identity) => RequestTransaction | undefined) {
  return prisma.$extends({
    name: 'tenant-context',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const identity = ctx.identity;
          // No caller: the query runs bare and RLS answers with zero rows / rejected writes (fail closed).
          if (!identity) return query(args);
          const request = requestTx(identity);
          if (!request) {
            const [, result] = await prisma.$transaction([setContext(prisma, identity), query(args)]);
            return result;
          }
          const call = (tx: TenantTx) => (tx as any)[lowerFirst(model)][operation](args);
          // a failed write must not poison the request's transaction for the queries after it
          if (WRITES.has(operation) && !currentUnit(cls)) return request.savepoint(cls, call);
          return call(await request.client());
        },
      },
    },
  });
}

export type TenantClient = ReturnType<typeof extend>;

export type TenantTx = Prisma.TransactionClient;

/** The app's database access: each query runs as the current caller, under RLS. */
@Injectable()
export class TenantPrisma {
  readonly db: TenantClient;
  private readonly logger = new Logger('TenantPrisma');
  private readonly timeoutMs: number;

  constructor(
    private readonly prisma: PrismaService,
    private readonly ctx: RequestContext,
    private readonly cls: ClsService,
    private readonly inFlight: InFlightRequests,
    config: AppConfig,
  ) {
    this.timeoutMs = config.get('REQUEST_TRANSACTION_TIMEOUT_MS');
    this.db = extend(prisma, ctx, cls, (identity) => this.requestTx(identity));
  }

  /** The request's transaction when one is open for this very caller, else undefined (one transaction per query). */
  private requestTx(identity: Identity): RequestTransaction | undefined {
    if (!this.cls.isActive()) return undefined;
    const request = this.cls.get(REQUEST_TX) as RequestTransaction | undefined;
    return request?.usable && sameContext(request.identity, identity) ? request : undefined;
  }

  /**
   * Runs `work` with a request-scoped transaction: every query of the current caller inside it shares
   * one transaction and one `set_config`. Committed when `work` resolves, rolled back when it throws.
   * The HTTP interceptor (RequestTransactionInterceptor) does this around every request.
   */
  begin(): RequestTransaction | undefined {
    const identity = this.ctx.identity;
    if (!identity || !this.cls.isActive()) return undefined;
    const request = new RequestTransaction(this.prisma, identity, this.timeoutMs);
    this.cls.set(REQUEST_TX, request);
    return request;
  }

  /** True while the current caller's queries run in a request transaction (not yet committed). */
  get inRequestTransaction(): boolean {
    const identity = this.ctx.identity;
    return !!identity && !!this.requestTx(identity);
  }

  /**
   * Commits what the request has done so far, so that long I/O (storage, a stream) holds no pooled
   * connection; the next query opens a new transaction. No-op outside a request transaction.
   */
  async release(): Promise<void> {
    const request = this.cls.isActive() ? (this.cls.get(REQUEST_TX) as RequestTransaction | undefined) : undefined;
    if (request?.usable) await request.finish(true, false);
  }

  /**
   * A raw query as the current caller, for the SECURITY DEFINER functions that read what RLS hides from
   * the caller but return only what it may know. In a request: in its transaction; else one batch
   * (context + query). No caller: runs bare.
   */
  async queryRaw<T>(query: Prisma.Sql): Promise<T> {
    const identity = this.ctx.identity;
    if (!identity) return this.prisma.$queryRaw<T>(query);
    const request = this.requestTx(identity);
    if (request) return (await request.client()).$queryRaw<T>(query);
    const [, rows] = await this.prisma.$transaction([setContext(this.prisma, identity), this.prisma.$queryRaw<T>(query)]);
    return rows;
  }

  /**
   * An atomic unit whose statements all run as the current caller: a savepoint of the request's
   * transaction when there is one (a failure undoes this unit only), else its own transaction.
   */
  async tx<T>(fn: (tx: TenantTx) => Promise<T>, options?: { isolationLevel?: Prisma.TransactionIsolationLevel }): Promise<T> {
    const identity = this.ctx.requireIdentity;
    const request = this.requestTx(identity);
    if (request && !options?.isolationLevel) return request.savepoint(this.cls, fn);
    // an isolation level is chosen at BEGIN: commit the request's work first (never two connections at once)
    if (request) await request.finish(true, false);
    return this.prisma.$transaction(async (tx) => {
      await setContext(tx, identity);
      return fn(tx);
    }, options);
  }

  /**
   * Registers `fn` to run once the current request's transaction has committed, off the response path,
   * and returns true; returns false (and does nothing) outside a request transaction. For side effects
   * that must not be seen before the data they announce (outbox delivery). `fn` never throws out.
   */
  deferUntilCommit(fn: () => Promise<unknown>): boolean {
    const request = this.cls.isActive() ? (this.cls.get(REQUEST_TX) as RequestTransaction | undefined) : undefined;
    if (!request?.usable) return false;
    request.onCommit(() => {
      // counted as in flight: shutdown lets it finish before the pools close, and tests can wait for it
      this.inFlight.enter();
      // outside the request's transaction: its queries run one transaction each, holding nothing after
      void this.cls
        .run({ ifNested: 'inherit' }, () => {
          this.cls.set(REQUEST_TX, undefined);
          return fn();
        })
        .catch((e) => this.logger.warn({ message: 'after-commit work failed', error: (e as Error).name }))
        .finally(() => this.inFlight.leave());
    });
    return true;
  }

}
