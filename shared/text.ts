/**
 * Text from outside (a policy value, a key, a run id, a body) echoed in an error: one line, and
 * bounded. A line break would let the echo pose as another error line (or another chat line); a
 * megabyte value would be a megabyte error.
 */
export function oneLine(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  const escaped = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}… (${escaped.length} characters)` : escaped;
}
