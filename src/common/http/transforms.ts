import { Transform } from 'class-transformer';

/** E-mails are compared and stored lower-cased and trimmed (SPEC §3.2.1). */
export const NormalizeEmail = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Query-string booleans: only the strings 'true' and 'false' convert; anything else stays and fails @IsBoolean. */
export const QueryBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/** The platform's calendar (SPEC: French users); a bare day in a date-time filter is a day of this zone. */
export const PLATFORM_TIME_ZONE = 'Europe/Paris';

/**
 * The one rule for date filters in query strings (documented in the OpenAPI description): a full ISO 8601
 * date-time is that instant; a bare calendar day `YYYY-MM-DD` is the start (`from`) or the end (`to`,
 * inclusive) of that day in Europe/Paris. Anything else stays a string and fails @IsDate.
 */
export const QueryInstant = (bound: 'start' | 'end') =>
  Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return value;
    const day = new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value ? value : null;
    if (!day) return value;
    const startOf = (d: string): number => {
      // offset of the zone at noon that day: a midnight DST change never happens in Europe/Paris
      const noon = Date.parse(`${d}T12:00:00Z`);
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: PLATFORM_TIME_ZONE, timeZoneName: 'longOffset' }).formatToParts(noon);
      const m = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
      const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
      return Date.parse(`${d}T00:00:00Z`) - offset * 60_000;
    };
    if (bound === 'start') return new Date(startOf(day));
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return new Date(startOf(next) - 1);
  });
