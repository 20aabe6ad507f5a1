import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches } from '../../shared/policy/glob';

/** The obvious (exponential) definition, as the oracle for small inputs. */
function reference(pattern: string, text: string): boolean {
  if (pattern === '') return text === '';
  if (pattern[0] === '*')
    return [...Array(text.length + 1).keys()].some((skip) => reference(pattern.slice(1), text.slice(skip)));
  return text !== '' && pattern[0] === text[0] && reference(pattern.slice(1), text.slice(1));
}

describe('globMatches', () => {
  it.each([
    ['ehpc-hz-*', 'ehpc-hz-Prod01', true],
    ['ehpc-hz-*', 'ehpc-sh-Prod01', false],
    ['*', '', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['cn-?', 'cn-x', false],
    ['.*', 'anything', false],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('agrees with the reference definition', () => {
    const alphabet = fc.constantFrom('a', 'b', '*');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 7 }),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 9 }),
        (p, t) => {
          expect(globMatches(p.join(''), t.join(''))).toBe(reference(p.join(''), t.join('')));
        },
      ),
    );
  });

  it('stays fast on patterns that make a backtracking regex explode', () => {
    const started = performance.now();
    expect(globMatches(`${'*a'.repeat(30)}*c`, 'a'.repeat(5000))).toBe(false);
    // A generous bound only to catch exponential behaviour (seconds to years), not to time code.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
