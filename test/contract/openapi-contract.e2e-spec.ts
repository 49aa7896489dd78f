import fs from 'node:fs';
import { startTestApp, TestContext } from '../helpers/test-app.js';

type Json = Record<string, any>;
const VERBS = ['get', 'put', 'post', 'delete', 'patch'];
const CAMEL_CASE = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/;

/** Every operation of the document with its method and path. */
function operations(doc: Json): { method: string; path: string; op: Json }[] {
  return Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
    VERBS.filter((v) => item[v]).map((method) => ({ method: method.toUpperCase(), path, op: item[method] })),
  );
}

/** Every schema node of the document with a readable location. */
function schemaNodes(doc: Json): { where: string; schema: Json }[] {
  const found: { where: string; schema: Json }[] = [];
  const visit = (node: unknown, where: string, isSchema: boolean) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${where}[${i}]`, isSchema));
    if (!node || typeof node !== 'object') return;
    const obj = node as Json;
    if (isSchema) found.push({ where, schema: obj });
    for (const [k, v] of Object.entries(obj)) {
      if (['example', 'examples', 'default', 'required', 'discriminator'].includes(k)) continue;
      if (k === 'properties' && isSchema) {
        for (const [p, s] of Object.entries<Json>(v)) visit(s, `${where}.${p}`, true);
      } else if (k === 'schemas' && !isSchema) {
        for (const [p, s] of Object.entries<Json>(v)) visit(s, `#/components/schemas/${p}`, true);
      } else visit(v, `${where}/${k}`, isSchema || k === 'schema');
    }
  };
  visit(doc.paths, '#/paths', false);
  visit(doc.components, '#/components', false);
  return found;
}

function resolve(doc: Json, schema: Json): Json {
  return schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
}

/** ErrorResponseDto, or a schema that extends the envelope (e.g. readiness adds its checks). */
function isErrorEnvelope(doc: Json, schema: Json | undefined): boolean {
  if (schema?.$ref === '#/components/schemas/ErrorResponseDto') return true;
  const props = resolve(doc, schema ?? {})?.properties ?? {};
  return ['statusCode', 'message', 'error'].every((p) => p in props);
}

