import type { Message } from '@prisma/client';
import { aadFor } from '../../infra/crypto/aad.js';
import type { Envelope, EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';

/** What a message's ciphertext is bound to (AAD): table, row, consultation and sender. */
export interface MessageRef {
  id: string;
  consultationId: string;
  senderId: string;
}

/**
 * The ONE place message content is encrypted and decrypted (a per-message data key, AAD aadFor.message).
 * Crypto-shredding with per-subject keys will replace these two functions and nothing else.
 */
export function sealMessageContent(crypto: EnvelopeCrypto, ref: MessageRef, content: string): Envelope {
  return crypto.encrypt(content, aadFor.message(ref.id, ref.consultationId, ref.senderId));
}

/** Throws when the ciphertext fails authentication (tampered, or moved from another row). */
export function openMessageContent(crypto: EnvelopeCrypto, row: Pick<Message, keyof Envelope | 'id' | 'consultationId' | 'senderId'>): string {
  return crypto.decryptText(row as Envelope, aadFor.message(row.id, row.consultationId, row.senderId));
}
