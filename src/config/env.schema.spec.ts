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
    // sign-in limits (issue 10): failures per IP / account, a higher ceiling for every attempt per IP
    expect([env.AUTH_LIMIT_WINDOW_SECONDS, env.LOGIN_MAX_FAILURES_PER_IP, env.LOGIN_MAX_FAILURES_PER_ACCOUNT, env.LOGIN_MAX_ATTEMPTS_PER_IP]).toEqual([900, 5, 10, 100]);
    expect([env.MFA_MAX_FAILURES, env.PASSWORD_CHECK_MAX_FAILURES, env.REFRESH_REUSE_GRACE_SECONDS]).toEqual([5, 5, 10]);
  });

  it('treats an empty value as unset (docker compose passes `${VAR:-}`): the default applies, an optional stays unset', () => {
    const env = validateEnv({ ...base, PORT: '', MINIO_ENDPOINT: '', INSTANCE_ID: '', JOB_LOCK_MS: '' });
    expect([env.PORT, env.MINIO_ENDPOINT, env.INSTANCE_ID, env.JOB_LOCK_MS]).toEqual([3000, undefined, undefined, 30_000]);
    expect(() => validateEnv({ ...base, JWT_SECRET: '' })).toThrow(/JWT_SECRET/);
  });

  it('validates the sign-in limits and the refresh grace window', () => {
    expect(validateEnv({ ...base, LOGIN_MAX_ATTEMPTS_PER_IP: '250', REFRESH_REUSE_GRACE_SECONDS: '0' })).toMatchObject({ LOGIN_MAX_ATTEMPTS_PER_IP: 250, REFRESH_REUSE_GRACE_SECONDS: 0 });
    expect(() => validateEnv({ ...base, LOGIN_MAX_FAILURES_PER_IP: '0' })).toThrow(/LOGIN_MAX_FAILURES_PER_IP/);
    expect(() => validateEnv({ ...base, REFRESH_REUSE_GRACE_SECONDS: '600' })).toThrow(/REFRESH_REUSE_GRACE_SECONDS/);
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

  it('keeps deleted clinical notes 20 years by default; the retention is configurable within 1–100 years', () => {
    expect(validateEnv(base).CLINICAL_NOTE_RETENTION_YEARS).toBe(20);
    expect(validateEnv({ ...base, CLINICAL_NOTE_RETENTION_YEARS: '30' }).CLINICAL_NOTE_RETENTION_YEARS).toBe(30);
    for (const bad of ['0', '101', 'twenty']) {
      expect(() => validateEnv({ ...base, CLINICAL_NOTE_RETENTION_YEARS: bad })).toThrow(/CLINICAL_NOTE_RETENTION_YEARS/);
    }
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
