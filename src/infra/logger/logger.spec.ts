import { redact } from './logger.js';

describe('log redaction', () => {
  it('masks credentials, tokens and anything that may hold health content, at any depth', () => {
    const out = redact({
      email: 'a@b.c',
      password: 'P@ss',
      body: { newPassword: 'x', refreshToken: 'y', mfaCode: '123456' },
      message: { content: 'je me sens mal' },
      items: [{ encryptedContent: 'abc', note: 'n', reason: 'r' }],
      route: '/api/auth/login',
      status: 401,
    }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const leaked of ['P@ss', '"x"', '"y"', '123456', 'je me sens mal', 'abc', '"n"', '"r"']) expect(text).not.toContain(leaked);
    expect(out.route).toBe('/api/auth/login');
    expect(out.status).toBe(401);
    expect(out.email).toBe('a@b.c');
  });
});
