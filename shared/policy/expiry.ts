const DAY_MS = 24 * 3600 * 1000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * An RFC 3339 date-time with its zone, as ms since the epoch. Calendar fields are checked by hand:
 * V8's Date.parse turns 2027-02-30 into 2 March.
 */
export function parseRfc3339(text: string): number | undefined {
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
  const instant = Date.parse(text.toUpperCase());
  return Number.isNaN(instant) ? undefined : instant;
}

/**
 * Waiver expiry: a date is valid through the end of that day (UTC); an RFC 3339 time is valid up to
 * and including that instant. Returns the last instant (ms) at which the waiver still applies.
 */
export function parseExpiry(text: string): number | undefined {
  const date = DATE.exec(text);
  if (!date) return parseRfc3339(text);
  const [year, month, day] = date.slice(1, 4).map(Number) as [number, number, number];
  return isCalendarDate(year, month, day) ? Date.UTC(year, month - 1, day) + DAY_MS - 1 : undefined;
}
