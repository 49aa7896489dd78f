import { VALID_ENV } from '../../../test/helpers/env.js';
import { validateEnv } from '../../config/env.schema.js';

describe('retention periods (env)', () => {
  it('has documented defaults', () => {
    const env = validateEnv(VALID_ENV);
    expect([env.OUTBOX_RETENTION_DAYS, env.NOTIFICATION_RETENTION_DAYS, env.SENT_MAIL_RETENTION_DAYS, env.SECURITY_EVENT_RETENTION_DAYS, env.AUDIT_LOG_RETENTION_DAYS]).toEqual([7, 90, 30, 365, 365]);
  });

  it('refuses an audit retention under one year, accepts longer ones', () => {
    expect(() => validateEnv({ ...VALID_ENV, AUDIT_LOG_RETENTION_DAYS: '364' })).toThrow(/AUDIT_LOG_RETENTION_DAYS must be at least 365/);
    expect(() => validateEnv({ ...VALID_ENV, AUDIT_LOG_RETENTION_DAYS: '30' })).toThrow(/AUDIT_LOG_RETENTION_DAYS/);
    expect(validateEnv({ ...VALID_ENV, AUDIT_LOG_RETENTION_DAYS: '730' }).AUDIT_LOG_RETENTION_DAYS).toBe(730);
  });

  it('refuses non-numbers and zero for the other periods', () => {
    for (const name of ['OUTBOX_RETENTION_DAYS', 'NOTIFICATION_RETENTION_DAYS', 'SENT_MAIL_RETENTION_DAYS', 'SECURITY_EVENT_RETENTION_DAYS']) {
      expect(() => validateEnv({ ...VALID_ENV, [name]: '0' }), name).toThrow(new RegExp(name));
      expect(() => validateEnv({ ...VALID_ENV, [name]: 'ninety' }), name).toThrow(new RegExp(name));
    }
  });
});
