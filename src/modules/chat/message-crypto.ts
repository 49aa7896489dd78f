import type { Message } from '@prisma/client';
import type { Envelope, EnvelopeCrypto, WrappingKey } from '../../infra/crypto/envelope-crypto.service.js';
import { openMessage, sealMessage, type SubjectKeyring } from '../../infra/crypto/subject-keys.service.js';

/** What a message's ciphertext is bound to (AAD): table, row, consultation and sender. */
export interface MessageRef {
  id: string;
  consultationId: string;
  senderId: string;
}

/**
 * The ONE place the chat encrypts and decrypts message content: a per-message data key wrapped by the
 * subject key of the consultation's employee (crypto-shredding: their erasure makes every copy unreadable),
 * AAD aadFor.message.
 */
export function sealMessageContent(crypto: EnvelopeCrypto, wrapping: WrappingKey, ref: MessageRef, content: string): Envelope {
  return sealMessage(crypto, wrapping, ref, content);
}

/**
 * The plaintext, or null when the employee was erased (subject key gone). Throws when the ciphertext fails
 * authentication (tampered, or moved from another row).
 */
export function openMessageContent(ring: SubjectKeyring, row: Pick<Message, keyof Envelope | 'id' | 'consultationId' | 'senderId'>): string | null {
  return openMessage(ring, row as Envelope & MessageRef);
}
