import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, finalize } from 'rxjs';

/**
 * Counts HTTP requests still being handled, so shutdown can let them finish before the database pool
 * closes under them (a transaction cut by `$disconnect` never returns its connection to the pool).
 */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when no request is in flight, or after `maxMs` (shutdown must end). */
  async idle(maxMs: number): Promise<void> {
    if (this.count === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Counts a request from its handler's start to its handler's end — not to the socket's end: a client
 * that hangs up does not stop the handler, whose transaction still needs the pool.
 */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  constructor(private readonly inFlight: InFlightRequests) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.inFlight.enter();
    return next.handle().pipe(finalize(() => this.inFlight.leave()));
  }
}
