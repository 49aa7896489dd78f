import { Prisma } from '@prisma/client';

interface AdapterCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  constraint?: { fields?: string[]; index?: string };
}

function adapterCause(e: unknown): AdapterCause | undefined {
  const direct = (e as { cause?: AdapterCause })?.cause;
  if (direct?.kind) return direct;
  const meta = (e as { meta?: { driverAdapterError?: { cause?: AdapterCause } } })?.meta;
  return meta?.driverAdapterError?.cause;
}

/**
 * The columns or constraint name of a unique violation (e.g. `companies_siret_key`), or null when `e` is
 * something else. Prisma reports it as P2002; through the pg adapter the constraint name is only in the
 * original PostgreSQL message, under `meta.driverAdapterError`.
 */
export function uniqueViolation(e: unknown): string[] | null {
  const isP2002 = e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
  const cause = adapterCause(e);
  if (!isP2002 && cause?.kind !== 'UniqueConstraintViolation' && cause?.originalCode !== '23505') return null;
  const target = (e as { meta?: { target?: unknown } }).meta?.target;
  return [
    ...(Array.isArray(target) ? target.map(String) : typeof target === 'string' ? [target] : []),
    ...(cause?.constraint?.fields ?? []),
    ...(cause?.constraint?.index ? [cause.constraint.index] : []),
    ...(cause?.originalMessage?.match(/unique constraint "([^"]+)"/)?.slice(1) ?? []),
  ];
}

/**
 * The PostgreSQL SQLSTATE behind a failed query and the constraint it names, whether it arrived as a
 * Prisma known error (P2002 → 23505) or as the driver adapter's error (e.g. 23P01 for an exclusion
 * constraint, 42501 for an RLS refusal).
 */
export function pgError(e: unknown): { code?: string; constraint?: string } {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
    return { code: '23505', constraint: uniqueViolation(e)?.join(',') };
  }
  const cause = adapterCause(e);
  if (!cause) return {};
  return { code: cause.originalCode, constraint: /constraint "([^"]+)"/.exec(cause.originalMessage ?? '')?.[1] };
}
