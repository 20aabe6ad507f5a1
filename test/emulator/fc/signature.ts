/**
 * The FC API 2016-08-15 request signature (spec/cloud-apis.md §4.4), as `@alicloud/fc2` computes it
 * and as the emulator verifies it:
 *
 *   StringToSign  = METHOD \n content-md5 \n content-type \n date \n
 *                   CanonicalizedFCHeaders CanonicalizedResource
 *   Authorization = "FC " + keyId + ":" + Base64(HMAC-SHA256(secret, StringToSign))
 *
 * CanonicalizedResource is the full path including `/2016-08-15`. Paths under `/proxy/` would also
 * sign their query; FC's invoke path never does, and the emulator serves nothing else.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const FC_API_VERSION = '2016-08-15';

type HeaderBag =
  | IncomingHttpHeaders
  | Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** fc2's `content-md5`: Base64 of the *hex string* of the MD5 digest (not of the raw 16 bytes). */
export function fc2ContentMd5(body: Buffer | string): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}

/** Case-insensitive header lookup; repeated values joined with `,` (Node joins unknown headers with `, `). */
function headerValue(headers: HeaderBag, name: string): string {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase().trim() !== name || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : String(value);
  }
  return '';
}

/** Every `x-fc-*` header, lower-cased, trimmed and sorted, as `name:value\n` lines. */
export function canonicalizedFcHeaders(headers: HeaderBag): string {
  const names = [
    ...new Set(
      Object.keys(headers)
        .map((name) => name.toLowerCase().trim())
        .filter((name) => name.startsWith('x-fc-')),
    ),
  ].sort();
  return names.map((name) => `${name}:${headerValue(headers, name)}\n`).join('');
}

/** `pathname` is the request path without query, including the `/2016-08-15` prefix. */
export function fcStringToSign(method: string, pathname: string, headers: HeaderBag): string {
  return [
    method.toUpperCase(),
    headerValue(headers, 'content-md5'),
    headerValue(headers, 'content-type'),
    headerValue(headers, 'date'),
    `${canonicalizedFcHeaders(headers)}${pathname}`,
  ].join('\n');
}

export function fcSignature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

export function fcAuthorization(accessKeyId: string, accessKeySecret: string, stringToSign: string): string {
  return `FC ${accessKeyId}:${fcSignature(accessKeySecret, stringToSign)}`;
}

/** `FC <keyId>:<signature>`; undefined when the header has another shape. The key id may hold dots (STS.). */
export function parseFcAuthorization(
  header: string | undefined,
): { accessKeyId: string; signature: string } | undefined {
  const match = /^FC ([^:\s]+):(\S+)$/.exec(header?.trim() ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], signature: match[2] };
}

/** Constant-time comparison of the signature given with the one computed from the request. */
export function fcSignatureMatches(given: string, accessKeySecret: string, stringToSign: string): boolean {
  const expected = Buffer.from(fcSignature(accessKeySecret, stringToSign), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface SignFcRequestInput {
  method: string;
  /** Path including `/2016-08-15`, without query. */
  path: string;
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  body?: Buffer | string;
  /** Sent as `x-fc-security-token` (and signed) when given. */
  securityToken?: string;
  /** Default: now, as `toUTCString()`. */
  date?: string;
  /** Extra headers (lower-case names), e.g. `x-fc-invocation-type`; `x-fc-*` ones are signed. */
  headers?: Record<string, string>;
}

/**
 * The headers fc2 would send, for tests that need a request fc2 refuses to build (an STS key with no
 * token, a standard-form Content-MD5, a missing header): build, tamper, send with fetch.
 */
export function signFcRequest(input: SignFcRequestInput): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    date: input.date ?? new Date().toUTCString(),
    'x-fc-account-id': input.accountId,
    ...input.headers,
  };
  if (input.securityToken !== undefined) headers['x-fc-security-token'] = input.securityToken;
  const body = input.body === undefined ? undefined : Buffer.from(input.body);
  if (body && body.length > 0) {
    headers['content-type'] = 'application/octet-stream';
    headers['content-length'] = String(body.length);
    headers['content-md5'] = fc2ContentMd5(body);
  }
  headers.authorization = fcAuthorization(
    input.accessKeyId,
    input.accessKeySecret,
    fcStringToSign(input.method, input.path, headers),
  );
  return headers;
}
