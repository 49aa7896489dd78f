import { isBoolean, isNotEmpty, isString, isUUID, maxLength } from 'class-validator';
import { MAX_MESSAGE_LENGTH, SocketMessageDto, SocketTypingDto } from './dto/chat.dto.js';

/**
 * Fast acceptance of the two high-rate socket payloads (`chat:message`, `chat:typing`): a payload that is
 * plainly valid — only the DTO's own keys, each passing the DTO's own class-validator checks (the same
 * functions, exported by class-validator) — is turned into the DTO instance directly; anything else returns
 * undefined and goes through class-transformer + class-validator as before, which then produce the usual
 * errors. So this can only accept what the full validation accepts (src/modules/chat/socket-payload.spec.ts
 * checks both agree), and saves its per-event metadata lookups (about a tenth of a millisecond and a few
 * dozen short-lived objects per event). A payload with an attachment takes the full path.
 */
export function fastSocketPayload<T extends object>(dto: new () => T, payload: unknown): T | undefined {
  if (typeof payload !== 'object' || payload === null || Object.getPrototypeOf(payload) !== Object.prototype) return undefined;
  const p = payload as Record<string, unknown>;
  if (dto === (SocketMessageDto as unknown)) {
    if (!onlyKeys(p, 'consultationId', 'content') || !uuid(p.consultationId) || !isString(p.content)) return undefined;
    const content = (p.content as string).trim(); // @Transform(trimmed)
    if (!isNotEmpty(content) || content.length > MAX_MESSAGE_LENGTH || !maxLength(content, MAX_MESSAGE_LENGTH)) return undefined;
    return Object.assign(new SocketMessageDto(), { consultationId: p.consultationId as string, content }) as T;
  }
  if (dto === (SocketTypingDto as unknown)) {
    if (!onlyKeys(p, 'consultationId', 'isTyping') || !uuid(p.consultationId) || !isBoolean(p.isTyping)) return undefined;
    return Object.assign(new SocketTypingDto(), { consultationId: p.consultationId as string, isTyping: p.isTyping as boolean }) as T;
  }
  return undefined;
}

/** Exactly the keys `a` and `b` as own enumerable properties (no other, none missing). */
function onlyKeys(p: Record<string, unknown>, a: string, b: string): boolean {
  let n = 0;
  for (const k in p) {
    if (!Object.prototype.hasOwnProperty.call(p, k)) return false;
    if (k !== a && k !== b) return false;
    n++;
  }
  return n === 2;
}

const uuid = (v: unknown): boolean => typeof v === 'string' && isUUID(v, 'all');
