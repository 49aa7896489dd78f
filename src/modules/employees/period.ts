/**
 * Reporting periods of SPEC §4.0 / US-2.5: a month `YYYY-MM`, a quarter `YYYY-Qn` or a year `YYYY`,
 * as calendar periods in Europe/Paris (SPEC §3.4). Bounds are local dates; SQL turns them into instants.
 */
export const PERIOD_PATTERN = /^\d{4}(?:-(?:0[1-9]|1[0-2])|-Q[1-4])?$/;
export const REPORT_TIME_ZONE = 'Europe/Paris';

export interface Period {
  /** As requested, e.g. "2025-01", "2025-Q1", "2025". */
  label: string;
  /** First local day, inclusive: "YYYY-MM-DD". */
  start: string;
  /** First local day after the period, exclusive. */
  end: string;
}

const day = (y: number, m: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;

/** The current month in Europe/Paris, e.g. "2025-01". */
export function currentMonth(now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: REPORT_TIME_ZONE, year: 'numeric', month: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}`;
}

/** Parses a period already checked against PERIOD_PATTERN; defaults to the current month. */
export function parsePeriod(label?: string): Period {
  const value = label ?? currentMonth();
  const year = Number(value.slice(0, 4));
  if (value.length === 4) return { label: value, start: day(year, 1), end: day(year + 1, 1) };
  if (value[5] === 'Q') {
    const first = (Number(value[6]) - 1) * 3 + 1;
    return { label: value, start: day(year, first), end: first + 3 > 12 ? day(year + 1, 1) : day(year, first + 3) };
  }
  const month = Number(value.slice(5, 7));
  return { label: value, start: day(year, month), end: month === 12 ? day(year + 1, 1) : day(year, month + 1) };
}
