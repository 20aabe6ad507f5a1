import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatDurationCompact,
  parseImageExpiration,
  parsePolicyDuration,
  parsePullUpdateTimeout,
} from '../../shared/policy/duration';

const UNIT = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
const durationChar = fc.constantFrom(...'0123456789smhdSMHDwy.:-+ \t'.split(''));
const anyValue = fc.oneof(
  fc.string({ unit: durationChar, maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.anything(),
  fc.double(),
  fc.integer(),
);
const pad = (n: number) => String(n).padStart(2, '0');

describe('duration parsers', () => {
  it('never throw', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        for (const parsed of [
          parsePolicyDuration(value),
          parsePullUpdateTimeout(value),
          parseImageExpiration(value, 'D:H:M'),
          parseImageExpiration(value, 'H:M:S'),
        ]) {
          expect(typeof parsed.ok).toBe('boolean');
          if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('add up number-unit pairs', () => {
    const pair = fc.tuple(
      fc.nat(100_000),
      fc.constantFrom('s', 'm', 'h', 'd') as fc.Arbitrary<keyof typeof UNIT>,
    );
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 5 }), (pairs) => {
        const text = pairs.map(([count, unit]) => `${count}${unit}`).join('');
        const seconds = pairs.reduce((sum, [count, unit]) => sum + count * UNIT[unit], 0);
        expect(parsePolicyDuration(text)).toEqual({ ok: true, value: seconds });
      }),
    );
  });

  it('reject every bare number and ask for a unit', () => {
    fc.assert(
      fc.property(fc.nat(), fc.boolean(), (n, asString) => {
        const parsed = parsePolicyDuration(asString ? String(n) : n);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.reason).toContain(`no unit; add s, m, h or d, e.g. ${n}s`);
      }),
    );
  });

  it('read back their own compact form, and formatDuration leads with the seconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 365 * 86_400 }), (seconds) => {
        expect(parsePolicyDuration(formatDurationCompact(seconds))).toEqual({ ok: true, value: seconds });
        expect(formatDuration(seconds).startsWith(`${seconds}s`)).toBe(true);
      }),
    );
  });

  it('accept whole seconds for PullUpdateTimeout as a number or digits, and nothing fractional or negative', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(parsePullUpdateTimeout(n)).toEqual({ ok: true, value: n });
        expect(parsePullUpdateTimeout(String(n))).toEqual({ ok: true, value: n });
        expect(parsePullUpdateTimeout(-n - 1).ok).toBe(false);
      }),
    );
    fc.assert(
      fc.property(
        fc.double().filter((x) => !Number.isInteger(x)),
        (x) => {
          expect(parsePullUpdateTimeout(x).ok).toBe(false);
          expect(parsePullUpdateTimeout(String(x)).ok).toBe(false);
        },
      ),
    );
  });

  it('read D:H:M:S fields within their limits and reject hours, minutes or seconds past them', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(23),
        fc.nat(59),
        fc.nat(59),
        fc.constantFrom('D:H:M', 'H:M:S') as fc.Arbitrary<'D:H:M' | 'H:M:S'>,
        (d, h, m, s, format) => {
          expect(parseImageExpiration(`${d}:${pad(h)}:${pad(m)}:${pad(s)}`, format)).toEqual({
            ok: true,
            value: { seconds: d * 86_400 + h * 3_600 + m * 60 + s, fields: 4, assumedFormat: 'D:H:M:S' },
          });
          expect(parseImageExpiration(`${d}:${pad(h)}:${pad(m)}`, 'D:H:M')).toEqual({
            ok: true,
            value: { seconds: d * 86_400 + h * 3_600 + m * 60, fields: 3, assumedFormat: 'D:H:M' },
          });
          expect(parseImageExpiration(`${d}:${pad(m)}:${pad(s)}`, 'H:M:S')).toEqual({
            ok: true,
            value: { seconds: d * 3_600 + m * 60 + s, fields: 3, assumedFormat: 'H:M:S' },
          });
          expect(parseImageExpiration(`${d}:${h + 24}:${pad(m)}:${pad(s)}`, format).ok).toBe(false);
          expect(parseImageExpiration(`${d}:${pad(h)}:${m + 60}:${pad(s)}`, format).ok).toBe(false);
          expect(parseImageExpiration(`${d}:${pad(h)}:${pad(m)}:${s + 60}`, format).ok).toBe(false);
        },
      ),
    );
  });
});
