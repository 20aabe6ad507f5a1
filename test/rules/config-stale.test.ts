import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Finding } from '../../shared/audit/types';
import { readUpdateDateTime } from '../../shared/rules/config-stale';
import { audit, compliantGateway, ruleFields, TEST_NOW } from '../helpers/audit';

// TEST_NOW is 2026-12-03T12:00:00Z, so 365 days before it is 2025-12-03T12:00:00Z.
const STALE_POLICY = `
version: 1
config:
  maxAge: 365d
`;
const STALE = 'config.stale@UpdateDateTime';
const INVALID = 'config.invalid@UpdateDateTime';

function findingsFor(updateDateTime: unknown, now = TEST_NOW, policy = STALE_POLICY): Finding[] {
  return audit(compliantGateway({ UpdateDateTime: updateDateTime }), policy, true, now);
}

function rulesFor(updateDateTime: unknown, now = TEST_NOW, policy = STALE_POLICY): string[] {
  return ruleFields(findingsFor(updateDateTime, now, policy));
}

describe('config.stale', () => {
  it.each([
    ['a recent change', '2026-11-01T00:00:00'],
    ['exactly config.maxAge old, read as UTC', '2025-12-03T12:00:00'],
    ['exactly config.maxAge old, with Z', '2025-12-03T12:00:00Z'],
    ['exactly config.maxAge old, with an offset', '2025-12-03T20:00:00+08:00'],
    ['a time in the future (a skewed clock, not a stale config)', '2027-01-01T00:00:00'],
  ])('accepts %s', (_name, value) => {
    expect(rulesFor(value)).toEqual([]);
  });

  it.each([
    ['the E-HPC documentation example', '2018-07-18T17:46:47'],
    ['one second past config.maxAge, read as UTC', '2025-12-03T11:59:59'],
    ['one millisecond past config.maxAge', '2025-12-03T11:59:59.999'],
    ['one second past config.maxAge, with an offset', '2025-12-03T19:59:59+08:00'],
    ['one second past config.maxAge, west of UTC', '2025-12-03T06:59:59-05:00'],
  ])('flags %s', (_name, value) => {
    expect(rulesFor(value)).toEqual([STALE]);
  });

  it('says how old the value is, that it was read as UTC, and what the limit is', () => {
    const [finding] = findingsFor('2025-12-02T12:00:00');
    expect(finding).toMatchObject({
      ruleId: 'config.stale',
      severity: 'low',
      field: 'UpdateDateTime',
      value: '2025-12-02T12:00:00',
      expected: 'changed within config.maxAge, 31536000s (365d)',
      message:
        'UpdateDateTime 2025-12-02T12:00:00 (no zone given, read as UTC) is 31622400s (366d) old, more than config.maxAge 31536000s (365d)',
    });
    expect(findingsFor('2025-12-02T12:00:00Z')[0]?.message).not.toContain('UTC');
  });

  it("judges against the run's clock, and the fingerprint does not move with it", () => {
    const value = '2025-06-01T00:00:00';
    expect(rulesFor(value, new Date('2026-05-31T00:00:00Z'))).toEqual([]);
    const [early] = findingsFor(value, new Date('2026-06-02T00:00:00Z'));
    const [late] = findingsFor(value, new Date('2027-06-02T00:00:00Z'));
    expect(early?.message).not.toBe(late?.message);
    expect(early?.fingerprint).toBe(late?.fingerprint);
  });

  describe('with a wall clock far from the run clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('never reads the wall clock', () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2040-01-01T00:00:00Z'));
      expect(new Date().getUTCFullYear()).toBe(2040);
      expect(rulesFor('2026-11-01T00:00:00')).toEqual([]);
      vi.setSystemTime(new Date('2000-01-01T00:00:00Z'));
      expect(rulesFor('2018-07-18T17:46:47')).toEqual([STALE]);
    });
  });

  it.each([
    ['text', 'yesterday'],
    ['a date without a time', '2018-07-18'],
    ['a day that does not exist', '2018-02-30T00:00:00'],
    ['an hour out of range', '2018-07-18T24:00:00'],
    ['a space instead of T', '2018-07-18 17:46:47'],
    ['a number', 1531935607],
  ])('leaves %s to config.invalid, never also stale', (_name, value) => {
    expect(rulesFor(value)).toEqual([INVALID]);
  });

  it('is off without config.maxAge', () => {
    expect(rulesFor('2018-07-18T17:46:47', TEST_NOW, 'version: 1\n')).toEqual([]);
    expect(rulesFor('2018-07-18T17:46:47', TEST_NOW, 'version: 1\nconfig: {}\n')).toEqual([]);
  });

  it('follows overrides that change config.maxAge for some clusters', () => {
    const policy = `${STALE_POLICY}overrides:
  - clusters: ["ehpc-hz-*"]
    set:
      config: { maxAge: 3650d }
`;
    expect(rulesFor('2018-07-18T17:46:47', TEST_NOW, policy)).toEqual([]);
  });
});

describe('readUpdateDateTime', () => {
  it('reads a value without a zone as UTC and honours a zone when there is one', () => {
    expect(readUpdateDateTime('2018-07-18T17:46:47')).toEqual({
      ms: Date.parse('2018-07-18T17:46:47Z'),
      assumedUtc: true,
    });
    expect(readUpdateDateTime('2018-07-18T17:46:47.250+08:00')).toEqual({
      ms: Date.parse('2018-07-18T09:46:47.250Z'),
      assumedUtc: false,
    });
  });

  it('keeps years below 100 as written (Date.UTC would read them as 19xx)', () => {
    expect(readUpdateDateTime('0050-01-01T00:00:00Z')?.ms).toBe(Date.parse('0050-01-01T00:00:00Z'));
  });

  it('refuses what config.invalid refuses', () => {
    for (const value of ['2018-02-29T00:00:00', '2018-07-18T17:60:00', '2018-07-18T17:46:47+8', '']) {
      expect(readUpdateDateTime(value)).toBeUndefined();
    }
  });
});
