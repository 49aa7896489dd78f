import { Prisma } from '@prisma/client';

/**
 * Prisma codes for "the database cannot be reached": P1001 can't reach, P1002 timed out, P1008 operation
 * timed out, P1017 server closed the connection, P2024 no pooled connection in time.
 */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
/** SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down, starting, crashed). */
const SQLSTATE_UNREACHABLE = /^(08|57P0[1-4])/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH']);

/** The driver adapter's view of a failed query: on the error itself, or under `meta.driverAdapterError` (P2010 raw queries, P1017…). */
function adapterCause(e: unknown): { kind?: string; originalCode?: string; code?: string } | undefined {
  const direct = (e as { cause?: { kind?: string } })?.cause;
  if (direct && typeof direct === 'object' && direct.kind) return direct;
  return (e as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } })?.meta?.driverAdapterError?.cause;
}

/**
 * node-postgres's own errors for a connection that died under a query or a transaction; they reach the app
 * as plain `Error`s without a code (captured while PostgreSQL stopped: src/common/errors/unavailable.captured.json).
 */
const PG_CONNECTION_LOST = /^(Connection terminated unexpectedly|Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/**
 * Which dependency an unexpected error says is out of reach — 'postgres', 'redis', 'a dependency' (a bare
 * socket error), or 'saturated' for a pool that stayed busy past its wait — or null for anything else
 * (a bug: 500). Every shape PostgreSQL's stop, absence and start-up produce through Prisma and the pg
 * driver adapter is recognised here, and nowhere else (the error filter asks this function).
 */
export function unreachableDependency(e: unknown): 'postgres' | 'redis' | 'a dependency' | 'saturated' | null {
  const err = e as { name?: string; code?: string; message?: unknown; cause?: { code?: string } };
  const text = String(err?.message ?? '');
  if (/timeout exceeded when trying to connect|Unable to start a transaction in the given time/.test(text)) return 'saturated';
  if (e instanceof Prisma.PrismaClientKnownRequestError && (PRISMA_UNREACHABLE.has(e.code) || e.code === 'P2024')) return e.code === 'P2024' ? 'saturated' : 'postgres';
  if (e instanceof Prisma.PrismaClientInitializationError) return 'postgres';
  const cause = adapterCause(e);
  if (cause?.kind === 'TooManyConnections' || cause?.originalCode === '53300') return 'saturated';
  if (cause?.kind && ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TlsConnectionError'].includes(cause.kind)) return 'postgres';
  if (cause?.originalCode && SQLSTATE_UNREACHABLE.test(cause.originalCode)) return 'postgres';
  if (PG_CONNECTION_LOST.test(text)) return 'postgres';
  if (err?.name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable/.test(text)) return 'redis';
  if (SOCKET_CODES.has(err?.code ?? '') || SOCKET_CODES.has(cause?.code ?? '') || SOCKET_CODES.has(err?.cause?.code ?? '')) return 'a dependency';
  return null;
}
