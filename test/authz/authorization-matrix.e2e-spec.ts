import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

type Caller = 'anonymous' | Role;
const CALLERS: Caller[] = ['anonymous', Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.PRACTITIONER, Role.EMPLOYEE];

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

interface RouteInfo {
  method: string;
  path: string;
}

/** Every route Express actually serves (ground truth, not the docs). */
function registeredRoutes(t: TestContext): RouteInfo[] {
  const instance = t.app.getHttpAdapter().getInstance() as { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const stack = (instance.router ?? instance._router)!.stack as { route?: { path: string; methods: Record<string, boolean> } }[];
  const routes: RouteInfo[] = [];
  for (const layer of stack) {
    // middleware mounted with `all` (request context, metrics) is not an endpoint: one method per route
    if (!layer.route || Object.keys(layer.route.methods).length !== 1) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && HTTP_METHODS.has(method)) routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  return routes.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

/**
 * The authorization matrix (ARCHITECTURE §8): for every registered route and every caller, whether the
 * authentication/role layer lets the request through. Stored as a snapshot: a change in who can reach an
 * endpoint shows up in review. "pass" means the guards let it through (the handler may still refuse for
 * its own reasons); "401"/"403" means a guard stopped it.
 */
describe('authorization matrix', () => {
  let t: TestContext;
  const users = new Map<Role, TestUser>();

  beforeAll(async () => {
    t = await startTestApp();
    for (const role of Object.values(Role)) users.set(role, await createUser(t.db, role));
  });
  afterAll(() => t?.close());

  it('matches the reviewed snapshot for every route and role', async () => {
    const routes = registeredRoutes(t);
    expect(routes.length).toBeGreaterThan(15);
    const matrix: Record<string, Record<string, string>> = {};
    for (const route of routes) {
      const url = route.path.replace(/:[A-Za-z]+/g, randomUUID());
      const row: Record<string, string> = {};
      for (const caller of CALLERS) {
        // a fresh token per request: some routes (logout, password change) end the caller's sessions
        const headers = caller === 'anonymous' ? {} : bearer(signAccessToken(users.get(caller)!));
        const req = t.http[route.method.toLowerCase() as 'get'](url).set(headers).set('X-Forwarded-For', randomIp());
        const res = await (route.method === 'GET' ? req : req.send({})).catch((e: Error) => {
          throw new Error(`${route.method} ${url} as ${caller}: ${e.message}`);
        });
        const code = res.body?.error?.code;
        row[caller] =
          res.status === 401 && ['UNAUTHORIZED', 'TOKEN_INVALID', 'TOKEN_EXPIRED'].includes(code)
            ? '401'
            : res.status === 403 && code === 'FORBIDDEN'
              ? '403'
              : 'pass';
      }
      matrix[`${route.method} ${route.path}`] = row;
    }
    await expect(JSON.stringify(matrix, null, 2) + '\n').toMatchFileSnapshot('./authorization-matrix.snapshot.json');
  }, 120_000); // some 600 sequential requests: above the default 30 s on a loaded machine
});
