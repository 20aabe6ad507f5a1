/**
 * Escaping for the report page. Every value from a report (cluster names, finding values and
 * messages, waiver reasons, rule ids) is untrusted text: it goes through `esc` whether it lands in
 * an element's text, an attribute value or an SVG `<title>`.
 */

// C0 controls other than tab and line breaks, DEL, and C1 controls: never useful, sometimes harmful.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * Invisible characters that reorder or hide text (bidi embeddings, overrides and isolates, marks,
 * zero-width space, BOM): shown as `[U+202E]`, so a name cannot pose as another.
 */
const INVISIBLE = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A surrogate without its other half cannot be written as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The text as it is displayed: no control characters, visible bidi controls, one-line separators. */
export function clean(value: string): string {
  return value
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(CONTROL, '')
    .replace(/[\u2028\u2029]/g, ' ')
    .replace(
      INVISIBLE,
      (char) => `[U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`,
    );
}

/** Safe as element text and as a double- or single-quoted attribute value, in HTML and inline SVG. */
export function esc(value: string | number): string {
  return clean(String(value)).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** `clean` text cut to `max` characters (code points) with an ellipsis, for chart labels. */
export function shorten(value: string, max: number): string {
  const chars = [...clean(value)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Code-point order: the same on every machine, unlike `localeCompare`. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
