import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTINUED_MARK, cutAtCodePoint, splitIntoParts } from '../../shared/notify/split';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** No lone surrogate: in a `u` regex, \p{Cs} matches only unpaired ones. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);
const header = (i: number, n: number) => `(${i}/${n})`;
/** The header the notifier uses: none for a single part. */
const optionalHeader = (i: number, n: number) => (n > 1 ? `(${i}/${n})` : '');

/** Part i's body lines (header line removed). */
function bodyLines(
  text: string,
  i: number,
  n: number,
  makeHeader: (i: number, n: number) => string,
): string[] {
  const h = makeHeader(i, n);
  if (h === '') return text.split('\n');
  expect(text.startsWith(`${h}\n`)).toBe(true);
  return text.slice(h.length + 1).split('\n');
}

/**
 * Walks the input lines against the parts' lines: each line is either a whole line of a part, or
 * pieces that end with CONTINUED_MARK followed by the final piece. Fails on anything else.
 */
function expectLinesBack(sections: string[][], parts: string[], makeHeader = header): void {
  const got = parts.flatMap((text, k) => bodyLines(text, k + 1, parts.length, makeHeader));
  const want = sections.flat();
  let g = 0;
  for (const line of want) {
    let rest = line;
    for (;;) {
      const piece = got[g];
      expect(piece, `line ${JSON.stringify(line)} missing`).toBeDefined();
      g += 1;
      if (piece === rest) break;
      expect(piece?.endsWith(CONTINUED_MARK)).toBe(true);
      const head = (piece ?? '').slice(0, -CONTINUED_MARK.length);
      expect(head.length).toBeGreaterThan(0);
      expect(rest.startsWith(head)).toBe(true);
      rest = rest.slice(head.length);
    }
  }
  expect(g).toBe(got.length);
}

describe('splitIntoParts', () => {
  it('keeps everything in one part when it fits, with the header on the first line', () => {
    const sections = [
      ['# Digest', 'run 42'],
      ['- a', '- b'],
    ];
    expect(splitIntoParts(sections, 1000, header)).toEqual(['(1/1)\n# Digest\nrun 42\n- a\n- b']);
    expect(splitIntoParts(sections, 1000, optionalHeader)).toEqual(['# Digest\nrun 42\n- a\n- b']);
  });

  it('returns no part for no lines', () => {
    expect(splitIntoParts([], 100, header)).toEqual([]);
    expect(splitIntoParts([[], []], 100, header)).toEqual([]);
  });

  it('breaks between sections rather than inside one', () => {
    const a = ['A1 xxxxxxxx', 'A2 xxxxxxxx'];
    const b = ['B1 xxxxxxxx', 'B2 xxxxxxxx'];
    // "(1/2)\n" + 23 bytes per section: both sections do not fit in 40 bytes, each one does.
    const parts = splitIntoParts([a, b], 40, header);
    expect(parts).toEqual(['(1/2)\nA1 xxxxxxxx\nA2 xxxxxxxx', '(2/2)\nB1 xxxxxxxx\nB2 xxxxxxxx']);
  });

  it('breaks between lines of a section larger than a part, filling parts', () => {
    const section = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    const parts = splitIntoParts([section], 30, header);
    for (const text of parts) expect(bytes(text)).toBeLessThanOrEqual(30);
    expect(parts[0]).toBe('(1/4)\nline 0\nline 1\nline 2');
    expectLinesBack([section], parts);
  });

  it('cuts a line alone over the budget on code points, marking each piece but the last', () => {
    const line = '合规'.repeat(20); // 120 bytes
    const parts = splitIntoParts([['before'], [line], ['after']], 40, header);
    for (const text of parts) expect(bytes(text)).toBeLessThanOrEqual(40);
    expect(parts.some((text) => text.includes(CONTINUED_MARK))).toBe(true);
    expect(parts.join('')).not.toContain('\ufffd');
    expectLinesBack([['before'], [line], ['after']], parts);
  });

  it('never cuts inside a surrogate pair', () => {
    const line = '😀'.repeat(30);
    const parts = splitIntoParts([[line]], 20, header);
    for (const text of parts) {
      expect(bytes(text)).toBeLessThanOrEqual(20);
      expect(wellFormed(text)).toBe(true);
    }
    expectLinesBack([[line]], parts);
  });

  it('reserves room for the header of the final count (9 → 10 parts gets longer headers)', () => {
    // 10 lines of 10 bytes; "(i/9)\n" is 6 bytes but "(10/10)\n" is 8: a 17-byte part holds a
    // line under "(1/9)" but not under "(10/10)", so the count must be found in two passes.
    const section = Array.from({ length: 10 }, (_, i) => `line-${String(i).padStart(5, '0')}`);
    const parts = splitIntoParts([section], 18, header);
    expect(parts).toHaveLength(10);
    for (const text of parts) expect(bytes(text)).toBeLessThanOrEqual(18);
    expect(parts[9]).toBe('(10/10)\nline-00009');
    expect(parts[0]).toBe('(1/10)\nline-00000');
  });

  it('with no header for a single part, the text alone gets the whole budget', () => {
    const parts = splitIntoParts([['x'.repeat(20)]], 20, optionalHeader);
    expect(parts).toEqual(['x'.repeat(20)]);
    const two = splitIntoParts([['x'.repeat(20), 'y'.repeat(5)]], 20, optionalHeader);
    for (const text of two) expect(bytes(text)).toBeLessThanOrEqual(20);
    expectLinesBack([['x'.repeat(20), 'y'.repeat(5)]], two, optionalHeader);
  });

  it('throws when the header leaves no room for text', () => {
    expect(() => splitIntoParts([['abc']], 8, header)).toThrow(RangeError);
  });

  it('cutAtCodePoint takes at least one code point and never splits one', () => {
    expect(cutAtCodePoint('合规', 4)).toEqual(['合', '规']);
    expect(cutAtCodePoint('😀a', 3)).toEqual(['😀', 'a']);
    expect(cutAtCodePoint('😀a', 2, (s) => s.length)).toEqual(['😀', 'a']);
    expect(cutAtCodePoint('abc', 10)).toEqual(['abc', '']);
  });
});

