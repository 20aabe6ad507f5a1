import { redactSecrets } from '../../redact';
import type { SendOutcome } from '../channel';

/**
 * What every driver shares: byte counting, text clean-up that keeps the JSON escaping cost bounded,
 * Retry-After, and the fallbacks for answers that are not the service's documented shape.
 */

/** Longest title (UTF-8 bytes) a driver puts on the wire; longer titles are cut (§13.4). */
export const TITLE_MAX_BYTES = 256;
/** A hostile or broken Retry-After cannot stall the queue longer than this (§1.9). */
export const RETRY_AFTER_CAP_MS = 15 * 60_000;
/** Wait after a 200 that an intermediary (proxy, portal) answered instead of the service. */
export const MALFORMED_RETRY_MS = 60_000;
/**
 * After `sanitizeText`, `JSON.stringify` writes at most 2 bytes for every UTF-8 byte of a string:
 * `"`, `\`, `\n`, `\t`, `\b`, `\f`, `\r` become 2 bytes, other ASCII stays 1, multi-byte UTF-8 is
 * written raw (same bytes), and a lone surrogate (counted as 3) has been replaced by U+FFFD (3).
 * The 6-byte `\u00XX` escapes of the other control characters cannot occur: they are replaced.
 */
export const JSON_ESCAPE_FACTOR = 2;

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Thrown by `request()` when a part cannot be posted as it stands; `sendPart` maps it to `failed`. */
export class PartRequestError extends Error {
  constructor(
    readonly code: 'too_large' | 'bad_config',
    message: string,
  ) {
    super(message);
    this.name = 'PartRequestError';
  }
}

function isControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a;
}

/**
 * Replaces C0 control characters other than tab and line feed with a space, and lone surrogates
 * with U+FFFD. Neither changes the UTF-8 byte count (`Buffer.byteLength` counts a lone surrogate
 * as the 3 bytes of U+FFFD), and afterwards `JSON.stringify` never needs a 6-byte escape.
 */
export function sanitizeText(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    let replacement: string | undefined;
    if (isControl(code)) {
      replacement = ' ';
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      replacement = '\ufffd';
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      replacement = '\ufffd';
    }
    if (replacement !== undefined) {
      out += text.slice(start, i) + replacement;
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

/** §13.4: at most `maxBytes` UTF-8 bytes, cut on a code-point boundary, `suffix` when cut. */
export function truncateUtf8(text: string, maxBytes: number, suffix = '…'): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(suffix);
  if (budget < 0) return '';
  let used = 0;
  let out = '';
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (used + n > budget) break;
    used += n;
    out += ch;
  }
  return out + suffix;
}

/** One line, clean, at most TITLE_MAX_BYTES; `fallback` when nothing is left. */
export function cleanTitle(title: string, fallback: string): string {
  const line = sanitizeText(title)
    .replace(/[\t\n]+/g, ' ')
    .trim();
  return truncateUtf8(line || fallback, TITLE_MAX_BYTES);
}

/**
 * Retry-After is delta-seconds or an HTTP date (§1.9). A date is measured from the response's own
 * `Date` header when it has one (both come from the server's clock, so our clock's skew does not
 * matter), else from `nowMs`. Capped at RETRY_AFTER_CAP_MS; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  dateHeader: string | null,
  nowMs: number,
): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    // An HTTP date names its month; Date.parse alone would take `-5` for the year -5.
    const at = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    const serverNow = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
    ms = at - (Number.isNaN(serverNow) ? nowMs : serverNow);
  }
  return Math.min(Math.max(0, ms), RETRY_AFTER_CAP_MS);
}

export function retryAfterOf(headers: Headers): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), headers.get('date'), Date.now());
}

/** The start of a response body, on one line, secrets removed: for messages, never the whole body. */
export function snippet(body: string, max = 200): string {
  // Scrub before cutting: a token cut in half is no longer recognisable as the channel's. A
  // service may echo the webhook URL or its token back; URLs and long token-like runs go.
  const line = redactSecrets(sanitizeText(body).replace(/\s+/g, ' ').trim())
    .replace(/\bhttps?:\/\/\S+/gi, '[url]')
    .replace(/[A-Za-z0-9_-]{16,}/g, '[redacted]');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

export const delivered = (): SendOutcome => ({ status: 'delivered' });

export function retry(code: string, message: string, retryAfterMs?: number): SendOutcome {
  return {
    status: 'retry',
    code,
    message,
    ...(retryAfterMs !== undefined ? { retryAfterMs: Math.min(retryAfterMs, RETRY_AFTER_CAP_MS) } : {}),
  };
}

export const failed = (code: string, message: string): SendOutcome => ({ status: 'failed', code, message });

/** 429 and 5xx: not delivered, try again (honouring Retry-After). Undefined for other statuses. */
export function httpRetryable(
  service: string,
  status: number,
  headers: Headers,
  body: string,
  defaultRetryMs?: number,
): SendOutcome | undefined {
  if (status !== 429 && status < 500) return undefined;
  const detail = snippet(body, 120);
  const what = status === 429 ? 'rate limited' : 'server error';
  return retry(
    `http_${status}`,
    `${service} answered HTTP ${status} (${what})${detail ? `: ${detail}` : ''}`,
    retryAfterOf(headers) ?? defaultRetryMs,
  );
}

/** A 3xx: never followed (§1.9), and a failure for every service but DingTalk. */
export function redirectFailed(service: string, status: number): SendOutcome {
  return failed(
    `http_${status}`,
    `${service} answered HTTP ${status} (redirect, not followed): check the webhook URL`,
  );
}

const looksLikeHtml = (body: string) => /^\s*</.test(body);

/**
 * A 2xx whose body is not the service's documented answer: NOT delivered. An empty or HTML body is
 * what a proxy, captive portal or load balancer page looks like, answered in the service's stead:
 * the service most likely never saw the post, so `retry` (after a minute). Any other body (JSON of
 * the wrong shape, other text) means the URL points at something that is not this service's
 * webhook: `failed`, since sending again cannot change that.
 */
export function malformedSuccess(
  service: string,
  status: number,
  body: string,
  expected: string,
): SendOutcome {
  const detail = snippet(body, 120);
  if (body.trim() === '' || looksLikeHtml(body)) {
    return retry(
      'malformed_response',
      `${service} answered HTTP ${status} with ${body.trim() === '' ? 'an empty body' : 'an HTML page'} instead of ${expected} (an intermediary answered?)`,
      MALFORMED_RETRY_MS,
    );
  }
  return failed(
    'unexpected_response',
    `${service} answered HTTP ${status} with a body that is not ${expected}: ${detail}`,
  );
}

/** JSON.parse to a plain object, or undefined. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The largest text (UTF-8 bytes) that keeps a body within `limitBytes`, given `envelopeBytes` for
 * the body with an empty text and the longest possible everything else: the text can cost at most
 * JSON_ESCAPE_FACTOR times its bytes once serialised.
 */
export function textBudget(limitBytes: number, envelopeBytes: number): number {
  return Math.floor((limitBytes - envelopeBytes) / JSON_ESCAPE_FACTOR);
}

/** The worst title for envelope measurements: TITLE_MAX_BYTES of `"`, each escaped to 2 bytes. */
export const WORST_TITLE = '"'.repeat(TITLE_MAX_BYTES);
