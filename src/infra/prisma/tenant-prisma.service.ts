import { Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@prisma/client';
import { RequestContext } from '../../common/context/request-context.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { PrismaService } from './prisma.service.js';

/**
 * One statement that sets every `app.*` setting the RLS policies read, transaction-local
 * (`set_config(..., true)`), so nothing survives into the next use of the pooled connection.
 */
function setContext(db: PrismaClient | Prisma.TransactionClient, id: Identity) {
  return db.$executeRaw`SELECT
    set_config('app.user_id', ${id.userId}, true),
    set_config('app.role', ${id.role}, true),
    set_config('app.company_id', ${id.companyId ?? ''}, true),
    set_config('app.employee_id', ${id.employeeId ?? ''}, true),
    set_config('app.practitioner_id', ${id.practitionerId ?? ''}, true)`;
}

function extend(prisma: PrismaService, ctx: RequestContext) {
  return prisma.$extends({
    name: 'tenant-context',
    query: {
      $allModels: {
        async $allOperations({ args, query }) {
          const identity = ctx.identity;
          // No caller: the query runs bare and RLS answers with zero rows / rejected writes (fail closed).
          if (!identity) return query(args);
          const [, result] = await prisma.$transaction([setContext(prisma, identity), query(args)]);
          return result;
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

  constructor(
    private readonly prisma: PrismaService,
    private readonly ctx: RequestContext,
  ) {
    this.db = extend(prisma, ctx);
  }

  /**
   * A raw query as the current caller (one batch: context + query), for the SECURITY DEFINER functions
   * that read what RLS hides from the caller but return only what it may know. No caller: runs bare.
   */
  async queryRaw<T>(query: Prisma.Sql): Promise<T> {
    const identity = this.ctx.identity;
    if (!identity) return this.prisma.$queryRaw<T>(query);
    const [, rows] = await this.prisma.$transaction([setContext(this.prisma, identity), this.prisma.$queryRaw<T>(query)]);
    return rows;
  }

  /** An interactive transaction whose statements all run as the current caller. */
  async tx<T>(fn: (tx: TenantTx) => Promise<T>, options?: { isolationLevel?: Prisma.TransactionIsolationLevel }): Promise<T> {
    const identity = this.ctx.requireIdentity;
    return this.prisma.$transaction(async (tx) => {
      await setContext(tx, identity);
      return fn(tx);
    }, options);
  }
}
