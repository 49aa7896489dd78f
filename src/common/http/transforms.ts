import { Transform } from 'class-transformer';

/** E-mails are compared and stored lower-cased and trimmed (SPEC §3.2.1). */
export const NormalizeEmail = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Query-string booleans: only the strings 'true' and 'false' convert; anything else stays and fails @IsBoolean. */
export const QueryBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
