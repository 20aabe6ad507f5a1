import { formatDuration, parseImageExpiration, parsePullUpdateTimeout } from '../policy/duration';
import type { DurationBounds } from '../policy/policy';
import type { Rule, RuleFinding } from './rule';

function describeBounds(bounds: DurationBounds): string {
  const min = bounds.min === undefined ? undefined : formatDuration(bounds.min);
  const max = bounds.max === undefined ? undefined : formatDuration(bounds.max);
  if (min && max) return `between ${min} and ${max}`;
  return min ? `at least ${min}` : `at most ${max}`;
}

function outOfBounds(seconds: number, bounds: DurationBounds): boolean {
  return (
    (bounds.min !== undefined && seconds < bounds.min) || (bounds.max !== undefined && seconds > bounds.max)
  );
}

export const pullUpdateOutOfBounds: Rule = {
  id: 'timeout.pull-update-out-of-bounds',
  summary: 'A pull timeout far from the norm either fails large pulls or leaves stale images unrefreshed',
  check(gateway, policy) {
    const bounds = policy.timeouts.pullUpdate;
    const raw = gateway.imagegw?.PullUpdateTimeout;
    if (!bounds || raw === undefined) return [];
    const parsed = parsePullUpdateTimeout(raw);
    if (!parsed.ok || !outOfBounds(parsed.value, bounds)) return [];
    const expected = describeBounds(bounds);
    return [
      {
        field: 'PullUpdateTimeout',
        value: String(raw),
        expected,
        message: `PullUpdateTimeout is ${formatDuration(parsed.value)}, outside the policy bounds`,
      },
    ];
  },
};

export const imageExpirationOutOfBounds: Rule = {
  id: 'timeout.image-expiration-out-of-bounds',
  summary: 'Images kept too long go stale and unpatched; too short forces constant re-pulls',
  check(gateway, policy) {
    const bounds = policy.timeouts.imageExpiration;
    const raw = gateway.imagegw?.ImageExpirationTimeout;
    if (!bounds || raw === undefined) return [];
    const parsed = parseImageExpiration(raw, policy.threeFieldFormat);
    if (!parsed.ok || !outOfBounds(parsed.value.seconds, bounds)) return [];
    const expected = describeBounds(bounds);
    const assumed = parsed.value.fields === 3 ? ` (three fields read as ${parsed.value.assumedFormat})` : '';
    const finding: RuleFinding = {
      field: 'ImageExpirationTimeout',
      value: String(raw),
      expected,
      message: `ImageExpirationTimeout "${String(raw)}" is ${formatDuration(parsed.value.seconds)}${assumed}, outside the policy bounds`,
    };
    return [finding];
  },
};
