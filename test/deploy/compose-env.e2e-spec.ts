// Static checks of the container setup (Docker cannot run here): every variable the app reads (the env
// schema, src/config/env.schema.ts) is documented in .env.example and passed by docker-compose.yml to the
// api and the worker; the Dockerfile builds non-root `api` and `worker` targets from `npm ci --omit=dev`.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { validateEnv } from '../../src/config/env.schema.js';
import { VALID_ENV } from '../helpers/env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** Names of the EnvironmentVariables class, with their literal default when they have one. */
function schemaVariables(): Map<string, string | undefined> {
  const src = read('src/config/env.schema.ts');
  const body = src.slice(src.indexOf('export class EnvironmentVariables'));
  const cls = body.slice(0, body.indexOf('\n}\n'));
  const out = new Map<string, string | undefined>();
  for (const m of cls.matchAll(/^\s*(?:@.*?\s)?([A-Z][A-Z0-9_]{2,})[?!]?\s*(?::[^=;]*)?(?:=\s*([^;]+))?;/gm)) {
    const raw = m[2]?.trim();
    const literal = raw === undefined ? undefined : /^'.*'$/.test(raw) ? raw.slice(1, -1) : /^[\d_]+$/.test(raw) ? raw.replace(/_/g, '') : raw;
    out.set(m[1], literal);
  }
  return out;
}

const schema = schemaVariables();
const compose = parse(read('docker-compose.yml'), { merge: true }); // `<<: *app` merge keys, as docker compose reads them
const appEnv: Record<string, string> = compose['x-app'].environment;

describe('environment: schema, .env.example and docker-compose.yml agree', () => {
  it('the schema parse finds every variable (sanity: the ones the app cannot start without)', () => {
    expect(schema.size).toBeGreaterThan(50);
    for (const name of ['APP_DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'STORAGE_DRIVER', 'MINIO_ENDPOINT', 'MINIO_BUCKET', 'SHUTDOWN_DRAIN_MS']) expect(schema.has(name), name).toBe(true);
  });

  it('.env.example documents every variable of the schema', () => {
    const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]{2,})=/gm)].map((m) => m[1]));
    expect([...schema.keys()].filter((n) => !documented.has(n))).toEqual([]);
  });

  it('docker compose passes every variable of the schema to the api and the worker (STORAGE_DRIVER and MINIO_* included)', () => {
    expect([...schema.keys()].filter((n) => !(n in appEnv))).toEqual([]);
    for (const service of ['api', 'worker']) {
      // both services merge the x-app anchor (YAML `<<`) and do not override its environment
      expect(compose.services[service].environment, service).toEqual(appEnv);
    }
  });

  it('a variable compose passes through (`${NAME:-default}`) keeps the schema default, unless set on purpose for compose', () => {
    const composeOnly = new Set(['SMTP_HOST', 'SMTP_PORT', 'TRUST_PROXY', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'REPORTS_EXPORT_DIR']);
    const drift: string[] = [];
    for (const [name, value] of Object.entries(appEnv)) {
      const m = /^\$\{([A-Z0-9_]+):-(.*)\}$/.exec(String(value));
      if (!m || composeOnly.has(name)) continue;
      expect(m[1], `${name} passes another variable`).toBe(name);
      const fallback = m[2];
      const schemaDefault = schema.get(name);
      if (fallback === '') continue; // empty = unset: the schema default applies (validateEnv)
      if (schemaDefault !== undefined && !/^[A-Z][A-Za-z]+\.[A-Z]/.test(schemaDefault) && fallback !== schemaDefault) drift.push(`${name}: compose ${fallback}, schema ${schemaDefault}`);
    }
    expect(drift).toEqual([]);
  });

  it('the values compose produces when nothing is set validate (empty = unset), given the required secrets', () => {
    const resolved: Record<string, string> = {};
    for (const [name, value] of Object.entries(appEnv)) {
      resolved[name] = String(value).replace(/\$\{([A-Z0-9_]+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_all, v: string, d?: string) => (v in VALID_ENV ? String((VALID_ENV as Record<string, string>)[v]) : (d ?? 'x')));
    }
    const secrets = Object.fromEntries(['JWT_SECRET', 'JWT_REFRESH_SECRET', 'ENCRYPTION_KEYS', 'JOURNAL_TAG_KEY', 'JITSI_SECRET'].map((k) => [k, (VALID_ENV as Record<string, string>)[k]]));
    expect(() => validateEnv({ ...resolved, ...secrets, NODE_ENV: 'test' })).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const stages = new Map([...dockerfile.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)\s*$/gim)].map((m) => [m[2], m[1]]));
  const stage = (name: string) => {
    const start = dockerfile.search(new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${name}\\s*$`, 'im'));
    const rest = dockerfile.slice(start + 1);
    const next = rest.search(/^FROM\s/m);
    return next < 0 ? rest : rest.slice(0, next);
  };

  it('is multi-stage with `api` and `worker` targets built on the runtime stage', () => {
    expect(stages.get('api')).toBe('runtime');
    expect(stages.get('worker')).toBe('runtime');
    expect(stages.size).toBeGreaterThanOrEqual(4);
  });

  it('installs production dependencies only in the image that runs', () => {
    expect(stage('prod-deps')).toMatch(/npm ci --omit=dev/);
    expect(stage('runtime')).toMatch(/COPY --from=prod-deps\b.*node_modules/);
    expect(stage('runtime')).not.toMatch(/COPY --from=deps\b/);
  });

  it('runs as a non-root user with a health check on both targets', () => {
    expect(stage('runtime')).toMatch(/^USER\s+node\s*$/m);
    expect(dockerfile).not.toMatch(/^USER\s+root/m);
    expect(stage('api')).toMatch(/^HEALTHCHECK\b.*\n?.*\/health/m);
    expect(stage('worker')).toMatch(/^HEALTHCHECK\b/m);
  });
});
