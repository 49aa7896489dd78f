import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { randomUUID } from 'node:crypto';

// Fixes for @prisma/adapter-pg 6.19 (STACK_REPORT §6, Appendix A). The one implementation: the Prisma CLI
// (prisma.config.ts via prisma/pg-adapter-fix.ts), the seed and the app all use this file.

const CHAR_OID = 18; // "char" (e.g. pg_constraint.contype)
const NAME_OID = 19; // name (catalog identifiers)
const TEXT_OID = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

// adapter-pg 6.19 rejects both catalog types (UnsupportedNativeDataType). `name` is plain text. `"char"`
// must reach the engine as a Character column: the schema describer reads constraint types with a
// char getter and panics ("RuntimeError: unreachable") on text — i.e. as soon as a CHECK or EXCLUDE
// constraint exists. So: read it as text (no throw), then re-type those columns in queryRaw's result,
// matched through the rows array that queryRaw passes through unchanged.
const charColumns = new WeakMap<object, number[]>();

function patchQueryable<T>(q: T): T {
  const target = q as any;
  const performIO = target.performIO.bind(target);
  target.performIO = async (query: unknown) => {
    const res = await performIO(query);
    if (res?.fields) {
      const chars: number[] = [];
      res.fields.forEach((f: { dataTypeID: number }, i: number) => {
        if (f.dataTypeID === CHAR_OID) chars.push(i);
        if (f.dataTypeID === CHAR_OID || f.dataTypeID === NAME_OID) f.dataTypeID = TEXT_OID;
      });
      if (chars.length && res.rows) charColumns.set(res.rows, chars);
    }
    return res;
  };
  const queryRaw = target.queryRaw.bind(target);
  target.queryRaw = async (query: unknown) => {
    const out = await queryRaw(query);
    const chars = out?.rows ? charColumns.get(out.rows) : undefined;
    if (chars) for (const i of chars) out.columnTypes[i] = COLUMN_TYPE_CHARACTER;
    return out;
  };
  return q;
}

/** Patches an adapter in place: catalog types read as text, scripts sent whole, same fix inside transactions. */
export function patchAdapter<T>(adapter: T): T {
  patchQueryable(adapter);
  const a = adapter as any;
  // The stock executeScript splits on ';', which breaks DO $$ ... $$ blocks and function bodies.
  a.executeScript = async (script: string) => {
    try {
      await a.underlyingDriver().query(script);
    } catch (e) {
      a.onError(e);
    }
  };
  const start = a.startTransaction.bind(a);
  a.startTransaction = async (...args: unknown[]) => patchQueryable(await start(...args));
  return adapter;
}

function urlOf(config: string | pg.PoolConfig): string {
  const url = typeof config === 'string' ? config : config.connectionString;
  if (!url) throw new Error('SafePrismaPgFactory: a connection string is required');
  return url;
}

/**
 * Drop-in replacement for `new PrismaPg(...)`: `new PrismaClient({ adapter: new SafePrismaPgFactory(url) })`.
 * Accepts a URL or a pg PoolConfig (e.g. `{ connectionString, max }`).
 */
export class SafePrismaPgFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly poolConfig: pg.PoolConfig;

  constructor(config: string | pg.PoolConfig) {
    // allowExitOnIdle: idle pooled clients must not keep CLI commands and scripts alive for 10 s.
    this.poolConfig = { allowExitOnIdle: true, ...(typeof config === 'string' ? { connectionString: config } : config) };
  }

  async connect(): Promise<PgAdapter> {
    return patchAdapter(await new PrismaPg(this.poolConfig).connect());
  }

  /** The stock version connects to the main database (connectionString wins); use a real throwaway one. */
  async connectToShadowDb(): Promise<PgAdapter> {
    const url = urlOf(this.poolConfig);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = `prisma_shadow_${randomUUID().replace(/-/g, '')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    const adapter = patchAdapter(
      await new PrismaPg({ connectionString: u.toString(), allowExitOnIdle: true }).connect(),
    );
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      try {
        await dispose();
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    };
    return adapter;
  }
}
