import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

const SKIP_ACCESS_LOG = 'skipAccessLog';

/** No access-log line for this response (e.g. who opened the crisis resources must leave no trace). */
export function skipAccessLog(res: Response): void {
  res.locals[SKIP_ACCESS_LOG] = true;
}

/**
 * Times every request for the latency histogram and writes one access-log line. The route PATTERN is
 * logged (`/api/users/:id`), never the raw URL, so ids and query strings (which could carry tokens)
 * stay out of logs and out of metric labels.
 */
@Injectable()
export class HttpObserverMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      this.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (route === '/metrics' || route.startsWith('/health') || res.locals[SKIP_ACCESS_LOG]) return;
      this.logger.log({ message: 'request', method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  }
}
