import { Role } from '@prisma/client';
import { io, Socket } from 'socket.io-client';
import { bearer, createUser, login, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

describe('platform: health, docs, metrics, errors, headers, sockets', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('GET /health is public, unprefixed and 200', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect((await t.http.get('/api/health')).status).toBe(404);
  });

  it('GET /health/ready checks PostgreSQL and Redis', async () => {
    const res = await t.http.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('serves Swagger UI at /api/docs and the OpenAPI JSON with bearer auth and every auth route', async () => {
    const ui = await t.http.get('/api/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const doc = await t.http.get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/api/auth/register', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/auth/forgot-password', '/api/auth/reset-password', '/api/auth/verify-email', '/api/auth/resend-verification', '/api/auth/2fa/setup', '/api/auth/2fa/verify', '/api/auth/2fa/disable', '/api/auth/me', '/api/users/me/password', '/api/users/me/notification-preferences']) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
    expect(doc.body.components.schemas.LoginDto.properties).toHaveProperty('mfaCode');
    expect(doc.body.components.schemas.MeDto.properties).not.toHaveProperty('passwordHash');
    // list responses document their paging fields (inherited from PageInfoDto)
    expect(Object.keys(doc.body.components.schemas.ConsultationListDto.properties)).toEqual(expect.arrayContaining(['consultations', 'total', 'page', 'pages', 'limit']));
  });

  it('/metrics is for SUPER_ADMIN only and exposes the HTTP latency histogram', async () => {
    expect((await t.http.get('/metrics')).status).toBe(401);
    const employee = await createUser(t.db, Role.EMPLOYEE);
    expect((await t.http.get('/metrics').set(bearer(signAccessToken(employee)))).status).toBe(403);
    const admin = await createUser(t.db, Role.SUPER_ADMIN);
    await t.http.get('/health');
    const res = await t.http.get('/metrics').set(bearer(signAccessToken(admin)));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/health"/);
  });

  it('answers unknown routes and malformed JSON with the error envelope', async () => {
    const notFound = await t.http.get('/api/nope');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({ statusCode: 404, error: { code: 'NOT_FOUND' } });
    const malformed = await t.http.post('/api/auth/login').set('Content-Type', 'application/json').send('{"email":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(malformed.body)).not.toContain('"email":');
  });

  it('sets security headers, a request id, and allows only the configured CORS origin', async () => {
    const res = await t.http.get('/health').set('Origin', 'http://app.huntzen.test').set('X-Request-Id', 'abcdef12-trace');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // HSTS and upgrade-insecure-requests only for a request that came over TLS (here: the trusted loopback
    // proxy says so); over plain http they would break Swagger UI and mean nothing
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    const tls = await t.http.get('/health').set('X-Forwarded-Proto', 'https');
    expect(tls.headers['strict-transport-security']).toBeDefined();
    expect(tls.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(res.headers['x-request-id']).toBe('abcdef12-trace');
    expect(res.headers['access-control-allow-origin']).toBe('http://app.huntzen.test');
    const evil = await t.http.get('/health').set('Origin', 'https://evil.test');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('/notifications socket handshake', () => {
    const connect = (token?: string) =>
      new Promise<{ socket: Socket; error?: { message: string; data?: { code: string } } }>((resolve) => {
        const socket = io(`${t.wsUrl}/notifications`, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
        socket.on('connect', () => resolve({ socket }));
        socket.on('connect_error', (error) => resolve({ socket, error: error as never }));
      });

    it('refuses a missing or bad token with a clear error, accepts a valid one', async () => {
      const none = await connect();
      expect(none.error?.data?.code).toBe('UNAUTHORIZED');
      none.socket.close();
      const bad = await connect('not-a-token');
      expect(bad.error?.data?.code).toBe('UNAUTHORIZED');
      bad.socket.close();
      const user = await createUser(t.db, Role.EMPLOYEE);
      const s = await login(t.http, user);
      const ok = await connect(s.accessToken);
      expect(ok.error).toBeUndefined();
      expect(ok.socket.connected).toBe(true);
      ok.socket.close();
    });
  });
});
