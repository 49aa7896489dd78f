import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { AppException } from '../errors/app.exception.js';
import type { AppClsStore, Identity } from './request-context.js';

/** Read/write access to the per-request context held in AsyncLocalStorage. */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService<AppClsStore>) {}

  get identity(): Identity | undefined {
    return this.cls.isActive() ? this.cls.get('identity') : undefined;
  }

  /** The caller, or 401 when the route was reached without one (a programming error on a public route). */
  get requireIdentity(): Identity {
    const id = this.identity;
    if (!id) throw AppException.unauthorized();
    return id;
  }

  get requestId(): string | undefined {
    return this.cls.isActive() ? this.cls.getId() : undefined;
  }

  get ip(): string | undefined {
    return this.cls.isActive() ? this.cls.get('ip') : undefined;
  }

  get userAgent(): string | undefined {
    return this.cls.isActive() ? this.cls.get('userAgent') : undefined;
  }

  setIdentity(identity: Identity): void {
    this.cls.set('identity', identity);
  }

  /** Runs `fn` as `identity` (e.g. right after login, or in a job), in a fresh child context. */
  runAs<T>(identity: Identity, fn: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'inherit' }, async () => {
      this.cls.set('identity', identity);
      return await fn();
    });
  }
}
