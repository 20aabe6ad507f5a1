import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatDurationCompact,
  parseImageExpiration,
  parsePolicyDuration,
  parsePullUpdateTimeout,
  type ThreeFieldFormat,
} from '../../shared/policy/duration';

// Expected values come from spec/policy.md ("Durations"), worked out by hand: m = 60 s,
// h = 3600 s, d = 86400 s.

describe('parsePolicyDuration', () => {
  it.each<[string, number]>([
    ['45s', 45],
    ['30m', 1_800],
    ['12h', 43_200],
    ['90d', 7_776_000],
    ['365d', 31_536_000],
    ['1d12h', 129_600],
    ['1h30m', 5_400],
    ['1d1h1m1s', 90_061],
    ['0s', 0],
    ['0d', 0],
    ['600s', 600],
    ['010m', 600],
    ['30m1h', 5_400],
  ])('%s = %i seconds', (text, seconds) => {
    expect(parsePolicyDuration(text)).toEqual({ ok: true, value: seconds });
  });

  it.each<[unknown, RegExp]>([
    [600, /no unit/],
    ['600', /no unit/],
    [0, /no unit/],
    ['0', /no unit/],
    ['', /empty/],
    [-5, /negative/],
    ['-5m', /negative/],
    ['-5', /negative/],
    ['5w', /unknown unit "w".*s, m, h or d/],
    ['5ms', /unknown unit "ms"/],
    ['2y', /unknown unit/],
    ['1H', /unknown unit/],
    ['1D', /unknown unit/],
    ['1.5h', /fraction/],
    ['0.5d', /fraction/],
    ['1,5h', /fraction/],
    ['1h 30m', /white space/],
    [' 1h', /white space/],
    ['1h ', /white space/],
    ['1h30', /without a unit/],
    ['1d12', /without a unit/],
    ['h', /not a duration/],
    ['abc', /not a duration/],
    ['+1h', /not a duration/],
    ['1d-1h', /not a duration/],
    ['1h_30m', /not a duration/],
    ['PT1H', /not a duration/],
    ['99999999999999999999d', /too large/],
    [1.5, /not a duration/],
    [Number.NaN, /not a duration/],
    [Number.POSITIVE_INFINITY, /not a duration/],
    [null, /not a duration/],
    [undefined, /not a duration/],
    [true, /not a duration/],
    [{ seconds: 600 }, /not a duration/],
    [['1h'], /not a duration/],
  ])('rejects %j', (value, reason) => {
    const parsed = parsePolicyDuration(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('asks for a unit and suggests one for a bare number', () => {
    for (const value of [600, '600']) {
      const parsed = parsePolicyDuration(value);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.reason).toContain('600');
        expect(parsed.reason).toContain('no unit');
        expect(parsed.reason).toContain('600s');
        expect(parsed.reason).toContain('10m');
      }
    }
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [1, '1s'],
    [45, '45s'],
    [59, '59s'],
    [60, '60s (1m)'],
    [600, '600s (10m)'],
    [3_600, '3600s (1h)'],
    [3_661, '3661s (1h1m1s)'],
    [86_400, '86400s (1d)'],
    [129_600, '129600s (1d12h)'],
    [7_776_000, '7776000s (90d)'],
    [90_061, '90061s (1d1h1m1s)'],
  ])('%i → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each<[number, string]>([
    [0, '0s'],
    [600, '10m'],
    [7_776_000, '90d'],
    [129_600, '1d12h'],
    [86_460, '1d1m'],
  ])('compact form of %i is %s', (seconds, text) => {
    expect(formatDurationCompact(seconds)).toBe(text);
  });
});

