/**
 * RPC signature v1 (HMAC-SHA1), the emulator's side of spec/cloud-apis.md §2.1.
 *
 * Deliberately independent of pop-core: the emulator recomputes what the real gateway recomputes,
 * so a client bug in encoding or sorting shows up as SignatureDoesNotMatch instead of being
 * mirrored by shared code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 unreserved set only: `encodeURIComponent` also leaves `! ' ( ) *` alone, the gateway does not. */
export function popEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The canonical query string: every parameter but `Signature`, sorted by raw name, encoded. */
export function rpcCanonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${popEncode(name)}=${popEncode(params[name] ?? '')}`)
    .join('&');
}

export function rpcStringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method.toUpperCase()}&${popEncode('/')}&${popEncode(rpcCanonicalQuery(params))}`;
}

export function rpcSignature(
  method: string,
  params: Readonly<Record<string, string>>,
  secret: string,
): string {
  return createHmac('sha1', `${secret}&`).update(rpcStringToSign(method, params), 'utf8').digest('base64');
}

/**
 * Merges query-string and form-body parameters (a later body value wins over the query).
 * pop-core's `method: 'post'` sends POST with everything in the query, `'POST'` sends a form body,
 * so both places must be read; URLSearchParams also copes with `+` for space from other clients.
 */
export function collectRpcParams(
  rawUrl: string,
  contentType: string | undefined,
  body: string,
): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (source: URLSearchParams): void => {
    for (const [name, value] of source) params[name] = value;
  };
  add(new URL(rawUrl, 'http://emulator.invalid').searchParams);
  if (body && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    add(new URLSearchParams(body));
  }
  return params;
}

/** Constant-time comparison, so the emulator does not model a timing oracle the real gateway lacks. */
export function rpcSignatureMatches(
  method: string,
  params: Readonly<Record<string, string>>,
  secret: string,
): boolean {
  const given = Buffer.from(params.Signature ?? '', 'utf8');
  const expected = Buffer.from(rpcSignature(method, params, secret), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A signed query string (canonical form plus `Signature`), as pop-core puts it in a GET URL or POST body. */
export function signRpcQuery(
  method: string,
  params: Readonly<Record<string, string>>,
  secret: string,
): string {
  return `${rpcCanonicalQuery(params)}&Signature=${popEncode(rpcSignature(method, params, secret))}`;
}
