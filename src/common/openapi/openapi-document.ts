import type { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { $Enums, Role } from '@prisma/client';
import { IS_PUBLIC, OPTIONAL_AUTH, ROLES } from '../auth/decorators.js';
import { ErrorCode } from '../errors/error-codes.js';
import { ErrorDetailDto, ErrorPayloadDto, ErrorResponseDto } from '../http/api-errors.js';
import { OPENAPI_ENUMS } from './openapi-enums.js';
import { TAG_DESCRIPTIONS } from './openapi-tags.js';

/*
 * The OpenAPI document is built in two steps: @nestjs/swagger reads the decorators, then `completeDocument`
 * applies the house rules to every operation, so a route added later complies without per-route work:
 *  - operationId: `@ApiOperation({ operationId })` if given, else the controller method name (method names
 *    are therefore camelCase verb+noun and unique across the app; test/contract checks it);
 *  - error responses derived from metadata: 401 unless @Public (or optional auth), 403 when @Roles leaves out
 *    an authenticated role, 404 for a path parameter, 400 for any input, 413 for a body, 415 for multipart,
 *    429 unless @SkipThrottle, 500 and 503 everywhere; every error typed with ErrorResponseDto whose
 *    `error.code` is the named enum ErrorCode. Explicit @ApiResponse entries add the rest and keep their text;
 *  - named enums: an inline enum whose values are those of a Prisma enum (or a name in OPENAPI_ENUMS) becomes
 *    a $ref to one component, so each enum type exists once;
 *  - numbers are integers unless declared `format: 'double'` / `'float'` or given a decimal example.
 */

type Json = Record<string, any>;
type Handler = (...args: unknown[]) => unknown;
interface RouteMeta {
  controller: Type<unknown>;
  handler: Handler;
  methodName: string;
}

/** @nestjs/swagger's metadata key of @ApiOperation (its constants are not exported). */
const API_OPERATION = 'swagger/apiOperation';
const HTTP_VERBS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponseDto' };
const AUTHENTICATED_ROLES = Object.values(Role);

/** Codes a derived response can carry (the description of each automatic error response). */
const DERIVED: Record<number, string> = {
  400: `${ErrorCode.VALIDATION_ERROR} : données invalides (error.details nomme chaque champ)`,
  401: `${ErrorCode.UNAUTHORIZED}, ${ErrorCode.TOKEN_INVALID}, ${ErrorCode.TOKEN_EXPIRED} : jeton d'accès absent, invalide ou expiré`,
  403: `${ErrorCode.FORBIDDEN} : rôle non autorisé pour cette route`,
  404: `${ErrorCode.NOT_FOUND} : inconnu ou hors de votre périmètre (pas de fuite d'existence)`,
  413: `${ErrorCode.PAYLOAD_TOO_LARGE} : corps de requête trop volumineux`,
  415: `${ErrorCode.UNSUPPORTED_MEDIA_TYPE} : type de contenu non accepté`,
  429: `${ErrorCode.RATE_LIMITED} : trop de requêtes (en-tête Retry-After)`,
  500: `${ErrorCode.INTERNAL_ERROR} : erreur interne`,
  503: `${ErrorCode.SERVICE_UNAVAILABLE} : une dépendance (PostgreSQL, Redis) est indisponible (en-tête Retry-After)`,
};

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const routes = collectRoutes(app);
  const config = new DocumentBuilder()
    .setTitle('HuntZen Care API')
    .setDescription(
      "API de la plateforme HuntZen Care. Erreurs : `{ statusCode, message, error: { code, message, details? } }` où `error.code` " +
        "est l'énumération `ErrorCode`. Chiffrement applicatif au repos (AES-256-GCM), pas de bout en bout. " +
        'Dates de requête (`from`, `to`, `date`) : date ISO 8601 `AAAA-MM-JJ` ou date-heure ISO 8601 ; réponses en date-heure UTC. ' +
        "Événements temps réel (Socket.IO) : document AsyncAPI `/api/docs-asyncapi.json`.",
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    autoTagControllers: false,
    extraModels: [ErrorResponseDto, ErrorPayloadDto, ErrorDetailDto],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey}::${methodKey}`,
  });
  return completeDocument(document, routes);
}

/** Every controller method with a route, keyed as the operationId swagger produces before completion. */
function collectRoutes(app: INestApplication): Map<string, RouteMeta> {
  const routes = new Map<string, RouteMeta>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      for (const methodName of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, methodName)?.value as Handler | undefined;
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const explicit = (Reflect.getMetadata(API_OPERATION, handler) as { operationId?: string } | undefined)?.operationId;
        routes.set(explicit ?? `${controller.name}::${methodName}`, { controller, handler, methodName });
      }
    }
  }
  return routes;
}

function meta<T>(key: string, r: RouteMeta): T | undefined {
  return (Reflect.getMetadata(key, r.handler) as T | undefined) ?? (Reflect.getMetadata(key, r.controller) as T | undefined);
}

function skipsThrottle(r: RouteMeta): boolean {
  return Reflect.getMetadata('THROTTLER:SKIPdefault', r.handler) === true || Reflect.getMetadata('THROTTLER:SKIPdefault', r.controller) === true;
}

export function completeDocument(document: OpenAPIObject, routes: Map<string, RouteMeta>): OpenAPIObject {
  const doc = document as Json;
  doc.components ??= {};
  doc.components.schemas ??= {};
  const enums = new EnumRegistry(doc.components.schemas);
  const usedTags = new Set<string>();

  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const verb of HTTP_VERBS) {
      const op = item[verb] as Json | undefined;
      if (!op) continue;
      const route = routes.get(op.operationId);
      if (route) completeOperation(path, op, route);
      (op.tags ?? []).forEach((t: string) => usedTags.add(t));
    }
  }

  walkSchemas(doc, enums);
  doc.tags = [...usedTags].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return document;
}

function completeOperation(path: string, op: Json, r: RouteMeta): void {
  const explicitId = (Reflect.getMetadata(API_OPERATION, r.handler) as { operationId?: string } | undefined)?.operationId;
  op.operationId = explicitId ?? r.methodName;

  const isPublic = meta<boolean>(IS_PUBLIC, r) === true;
  const optionalAuth = meta<boolean>(OPTIONAL_AUTH, r) === true;
  const roles = meta<Role[]>(ROLES, r);
  if (!isPublic) op.security = [{ bearer: [] }];
  else if (optionalAuth) op.security = [{}, { bearer: [] }];
  else if (op.security?.length) op.security = [{}, ...op.security.filter((s: Json) => Object.keys(s).length > 0).map(() => ({ bearer: [] }))];

  const params: Json[] = op.parameters ?? [];
  const hasPathParam = params.some((p) => p.in === 'path') || /\{[^}]+\}/.test(path);
  const hasInput = hasPathParam || params.some((p) => p.in === 'query') || op.requestBody !== undefined;
  const multipart = op.requestBody?.content?.['multipart/form-data'] !== undefined;

  const derived: number[] = [];
  if (hasInput) derived.push(400);
  if (!isPublic || optionalAuth) derived.push(401);
  if (!isPublic && roles && AUTHENTICATED_ROLES.some((role) => !roles.includes(role))) derived.push(403);
  if (hasPathParam) derived.push(404);
  if (op.requestBody) derived.push(413);
  if (multipart) derived.push(415);
  if (!skipsThrottle(r)) derived.push(429);
  derived.push(500, 503);

  op.responses ??= {};
  for (const status of derived) op.responses[status] ??= { description: DERIVED[status] };
  for (const [status, response] of Object.entries<Json>(op.responses)) {
    if (Number(status) < 400) {
      if (!response.description) response.description = 'Succès';
      continue;
    }
    if (!response.description) response.description = DERIVED[Number(status)] ?? 'Erreur';
    // errors are JSON whatever the success content type (e.g. /metrics answers text/plain)
    const json = response.content?.['application/json'];
    response.content = { 'application/json': { ...(json ?? {}), schema: json?.schema ?? ERROR_SCHEMA } };
  }
  op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
}

/** Finds the named enum for an inline list of values, registering the component on first use. */
class EnumRegistry {
  private readonly byValues = new Map<string, string>();

  constructor(private readonly schemas: Json) {
    for (const [name, values] of Object.entries(OPENAPI_ENUMS)) this.byValues.set(key(values), name);
    for (const [name, values] of Object.entries($Enums as Record<string, Record<string, string>>)) {
      const k = key(Object.values(values));
      if (!this.byValues.has(k)) this.byValues.set(k, name);
    }
    for (const [name, schema] of Object.entries<Json>(schemas)) {
      if (Array.isArray(schema.enum)) this.byValues.set(key(schema.enum), name);
    }
  }

  refFor(values: unknown[]): Json | undefined {
    const name = this.byValues.get(key(values));
    if (!name) return undefined;
    this.schemas[name] ??= { type: typeof values[0] === 'number' ? 'integer' : 'string', enum: this.canonicalValues(name, values) };
    return { $ref: `#/components/schemas/${name}` };
  }

  private canonicalValues(name: string, values: unknown[]): unknown[] {
    const known = OPENAPI_ENUMS[name] ?? ($Enums as Record<string, Record<string, string>>)[name];
    return known ? (Array.isArray(known) ? [...known] : Object.values(known)) : values;
  }
}

