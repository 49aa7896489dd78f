import { readFileSync } from 'node:fs';
import { ROTATION_TARGETS } from './key-rotation.js';

// A table that gets its own wrapped data key (a `keyVersion` column) but is missing from the rotation
// would keep needing the old master key forever: adding one must fail here until it is rotated too.
describe('key rotation coverage', () => {
  it('rotates every table of the schema that stores a key version, and the TOTP secrets', () => {
    const schema = readFileSync(new URL('../../../prisma/schema.prisma', import.meta.url), 'utf8');
    const withKeys: string[] = [];
    for (const [, body] of schema.matchAll(/^model \w+ \{([\s\S]*?)^\}/gm)) {
      const versions = body.match(/^\s+\w*keyVersion\w*\s/gim) ?? [];
      const table = /@@map\("([^"]+)"\)/.exec(body)?.[1];
      for (let i = 0; i < versions.length; i++) withKeys.push(table!);
    }
    expect(withKeys.sort()).toEqual(['backup_records', 'clinical_notes', 'files', 'journal_entries', 'key_store_dumps', 'messages', 'subject_keys']);
    expect(ROTATION_TARGETS.map((t) => t.name).sort()).toEqual([...withKeys, 'users.two_factor_secret'].sort());
  });
});
