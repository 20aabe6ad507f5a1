import { isCalendarDate, readDateTime } from './datetime';

const DAY_MS = 24 * 3600 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An RFC 3339 date-time, which must carry its zone, as ms since the epoch. */
export function parseRfc3339(text: string): number | undefined {
  const read = readDateTime(text);
  return read?.zoned ? read.ms : undefined;
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
