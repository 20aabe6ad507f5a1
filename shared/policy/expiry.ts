const DAY_MS = 24 * 3600 * 1000;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Waiver expiry: a date is valid through the end of that day (UTC); an RFC 3339 time is valid up to
 * and including that instant. Returns the last instant (ms) at which the waiver still applies.
 * Calendar fields are checked by hand: V8's Date.parse turns 2027-02-30 into 2 March.
 */
export function parseExpiry(text: string): number | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
  if (!isCalendarDate(year, month, day)) return undefined;
  if (match[4] === undefined) return Date.UTC(year, month - 1, day) + DAY_MS - 1;
  const [hour, minute, second] = match.slice(4, 7).map(Number) as [number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const instant = Date.parse(text.toUpperCase());
  return Number.isNaN(instant) ? undefined : instant;
}
