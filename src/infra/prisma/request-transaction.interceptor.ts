import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, catchError, concat, concatMap, defer, finalize, from, ignoreElements, mergeMap, throwError } from 'rxjs';
import { InFlightRequests } from '../lifecycle/in-flight.service.js';
import { TenantPrisma } from './tenant-prisma.service.js';

/**
 * One transaction per authenticated HTTP request (ARCHITECTURE §4): the caller's `app.*` context is set
 * once, by the first query, for every query of the request. Committed before the response's first value
 * leaves (so a client never sees an answer whose data is not committed, and a stream or SSE that follows
 * holds no connection), rolled back when the handler fails — a failed request leaves nothing behind.
 */
@Injectable()
export class RequestTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly inFlight: InFlightRequests,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = this.tenant.begin();
    if (!request) return next.handle(); // no caller: every query runs bare (fail closed)
    // counted until the commit is done: shutdown must not close the pool under it
    this.inFlight.enter();
    let ended = false;
    const end = async (commit: boolean) => {
      if (ended) return;
      ended = true;
      try {
        await request.finish(commit, true);
      } finally {
        this.inFlight.leave();
      }
    };
    const handled = next.handle().pipe(
      concatMap(async (value) => {
        await end(true);
        return value;
      }),
    );
    return concat(handled, defer(() => from(end(true))).pipe(ignoreElements())).pipe(
      catchError((e) => from(end(false)).pipe(mergeMap(() => throwError(() => e)))),
      // unsubscribed before the end (client gone, timeout): nothing it did is kept
      finalize(() => void end(false)),
    );
  }
}
