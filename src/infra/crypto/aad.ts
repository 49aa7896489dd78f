/**
 * Additional authenticated data of each encrypted column, one builder per table (ARCHITECTURE §5): the
 * ciphertext is bound to its table, row and owner(s), so a ciphertext copied into another row, or a row
 * whose owner was changed, no longer decrypts. The data key is wrapped with `dek:` + the same string
 * (EnvelopeCrypto), so the key rotation needs these builders too. Changing a string makes every stored
 * row unreadable: never change one without re-encrypting.
 */
export const aadFor = {
  message: (id: string, consultationId: string, senderId: string) => `messages:${id}:${consultationId}:${senderId}`,
  clinicalNote: (id: string, practitionerId: string, consultationId: string) => `clinical_notes:${id}:${practitionerId}:${consultationId}`,
  journalEntry: (id: string, employeeId: string) => `journal_entries:${id}:${employeeId}`,
  file: (id: string, uploaderUserId: string) => `files:${id}:${uploaderUserId}`,
  totpSecret: (userId: string) => `users.two_factor_secret:${userId}`,
  /** A subject key (crypto-shredding), wrapped by the master key with `dek:` + this string. */
  subjectKey: (subjectId: string) => `subject_keys:${subjectId}`,
  backup: (id: string) => `backup_records:${id}`,
  /** The subject-key store dumped beside a backup (its own data key: not interchangeable with the database dump). */
  keyStoreDump: (id: string) => `key_store_dumps:${id}`,
} as const;