describe('splitIntoParts properties', () => {
  const char = fc.constantFrom('a', 'Z', ' ', '"', '\\', '合', '规', '✅', '😀', '👩‍💻', 'é', '\t');
  const line = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: char, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: char, minLength: 40, maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/\n/g, ' ')),
    },
  );
  const sections = fc.array(fc.array(line, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 });
  const headers = fc.constantFrom(header, optionalHeader, (i: number, n: number) => `**部分 ${i} / ${n}**`);

  it('every part ≤ maxBytes, no part empty, every line back in order, headers numbered', () => {
    fc.assert(
      fc.property(sections, fc.integer({ min: 48, max: 400 }), headers, (input, maxBytes, makeHeader) => {
        const parts = splitIntoParts(input, maxBytes, makeHeader);
        expect(parts.length).toBeGreaterThan(0);
        parts.forEach((text, k) => {
          expect(bytes(text)).toBeLessThanOrEqual(maxBytes);
          const h = makeHeader(k + 1, parts.length);
          if (h !== '') expect(text.startsWith(`${h}\n`)).toBe(true);
          // Not empty: something beyond the header line.
          expect(bodyLines(text, k + 1, parts.length, makeHeader).length).toBeGreaterThan(0);
        });
        expectLinesBack(input, parts, makeHeader);
      }),
      { numRuns: 300 },
    );
  });

  it('a line is never cut when every line fits a part beside the longest header', () => {
    fc.assert(
      fc.property(sections, fc.integer({ min: 40, max: 400 }), (input, maxBytes) => {
        // "(999999/999999)\n" is 16 bytes: longer than any header these inputs can need.
        const lines = input.map((section) => section.filter((l) => bytes(l) <= maxBytes - 16));
        const kept = lines.filter((section) => section.length > 0);
        const parts = splitIntoParts(kept, maxBytes, header);
        const got = parts.flatMap((text, k) => bodyLines(text, k + 1, parts.length, header));
        expect(got).toEqual(kept.flat());
      }),
      { numRuns: 200 },
    );
  });

  it('never produces malformed UTF-16 from well-formed input', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => s.replace(/\n/g, ' ')),
            { minLength: 1 },
          ),
          {
            minLength: 1,
          },
        ),
        fc.integer({ min: 32, max: 120 }),
        (input, maxBytes) => {
          for (const text of splitIntoParts(input, maxBytes, header)) expect(wellFormed(text)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