function key(values: readonly unknown[]): string {
  return JSON.stringify([...values].map(String).sort());
}

/** Applies the schema rules (named enums, integers) to every schema of the document, in place. */
function walkSchemas(doc: Json, enums: EnumRegistry): void {
  const visit = (node: unknown, isSchema: boolean, isEnumComponent: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => visit(n, isSchema, false));
    if (!node || typeof node !== 'object') return node;
    const obj = node as Json;
    if (isSchema && !isEnumComponent && Array.isArray(obj.enum) && !obj.$ref) {
      const ref = enums.refFor(obj.enum);
      if (ref) {
        const { enum: _values, type: _type, ...rest } = obj;
        // a $ref cannot carry siblings in OpenAPI 3.0: keep the description and example through allOf
        return Object.keys(rest).length === 0 ? ref : { allOf: [ref], ...rest };
      }
    }
    // a decimal example (averageRating: 4.6) also marks a double
    if (isSchema && obj.type === 'number' && obj.format !== 'double' && obj.format !== 'float') {
      if (typeof obj.example === 'number' && !Number.isInteger(obj.example)) obj.format = 'double';
      else obj.type = 'integer';
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'example' || k === 'examples' || k === 'default') continue;
      const childIsSchema = isSchema ? k !== 'discriminator' && k !== 'required' : k === 'schema' || k === 'schemas';
      if (k === 'schemas' && !isSchema) {
        for (const [name, s] of Object.entries<Json>(v as Json)) (v as Json)[name] = visit(s, true, Array.isArray(s?.enum));
        continue;
      }
      obj[k] = k === 'properties' && isSchema ? mapValues(v as Json, (s) => visit(s, true, false)) : visit(v, childIsSchema, false);
    }
    return obj;
  };
  visit(doc, false, false);
}

function mapValues(o: Json, fn: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v)]));
}
