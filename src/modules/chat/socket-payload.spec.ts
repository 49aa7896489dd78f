// The fast acceptance of chat:message / chat:typing payloads never accepts what the full validation
// (class-transformer + class-validator, whitelist and forbidNonWhitelisted, as the gateway runs it) refuses,
// and gives the same DTO when it accepts.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { MAX_MESSAGE_LENGTH, SocketMessageDto, SocketTypingDto } from './dto/chat.dto.js';
import { fastSocketPayload } from './socket-payload.js';

const id = '3f0c5a3e-8d2b-4f6a-9c1e-2b7d9e4a1c55';
const full = async <T extends object>(dto: new () => T, payload: object) => {
  const instance = plainToInstance(dto, payload);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length ? undefined : instance;
};

const messages: unknown[] = [
  { consultationId: id, content: 'bonjour' },
  { consultationId: id, content: '  espaces autour  ' },
  { consultationId: id.toUpperCase(), content: 'majuscules' },
  { consultationId: '00000000-0000-0000-0000-000000000000', content: 'nil' },
  { consultationId: id, content: 'x'.repeat(MAX_MESSAGE_LENGTH) },
  { consultationId: id, content: `${'x'.repeat(MAX_MESSAGE_LENGTH)}  ` },
  { consultationId: id, content: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) },
  { consultationId: id, content: '😀'.repeat(MAX_MESSAGE_LENGTH) },
  { consultationId: id, content: '   ' },
  { consultationId: id, content: '' },
  { consultationId: id, content: 42 },
  { consultationId: id, content: null },
  { consultationId: id },
  { content: 'sans consultation' },
  { consultationId: 'pas-un-uuid', content: 'x' },
  { consultationId: '3f0c5a3e-8d2b-0f6a-9c1e-2b7d9e4a1c55', content: 'version 0' },
  { consultationId: 42, content: 'x' },
  { consultationId: id, content: 'x', extra: 1 },
  { consultationId: id, content: 'x', attachmentUrl: '/api/files/3f0c5a3e-8d2b-4f6a-9c1e-2b7d9e4a1c55' },
  { consultationId: id, content: 'x', isTyping: true },
  JSON.parse(`{"consultationId":"${id}","content":"x","__proto__":{"a":1}}`),
  JSON.parse(`{"consultationId":"${id}","content":"x","constructor":1}`),
  Object.assign(Object.create({ inherited: 1 }), { consultationId: id, content: 'x' }),
];
const typings: unknown[] = [
  { consultationId: id, isTyping: true },
  { consultationId: id, isTyping: false },
  { consultationId: id, isTyping: 'yes' },
  { consultationId: id, isTyping: 1 },
  { consultationId: id },
  { consultationId: 'x', isTyping: true },
  { consultationId: id, isTyping: true, content: 'x' },
  JSON.parse(`{"consultationId":"${id}","isTyping":true,"__proto__":null}`),
];

describe('fastSocketPayload', () => {
  it.each(messages.map((m, i) => [i, m]))('chat:message payload #%s: accepted only if the full validation accepts it, as the same DTO', async (_, payload) => {
    const fast = fastSocketPayload(SocketMessageDto, payload);
    if (fast) {
      expect(fast).toBeInstanceOf(SocketMessageDto);
      expect({ ...fast }).toEqual({ ...(await full(SocketMessageDto, payload as object)) });
    }
  });

  it.each(typings.map((m, i) => [i, m]))('chat:typing payload #%s: accepted only if the full validation accepts it, as the same DTO', async (_, payload) => {
    const fast = fastSocketPayload(SocketTypingDto, payload);
    if (fast) {
      expect(fast).toBeInstanceOf(SocketTypingDto);
      expect({ ...fast }).toEqual({ ...(await full(SocketTypingDto, payload as object)) });
    }
  });

  it('takes the common valid payloads (the fast path is used) and leaves everything doubtful to the full validation', async () => {
    expect(fastSocketPayload(SocketMessageDto, { consultationId: id, content: '  salut ' })).toEqual(Object.assign(new SocketMessageDto(), { consultationId: id, content: 'salut' }));
    expect(fastSocketPayload(SocketTypingDto, { consultationId: id, isTyping: false })).toEqual(Object.assign(new SocketTypingDto(), { consultationId: id, isTyping: false }));
    const accepted = await Promise.all(messages.map(async (m) => [!!fastSocketPayload(SocketMessageDto, m), !!(await full(SocketMessageDto, m as object))]));
    // refused by the full validation ⇒ refused here
    expect(accepted.filter(([fast, ok]) => fast && !ok)).toEqual([]);
    // an attachment, and anything else the full validation accepts, still goes through it
    expect(fastSocketPayload(SocketMessageDto, messages[18])).toBeUndefined();
    expect(fastSocketPayload(Object, { consultationId: id, content: 'x' })).toBeUndefined();
  });
});
