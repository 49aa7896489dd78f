import { aadFor } from './aad.js';

// The strings are part of every stored ciphertext: changing one makes existing rows unreadable.
describe('aadFor (the authenticated data of each encrypted table)', () => {
  it('binds table, row and owners in a fixed format', () => {
    expect(aadFor.message('m1', 'c1', 'u1')).toBe('messages:m1:c1:u1');
    expect(aadFor.clinicalNote('n1', 'p1', 'c1')).toBe('clinical_notes:n1:p1:c1');
    expect(aadFor.journalEntry('j1', 'e1')).toBe('journal_entries:j1:e1');
    expect(aadFor.file('f1', 'u1')).toBe('files:f1:u1');
    expect(aadFor.totpSecret('u1')).toBe('users.two_factor_secret:u1');
  });
});
