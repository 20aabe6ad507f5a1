import { formatDuration } from '../policy/duration';
import type { Rule } from './rule';

/**
 * E-HPC writes `UpdateDateTime` as `2018-07-18T17:46:47`: no zone, and the zone is not documented
 * (spec/cloud-apis.md). A value without a zone is read as UTC, and the finding says so; a value
 * with `Z` or an offset is read as written. If E-HPC meant local time (UTC+8 in mainland China),
 * the error is a few hours (14 at most), small against a `config.maxAge` counted in days; the spec
 * asks for no precise arithmetic on this value anyway.
 *
 * Age is judged against the run's clock (`context.now`), never the wall clock, so a report is
 * reproducible with `--now`. A value that is not a date is config.invalid, never also stale: the
 * grammar and the date check below are config-invalid.ts's, kept identical on purpose. A time in
 * the future is not stale (a skewed clock is not what this rule is about).
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

interface UpdateTime {
  /** Milliseconds since the epoch. */
  ms: number;
  /** The value had no zone and was read as UTC. */
  assumedUtc: boolean;
}

/** The instant an UpdateDateTime names, or undefined when config.invalid rejects the value. */
export function readUpdateDateTime(value: string): UpdateTime | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // config.invalid uses this same reading, so both rules accept exactly the same values.
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const valid =
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!valid) return undefined;
  // The instant itself with the full year: Date.UTC reads years 0–99 as 1900–1999.
  const instant = new Date(0);
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, Math.floor(Number(`0${match[7] ?? ''}`) * 1000));
  const zone = match[8];
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  return { ms: instant.getTime() - offsetMinutes * 60_000, assumedUtc: zone === undefined };
}

export const configStale: Rule = {
  id: 'config.stale',
  summary: 'A configuration nobody has touched for a long time is likely unreviewed and out of date',
  check(gateway, policy, context) {
    const maxAge = policy.maxConfigAge;
    const raw = gateway.imagegw?.UpdateDateTime;
    if (maxAge === undefined || typeof raw !== 'string') return [];
    const time = readUpdateDateTime(raw);
    if (time === undefined) return [];
    const ageMs = context.now.getTime() - time.ms;
    if (ageMs <= maxAge * 1000) return [];
    const ageSeconds = Math.floor(ageMs / 1000);
    const zone = time.assumedUtc ? ' (no zone given, read as UTC)' : '';
    return [
      {
        field: 'UpdateDateTime',
        value: raw,
        expected: `changed within config.maxAge, ${formatDuration(maxAge)}`,
        message: `UpdateDateTime ${raw}${zone} is ${formatDuration(ageSeconds)} old, more than config.maxAge ${formatDuration(maxAge)}`,
      },
    ];
  },
};
