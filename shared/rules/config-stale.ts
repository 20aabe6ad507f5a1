import { readDateTime } from '../policy/datetime';
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
interface UpdateTime {
  /** Milliseconds since the epoch. */
  ms: number;
  /** The value had no zone and was read as UTC. */
  assumedUtc: boolean;
}

/** The instant an UpdateDateTime names, or undefined when config.invalid rejects the value. */
export function readUpdateDateTime(value: string): UpdateTime | undefined {
  const read = readDateTime(value);
  return read && { ms: read.ms, assumedUtc: !read.zoned };
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
