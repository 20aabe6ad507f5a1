/**
 * OSS header signature v1 (HMAC-SHA1), the emulator's side. Written from the OSS documentation's
 * algorithm rather than by importing ali-oss, so a client bug in canonicalisation shows up as
 * SignatureDoesNotMatch instead of being mirrored by shared code:
 *
 *   Signature = base64(hmac-sha1(secret, VERB \n Content-MD5 \n Content-Type \n Date \n
 *                                       CanonicalizedOSSHeaders + CanonicalizedResource))
 *
 * Date is the `x-oss-date` header when the request has one (ali-oss 6 sends only that), else `Date`.
 * CanonicalizedOSSHeaders: every `x-oss-*` header, lower-cased, value trimmed, sorted, `name:value\n`.
 * CanonicalizedResource: `/bucket/object` (object name unescaped), `/bucket/` for bucket requests,
 * plus the signed sub-resources from the query, sorted, `?a&b=c` (values unescaped).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Query parameters that are part of the canonicalized resource (the OSS documentation's list). */
export const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'acl',
  'append',
  'bucketInfo',
  'cname',
  'comp',
  'continuation-token',
  'cors',
  'delete',
  'endTime',
  'img',
  'lifecycle',
  'live',
  'location',
  'logging',
  'objectMeta',
  'partNumber',
  'policy',
  'position',
  'qos',
  'referer',
  'replication',
  'replicationLocation',
  'replicationProgress',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'security-token',
  'startTime',
  'status',
  'style',
  'styleName',
  'symlink',
  'tagging',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'vod',
  'website',
  'x-oss-process',
]);

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}

export function canonicalizedResource(bucket: string, objectKey: string, query: URLSearchParams): string {
  const signed = [...query.keys()].filter((name) => SIGNED_SUBRESOURCES.has(name)).sort();
  const sub = signed.map((name) => {
    const value = query.get(name) ?? '';
    return value === '' ? name : `${name}=${value}`;
  });
  return `/${bucket}/${objectKey}${sub.length > 0 ? `?${sub.join('&')}` : ''}`;
}

export function stringToSign(method: string, headers: IncomingHttpHeaders, resource: string): string {
  const ossHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${header(headers, name).trim()}\n`)
    .join('');
  const date = header(headers, 'x-oss-date') || header(headers, 'date');
  return [
    method.toUpperCase(),
    header(headers, 'content-md5'),
    header(headers, 'content-type'),
    date,
    `${ossHeaders}${resource}`,
  ].join('\n');
}

export function signatureV1(secret: string, toSign: string): string {
  return createHmac('sha1', secret).update(toSign, 'utf8').digest('base64');
}

/** Parses `Authorization: OSS <AccessKeyId>:<Signature>`; undefined when malformed. */
export function parseAuthorization(
  value: string | undefined,
): { keyId: string; signature: string } | undefined {
  const match = /^OSS ([^:\s]+):(\S+)$/.exec(value ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { keyId: match[1], signature: match[2] };
}

/** Constant-time comparison, so the emulator models no timing oracle. */
export function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
