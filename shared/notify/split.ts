/**
 * Packs a digest's lines into parts that each fit one message of a channel (UTF-8 bytes, header
 * line included). Breaks between sections where it can, else between lines; a line is cut only
 * when it alone is over the budget, on a code-point boundary, and every piece but the last ends
 * with CONTINUED_MARK.
 */

/** Ends every piece of a cut line but its last: the line goes on in the next piece. */
export const CONTINUED_MARK = '…';

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const MARK_BYTES = utf8Bytes(CONTINUED_MARK);
/** The smallest body budget that always makes progress: one 4-byte code point plus the mark. */
const MIN_BODY_BYTES = 4 + MARK_BYTES;

/**
 * The longest prefix of `text` whose `measure` is ≤ `max`, cut between code points (never inside
 * a surrogate pair, so never inside a UTF-8 character), and the rest. The prefix holds at least
 * one code point even when that one is over `max`, so a loop over the rest always ends.
 */
export function cutAtCodePoint(
  text: string,
  max: number,
  measure: (s: string) => number = utf8Bytes,
): [string, string] {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const n = measure(ch);
    if (used + n > max && end > 0) break;
    used += n;
    end += ch.length;
    if (used >= max) break;
  }
  return [text.slice(0, end), text.slice(end)];
}

/** A header costs its bytes plus the line feed after it; an empty header is left out entirely. */
const headerCost = (header: string): number => (header === '' ? 0 : utf8Bytes(header) + 1);

function render(header: string, lines: readonly string[]): string {
  const body = lines.join('\n');
  return header === '' ? body : `${header}\n${body}`;
}

/** Packs the lines given each part's body budget; returns the parts' lines. */
function pack(sections: readonly (readonly string[])[], budgetOf: (index: number) => number): string[][] {
  const parts: string[][] = [];
  let current: string[] = [];
  let used = 0; // bytes of current.join('\n')
  const budget = () => budgetOf(parts.length + 1);
  const nextBudget = () => budgetOf(parts.length + (current.length > 0 ? 2 : 1));
  const cost = (bytes: number) => (current.length === 0 ? bytes : used + 1 + bytes);
  const add = (line: string, bytes: number): void => {
    used = cost(bytes);
    current.push(line);
  };
  const addAll = (lines: readonly string[], sizes: readonly number[]): void => {
    lines.forEach((line, i) => {
      add(line, sizes[i] ?? 0);
    });
  };
  const flush = () => {
    if (current.length > 0) parts.push(current);
    current = [];
    used = 0;
  };

  for (const section of sections) {
    const sizes = section.map(utf8Bytes);
    const sectionBytes = sizes.reduce((sum, n) => sum + n, 0) + section.length - 1;
    if (cost(sectionBytes) <= budget()) {
      addAll(section, sizes);
      continue;
    }
    if (current.length > 0 && sectionBytes <= nextBudget()) {
      // Break between sections: the whole section fits in a part of its own.
      flush();
      addAll(section, sizes);
      continue;
    }
    // The section is larger than a part: break between its lines.
    section.forEach((line, i) => {
      const bytes = sizes[i] ?? 0;
      if (cost(bytes) <= budget()) {
        add(line, bytes);
        return;
      }
      flush();
      let rest = line;
      let restBytes = bytes;
      while (restBytes > budget()) {
        // Alone over the budget: cut on a code point, mark the piece, go on in the next part.
        const [head, tail] = cutAtCodePoint(rest, budget() - MARK_BYTES);
        add(`${head}${CONTINUED_MARK}`, utf8Bytes(head) + MARK_BYTES);
        flush();
        rest = tail;
        restBytes = utf8Bytes(rest);
      }
      add(rest, restBytes);
    });
  }
  flush();
  return parts;
}

/**
 * Splits `sections` (groups of lines) into message texts of at most `maxBytes` UTF-8 bytes each,
 * `header(i, n)` (1-based i of n parts; '' for none) on the first line of each. The number of
 * parts decides the header's length (`(9/9)` vs `(10/10)`), so packing repeats with headers for
 * every part count seen so far until the count it produces is one of them: then every header
 * actually written is no longer than the one the budget reserved room for.
 *
 * Returns [] when there is no line at all. Throws a RangeError when a header leaves no room for
 * text.
 */
export function splitIntoParts(
  sections: string[][],
  maxBytes: number,
  header: (i: number, n: number) => string,
): string[] {
  const nonEmpty = sections.filter((section) => section.length > 0);
  if (nonEmpty.length === 0) return [];
  const counts = new Set<number>([1]);
  const budgetOf = (index: number): number => {
    let reserve = 0;
    for (const n of counts) reserve = Math.max(reserve, headerCost(header(index, n)));
    const budget = maxBytes - reserve;
    if (budget < MIN_BODY_BYTES) {
      throw new RangeError(`a part of ${maxBytes} bytes leaves ${budget} bytes for text after its header`);
    }
    return budget;
  };
  for (;;) {
    const parts = pack(nonEmpty, budgetOf);
    if (counts.has(parts.length)) {
      return parts.map((lines, i) => render(header(i + 1, parts.length), lines));
    }
    counts.add(parts.length);
  }
}