describe('parsePullUpdateTimeout', () => {
  it.each<[unknown, number]>([
    [300, 300],
    ['300', 300],
    [0, 0],
    ['0', 0],
    [-0, 0],
    ['0300', 300],
    [86_400, 86_400],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('%j = %i seconds', (value, seconds) => {
    const parsed = parsePullUpdateTimeout(value);
    expect(parsed).toEqual({ ok: true, value: seconds });
    if (parsed.ok) expect(Object.is(parsed.value, -0)).toBe(false);
  });

  it.each<unknown>([
    'abc',
    -5,
    -1,
    3.5,
    0.1,
    '',
    ' 300',
    '300 ',
    '3e2',
    '+300',
    '-5',
    '3.5',
    '300s',
    '0x12C',
    '３００',
    '9007199254740993',
    2 ** 53,
    1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    undefined,
    true,
    [300],
    { value: 300 },
  ])('rejects %j', (value) => {
    const parsed = parsePullUpdateTimeout(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/seconds/);
  });
});

describe('parseImageExpiration', () => {
  const day = 86_400;
  const hour = 3_600;
  it.each<[string, ThreeFieldFormat, number, 3 | 4, string]>([
    ['90:00:00:00', 'D:H:M', 90 * day, 4, 'D:H:M:S'],
    ['90:00:00:00', 'H:M:S', 90 * day, 4, 'D:H:M:S'],
    ['90:00:00', 'D:H:M', 90 * day, 3, 'D:H:M'],
    ['90:00:00', 'H:M:S', 90 * hour, 3, 'H:M:S'],
    ['12:00:00', 'D:H:M', 12 * day, 3, 'D:H:M'],
    ['12:00:00', 'H:M:S', 12 * hour, 3, 'H:M:S'],
    ['1:12:30:15', 'D:H:M', day + 12 * hour + 30 * 60 + 15, 4, 'D:H:M:S'],
    ['0:00:00:00', 'D:H:M', 0, 4, 'D:H:M:S'],
    ['0:0:0:1', 'D:H:M', 1, 4, 'D:H:M:S'],
    ['1:23:59', 'D:H:M', day + 23 * hour + 59 * 60, 3, 'D:H:M'],
    ['1:23:59', 'H:M:S', hour + 23 * 60 + 59, 3, 'H:M:S'],
    ['2160:00:00', 'H:M:S', 90 * day, 3, 'H:M:S'],
    ['25:00:00', 'H:M:S', 25 * hour, 3, 'H:M:S'],
    ['100:00:00:00', 'D:H:M', 100 * day, 4, 'D:H:M:S'],
    ['0:23:59:59', 'D:H:M', day - 1, 4, 'D:H:M:S'],
  ])('%s read as %s', (value, format, seconds, fields, assumedFormat) => {
    expect(parseImageExpiration(value, format)).toEqual({
      ok: true,
      value: { seconds, fields, assumedFormat },
    });
  });

  it.each<[unknown, ThreeFieldFormat]>([
    ['1:24:00:00', 'D:H:M'],
    ['0:00:60:00', 'D:H:M'],
    ['0:00:00:60', 'D:H:M'],
    ['1:24:00', 'D:H:M'],
    ['1:23:60', 'D:H:M'],
    ['1:60:00', 'H:M:S'],
    ['1:00:60', 'H:M:S'],
    ['90:00', 'D:H:M'],
    ['90:00', 'H:M:S'],
    ['90', 'D:H:M'],
    ['abc', 'D:H:M'],
    ['-1:00:00:00', 'D:H:M'],
    ['-1:00:00', 'H:M:S'],
    ['', 'D:H:M'],
    ['1:00:00:00:00', 'D:H:M'],
    [' 90:00:00', 'D:H:M'],
    ['90:00:00 ', 'D:H:M'],
    ['90:0a:00', 'D:H:M'],
    ['90::00', 'D:H:M'],
    [':00:00', 'D:H:M'],
    ['1.5:00:00', 'D:H:M'],
    ['+1:00:00', 'D:H:M'],
    ['90:00:00:00:', 'D:H:M'],
    ['90d', 'D:H:M'],
    [7_776_000, 'D:H:M'],
    [null, 'D:H:M'],
    [undefined, 'D:H:M'],
    [['90', '00', '00'], 'D:H:M'],
  ])('rejects %j (%s)', (value, format) => {
    const parsed = parseImageExpiration(value, format);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
  });

  it('names the bound that an out-of-range field breaks', () => {
    const parsed = parseImageExpiration('1:24:00:00', 'D:H:M');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/hours.*24/);
  });
});
