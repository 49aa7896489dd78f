import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync } from 'node:crypto';
import { AppConfig } from '../../config/app-config.service.js';

/** How tags are compared: Unicode-normalised, trimmed, inner blanks collapsed, lower-cased. */
export function normalizeTag(raw: string): string {
  return raw.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('fr-FR');
}

/**
 * Tags are encrypted with the entry; to filter by tag we also store HMAC-SHA256(key, ownerId ‖ tag) in
 * an indexed column. Without the key (env JOURNAL_TAG_KEY, expanded with HKDF) a hash reveals nothing,
 * not even across owners since the owner id is part of the input. What it leaks to a database reader:
 * which entries of one employee share a tag (equality only), and how many tags an entry has.
 */
@Injectable()
export class JournalTagHasher {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    const secret = Buffer.from(config.get('JOURNAL_TAG_KEY'), 'hex');
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'huntzen/journal-tag-hash/v1', 32));
  }

  /** `tag` must already be normalised (normalizeTag). */
  hash(employeeId: string, tag: string): string {
    return createHmac('sha256', this.key).update(`${employeeId}\u0000${tag}`, 'utf8').digest('base64url');
  }
}