/** The contract a frontend team generates its client from (issue 12): checked on the document the app serves. */
describe('OpenAPI contract', () => {
  let t: TestContext;
  let doc: Json;

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/api/docs-json').expect(200)).body;
    if (process.env.OPENAPI_DUMP) fs.writeFileSync(process.env.OPENAPI_DUMP, JSON.stringify(doc, null, 2));
  });
  afterAll(() => t?.close());

  it('gives every operation a unique camelCase operationId, a French summary and a described tag', () => {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    const tags = new Map<string, string>((doc.tags ?? []).map((tag: Json) => [tag.name, tag.description]));
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      if (!CAMEL_CASE.test(op.operationId ?? '')) problems.push(`${where}: operationId "${op.operationId}" is not camelCase`);
      if (seen.has(op.operationId)) problems.push(`${where}: operationId "${op.operationId}" also used by ${seen.get(op.operationId)}`);
      seen.set(op.operationId, where);
      if (!op.summary) problems.push(`${where}: no summary`);
      if (op.tags?.length !== 1) problems.push(`${where}: ${op.tags?.length ?? 0} tags (one expected: the route appears once in Swagger UI)`);
      for (const tag of op.tags ?? []) if (!tags.get(tag) || tags.get(tag) === tag) problems.push(`${where}: tag "${tag}" has no description (src/common/openapi/openapi-tags.ts)`);
    }
    expect(problems).toEqual([]);
  });

  it('types every 2xx response and every declared error (ErrorResponseDto with the ErrorCode enum)', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(op.responses ?? {});
      if (!statuses.some((s) => s.startsWith('2'))) problems.push(`${where}: no 2xx response`);
      for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
        const content = Object.entries<Json>(response.content ?? {});
        if (content.length === 0 || content.some(([, c]) => !c.schema)) problems.push(`${where} ${status}: no schema`);
        if (Number(status) >= 400 && !isErrorEnvelope(doc, response.content?.['application/json']?.schema)) {
          problems.push(`${where} ${status}: error not typed as ErrorResponseDto`);
        }
        if (!response.description) problems.push(`${where} ${status}: no description`);
      }
      if (!statuses.includes('500') || !statuses.includes('503')) problems.push(`${where}: 500/503 not declared`);
      const hasPathParam = /\{/.test(path);
      if (hasPathParam && !statuses.includes('404')) problems.push(`${where}: path parameter without 404`);
      if ((op.requestBody || (op.parameters ?? []).length) && !statuses.includes('400')) problems.push(`${where}: input without 400`);
      if (op.security?.some((s: Json) => s.bearer) && !statuses.includes('401')) problems.push(`${where}: secured without 401`);
    }
    const code = resolve(doc, resolve(doc, doc.components.schemas.ErrorResponseDto).properties.error).properties.code;
    expect(code.$ref ?? code.allOf?.[0]?.$ref).toBe('#/components/schemas/ErrorCode');
    expect(doc.components.schemas.ErrorCode.enum).toContain('SLOT_UNAVAILABLE');
    expect(problems).toEqual([]);
  });

  it('declares 401/403 wherever the authorization matrix shows a guard refusing', () => {
    const matrix = JSON.parse(fs.readFileSync(new URL('../authz/authorization-matrix.snapshot.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
    const byRoute = new Map(operations(doc).map(({ method, path, op }) => [`${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`, op]));
    const problems: string[] = [];
    for (const [route, row] of Object.entries(matrix)) {
      if (/^GET \/api\/docs/.test(route)) continue; // Swagger UI and the document itself
      const op = byRoute.get(route);
      if (!op) {
        problems.push(`${route}: served but not in the document`);
        continue;
      }
      const outcomes = new Set(Object.values(row));
      for (const status of ['401', '403']) if (outcomes.has(status) && !op.responses[status]) problems.push(`${route}: the matrix shows ${status}, the document does not declare it`);
      if (outcomes.has('401') && !op.security?.some((s: Json) => s.bearer)) problems.push(`${route}: needs a token but has no bearer security`);
    }
    expect(problems).toEqual([]);
  });

  it('names every enum, types integers and timestamps', () => {
    const problems: string[] = [];
    for (const { where, schema } of schemaNodes(doc)) {
      const isComponent = /^#\/components\/schemas\/[^./]+$/.test(where);
      if (Array.isArray(schema.enum) && !isComponent) problems.push(`${where}: inline enum [${schema.enum.slice(0, 4).join(', ')}…] (give it enumName)`);
      if (schema.type === 'object' && !schema.properties && !schema.additionalProperties && !schema.oneOf && !schema.allOf) problems.push(`${where}: untyped object`);
      if (schema.type === 'string' && /(At|Date|Slot)$/.test(where.split('.').pop() ?? '') && !schema.format && !schema.enum) problems.push(`${where}: timestamp without format date-time`);
    }
    const enumNames = Object.entries<Json>(doc.components.schemas).filter(([, s]) => s.enum).map(([n]) => n);
    expect(enumNames).toEqual(expect.arrayContaining(['ErrorCode', 'Role', 'Specialty']));
    expect(problems).toEqual([]);
  });

  /**
   * Members a client can also tell apart without a discriminator: each one requires a property that no
   * other member has (e.g. the reports' `{ withheld: true, … }` marker), so `'withheld' in x` narrows it.
   */
  function tellsApartByProperty(members: Json[]): boolean {
    const resolved = members.map((m) => (m.$ref ? doc.components.schemas[m.$ref.split('/').pop()] : m));
    const props = resolved.map((m) => new Set<string>(Object.keys(m?.properties ?? {})));
    return resolved.every((m, i) => (m?.required ?? []).some((p: string) => props.every((other, j) => j === i || !other.has(p))) || resolved.length === 2 && resolved.some((o, j) => j !== i && (o?.required ?? []).some((p: string) => !props[i].has(p))));
  }

  it('gives oneOf responses a discriminator and multipart files format binary', () => {
    const problems: string[] = [];
    // a response that is one of several shapes says which (a request body's shape follows the caller's role)
    for (const { where, schema } of schemaNodes(doc)) {
      if (schema.oneOf && !where.includes('/requestBody/') && !schema.discriminator?.propertyName && !tellsApartByProperty(schema.oneOf)) problems.push(`${where}: oneOf without discriminator`);
    }
    for (const { method, path, op } of operations(doc)) {
      const form = op.requestBody?.content?.['multipart/form-data']?.schema;
      if (form && form.properties?.file?.format !== 'binary') problems.push(`${method} ${path}: multipart file is not format binary`);
    }
    expect(problems).toEqual([]);
  });
});
