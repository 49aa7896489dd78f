import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';
export { errorCodeValues } from './schema.js';

/** A named schema of the API (e.g. `Schema<'ConsultationDto'>`). */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
/** The error envelope every route answers with; switch on `error.code`, never on messages. */
export type ApiError = Schema<'ErrorResponseDto'>;
export type ErrorCode = Schema<'ErrorCode'>;

export type HuntZenClient = Client<paths>;

export interface HuntZenClientOptions extends ClientOptions {
  /** The API origin, e.g. `https://care.example.com` (paths already start with /api). */
  baseUrl: string;
  /** Returns the current access token, if any: sent as `Authorization: Bearer …`. */
  accessToken?: () => string | undefined;
}

/** A typed client of the HuntZen Care REST API (openapi-fetch over the generated `paths`). */
export function createHuntZenClient({ accessToken, ...options }: HuntZenClientOptions): HuntZenClient {
  const client = createClient<paths>(options);
  if (accessToken) {
    const auth: Middleware = {
      onRequest({ request }) {
        const token = accessToken();
        if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}
