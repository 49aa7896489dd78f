/** UTF-8 byte order mark, so that Excel opens the files with their accents (SPEC §4.11 R3, PROPOSED). */
export const BOM = '\uFEFF';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text starting with
 * = + - @ (or a tab / carriage return) is prefixed with ' so that a spreadsheet never runs it as a formula.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const csvLine = (fields: (string | number)[]) => `${fields.map(csvField).join(',')}\n`;

/** Header comment lines: the value of a line never breaks it (line breaks become spaces). */
export const commentLine = (text: string) => `# ${text.replace(/[\r\n]+/g, ' ')}\n`;

/** Today in Europe/Paris as YYYY-MM-DD. */
export function parisDate(d = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
