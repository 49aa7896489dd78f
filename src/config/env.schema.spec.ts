import { VALID_ENV } from '../../test/helpers/env.js';
import { validateEnv } from './env.schema.js';

const base = VALID_ENV;

describe('validateEnv', () => {
  it('accepts a complete environment and applies defaults', () => {
    const env = validateEnv(base);
    expect(env.PORT).toBe(3000);
    expect(env.WS_PORT).toBe(3001);
    expect(env.JWT_EXPIRES_IN).toBe('15m');
    expect(env.THROTTLE_LIMIT).toBe(100);
  });

  it('names every missing or invalid variable in one error', () => {
    expect(() => validateEnv({ PORT: 'abc', JWT_SECRET: 'short' })).toThrow(/APP_DATABASE_URL[\s\S]*SYSTEM_DATABASE_URL[\s\S]*REDIS_URL[\s\S]*JWT_SECRET[\s\S]*JWT_REFRESH_SECRET[\s\S]*JITSI_SECRET[\s\S]*ENCRYPTION_KEYS/);
    expect(() => validateEnv({ ...base, PORT: 'abc' })).toThrow(/PORT/);
    expect(() => validateEnv({ ...base, ENCRYPTION_KEYS: 'v1:abcd' })).toThrow(/ENCRYPTION_KEYS/);
    expect(() => validateEnv({ ...base, JWT_REFRESH_SECRET: base.JWT_SECRET })).toThrow(/must differ/);
    const { JOURNAL_TAG_KEY: _key, ...noTagKey } = base;
    expect(() => validateEnv(noTagKey)).toThrow(/JOURNAL_TAG_KEY/);
    expect(() => validateEnv({ ...base, JOURNAL_TAG_KEY: 'ab'.repeat(16) })).toThrow(/JOURNAL_TAG_KEY: must be 64 hex/);
  });

  it('accepts a lone ENCRYPTION_KEY (SPEC §9.3) and rejects a wrong length', () => {
    const { ENCRYPTION_KEYS: _drop, ...rest } = base;
    expect(() => validateEnv({ ...rest, ENCRYPTION_KEY: 'cd'.repeat(32) })).not.toThrow();
    expect(() => validateEnv({ ...rest, ENCRYPTION_KEY: 'cd'.repeat(16) })).toThrow(/ENCRYPTION_KEY/);
  });

  it('refuses placeholder secrets and a localhost front-end in production, but not in development', () => {
    const placeholders = { ...base, JWT_SECRET: 'change-me-change-me-change-me-change-me', ENCRYPTION_KEYS: `v1:${'0'.repeat(64)}` };
    expect(() => validateEnv({ ...placeholders, NODE_ENV: 'development' })).not.toThrow();
    expect(() => validateEnv({ ...placeholders, NODE_ENV: 'production', FRONTEND_URL: 'https://app.huntzen.care' })).toThrow(/JWT_SECRET: placeholder[\s\S]*ENCRYPTION_KEYS: placeholder/);
    expect(() => validateEnv({ ...base, NODE_ENV: 'production' })).toThrow(/FRONTEND_URL/);
    expect(() => validateEnv({ ...base, JOURNAL_TAG_KEY: '0'.repeat(64), NODE_ENV: 'production', FRONTEND_URL: 'https://app.huntzen.care' })).toThrow(/JOURNAL_TAG_KEY: placeholder/);
    expect(() => validateEnv({ ...base, NODE_ENV: 'production', FRONTEND_URL: 'https://app.huntzen.care' })).not.toThrow();
  });
});
