/**
 * The one reader of ISO 8601 / RFC 3339 date-times (waiver expiries, `--now`, policy-test clocks,
 * UpdateDateTime). Calendar fields are checked by hand: V8's Date.parse turns 2027-02-30 into
 * 2 March, and Date.UTC reads years 0–99 as 1900–1999.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;

export function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export interface DateTime {
  /** Milliseconds since the epoch. */
  ms: number;
  /** False when the text had no zone and was read as UTC. */
  zoned: boolean;
}

export function readDateTime(text: string): DateTime | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, Math.floor(Number(`0${match[7] ?? ''}`) * 1000));
  const zone = match[8]?.toUpperCase();
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return { ms: instant.getTime() - offsetMinutes * 60_000, zoned: zone !== undefined };
}
