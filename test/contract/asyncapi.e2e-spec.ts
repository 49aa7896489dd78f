import { Parser } from '@asyncapi/parser';
import { ErrorCode } from '../../src/common/errors/error-codes.js';
import { buildAsyncApiDocument } from '../../src/common/openapi/asyncapi-document.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

type Json = Record<string, any>;

/** Events of SPEC §5 (W1–W27) per namespace and direction (c = client emits, s = server emits). */
const EXPECTED: Record<string, { c: string[]; s: string[] }> = {
  '/chat': {
    c: ['chat:join', 'chat:leave', 'chat:message', 'chat:typing', 'chat:read'],
    s: ['chat:history', 'chat:message:received', 'chat:typing', 'chat:message:read', 'chat:error', 'presence:update', 'error'],
  },
  '/audio-call': {
    c: ['call:initiate', 'call:accept', 'call:reject', 'call:end', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate'],
    s: ['call:incoming', 'call:accepted', 'call:rejected', 'call:ended', 'webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate', 'error'],
  },
  '/notifications': { c: [], s: ['notification:new', 'error'] },
};

async function validate(doc: Json) {
  const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
  // severity 0 = error (1 warning, 2 info, 3 hint)
  return { document, errors: diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`) };
}

describe('AsyncAPI document of the Socket.IO events', () => {
  let t: TestContext;
  let served: Json;

  beforeAll(async () => {
    t = await startTestApp();
    served = (await t.http.get('/api/docs-asyncapi.json').expect(200)).body;
  });
  afterAll(() => t?.close());

  it('is served next to the OpenAPI document and is a valid AsyncAPI document', async () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
    const { document, errors } = await validate(served);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
  });

  it('the validation can fail: a broken document is rejected', async () => {
    const broken = structuredClone(served);
    broken.channels['/chat'].publish.message.oneOf.push({ $ref: '#/components/messages/DoesNotExist' });
    delete broken.info.version;
    const { errors } = await validate(broken);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('lists every event of SPEC §5 per namespace and direction, with acks for client events', () => {
    const messages = served.components.messages as Record<string, Json>;
    const events = (op: Json | undefined) => (op?.message.oneOf ?? []).map((m: Json) => messages[m.$ref.split('/').pop()]);
    for (const [channel, want] of Object.entries(EXPECTED)) {
      const c = events(served.channels[channel].publish);
      const s = events(served.channels[channel].subscribe);
      expect(c.map((m: Json) => m.name)).toEqual(want.c);
      expect(s.map((m: Json) => m.name)).toEqual(want.s);
      for (const m of c) expect(m['x-ack']?.oneOf?.[1]).toEqual({ $ref: '#/components/schemas/AckError' });
    }
    expect(served.components.schemas.ErrorCode.enum).toEqual(Object.values(ErrorCode));
  });
});
