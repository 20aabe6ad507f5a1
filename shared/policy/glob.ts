/**
 * `*` matches any run of characters (none included); every other character matches itself.
 * Matched with the two-pointer wildcard algorithm, not a RegExp: `.*` per star backtracks
 * exponentially (`*a*a*a*…c` against a long id hung the audit), this is O(pattern × text).
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p += 1;
      t += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = t;
      p += 1;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

export function globMatcher(pattern: string): (text: string) => boolean {
  return (text) => globMatches(pattern, text);
}

export function matchesAny(
  matchers: readonly ((text: string) => boolean)[] | undefined,
  text: string,
): boolean {
  return matchers === undefined || matchers.some((matches) => matches(text));
}
