/** A complete, valid environment for config validation unit tests. */
export const VALID_ENV = {
  APP_DATABASE_URL: 'postgresql://huntzen_app@db/huntzen',
  SYSTEM_DATABASE_URL: 'postgresql://huntzen_system@db/huntzen',
  REDIS_URL: 'redis://redis:6379',
  JWT_SECRET: 'k'.repeat(40),
  JWT_REFRESH_SECRET: 'r'.repeat(40),
  ENCRYPTION_KEYS: `v1:${'ab'.repeat(32)}`,
  JITSI_SECRET: 'j'.repeat(32),
  JOURNAL_TAG_KEY: 'de'.repeat(32),
};
