// The error objects PostgreSQL's stop, absence and start-up really produce through Prisma 6.19 and
// @prisma/adapter-pg (captured: unavailable.captured.json), rebuilt with their own classes and properties:
// each must be a 503 (postgres), not a 500. Before the fix, half of them were 500s — among them the
// P2010 wrapping 57P01 "terminating connection due to administrator command" and the plain pg
// "Client has encountered a connection error and is not queryable" that the cluster test's PostgreSQL
// restart met on POST /api/journal.
import { Prisma } from '@prisma/client';
import fs from 'node:fs';
import path from 'node:path';
import { unreachableDependency } from './unavailable.js';

interface Captured {
  during: string;
  operation: string;
  mappedBefore: string | null;
  error: { $class: string; message: string; code?: string; clientVersion?: string; meta?: Record<string, unknown>; [k: string]: unknown };
}
const { errors } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'unavailable.captured.json'), 'utf8')) as { errors: Captured[] };

/** The captured object again: Prisma's known error through its constructor, the others as the same class name with the same own properties. */
function rebuild({ $class, message, code, clientVersion, meta, ...rest }: Captured['error']): unknown {
  if ($class === 'PrismaClientKnownRequestError') return new Prisma.PrismaClientKnownRequestError(message, { code: code!, clientVersion: clientVersion ?? '6.19.3', meta });
  const e = Object.assign(new Error(message), rest, clientVersion ? { clientVersion } : {});
  if ($class !== 'Error') e.name = String(rest.name ?? $class);
  return e;
}

describe('unreachableDependency: errors captured while PostgreSQL stopped, was down and started', () => {
  it('has captured the shapes that used to be 500s', () => {
    expect(errors.length).toBeGreaterThan(10);
    expect(errors.filter((c) => c.mappedBefore === null).length).toBeGreaterThan(5);
  });

  it.each(errors.map((c) => [`${c.error.$class} ${c.error.code ?? ''} "${c.error.message.trim().split('\n').pop()}" (${c.operation}, ${c.during})`, c] as const))('%s → postgres', (_name, c) => {
    expect(unreachableDependency(rebuild(c.error))).toBe('postgres');
  });

  it('the P2010 of the journal batch (57P01 on the context statement) and the plain pg errors are among them', () => {
    const kinds = errors.map((c) => `${c.error.code ?? c.error.$class}:${(c.error.meta as any)?.driverAdapterError?.cause?.originalCode ?? c.error.message}`);
    expect(kinds).toContain('P2010:57P01');
    expect(kinds).toContain('Error:Client has encountered a connection error and is not queryable');
    expect(kinds).toContain('Error:Connection terminated unexpectedly');
  });
});

describe('unreachableDependency: what stays a 500 or is saturation', () => {
  const known = (code: string, meta?: Record<string, unknown>) => new Prisma.PrismaClientKnownRequestError('x', { code, clientVersion: '6.19.3', meta });
  it('a query bug, a constraint violation or any other error is not an outage', () => {
    expect(unreachableDependency(known('P2010', { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'UnsupportedNativeDataType', type: 'void' } } }))).toBeNull();
    expect(unreachableDependency(known('P2002', { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } }))).toBeNull();
    expect(unreachableDependency(known('P2010', { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', originalCode: '42501' } } }))).toBeNull();
    expect(unreachableDependency(new Error('Connection terminated by the test'))).toBeNull();
    expect(unreachableDependency(new TypeError('x is undefined'))).toBeNull();
  });
  it('a full pool or a server out of connection slots is saturation (Retry-After 1 s)', () => {
    expect(unreachableDependency(new Error('timeout exceeded when trying to connect'))).toBe('saturated');
    expect(unreachableDependency(known('P2010', { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'TooManyConnections', originalCode: '53300' } } }))).toBe('saturated');
  });
});
