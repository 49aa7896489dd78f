import { Injectable } from '@nestjs/common';
import { EnvironmentVariables, NodeEnv, validateEnv } from './env.schema.js';

/**
 * Typed access to the validated environment; the only place that reads configuration. The environment
 * is read when the app is created (not when modules are imported), so each app instance sees the
 * environment of its own start.
 */
@Injectable()
export class AppConfig {
  private readonly env: EnvironmentVariables = validateEnv(process.env);

  get<K extends keyof EnvironmentVariables>(key: K): EnvironmentVariables[K] {
    return this.env[key];
  }

  get isProduction(): boolean {
    return this.env.NODE_ENV === NodeEnv.Production;
  }

  get isTest(): boolean {
    return this.env.NODE_ENV === NodeEnv.Test;
  }

  get workerEmbedded(): boolean {
    const v = this.env.WORKER_EMBEDDED;
    return v === undefined ? this.env.NODE_ENV === NodeEnv.Development : v === 'true';
  }

  get swaggerEnabled(): boolean {
    const v = this.env.SWAGGER_ENABLED;
    return v === undefined ? !this.isProduction : v === 'true';
  }

  get corsOrigins(): string[] {
    const extra = (this.env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return [new URL(this.env.FRONTEND_URL).origin, ...extra];
  }

  /** Seconds from a `15m` / `7d` style duration. */
  static seconds(duration: string): number {
    const n = Number(duration.slice(0, -1));
    const unit = duration.slice(-1);
    return n * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit];
  }
}
