import { Transform } from 'class-transformer';

/** E-mails are compared and stored lower-cased and trimmed (SPEC §3.2.1). */
export const NormalizeEmail = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
