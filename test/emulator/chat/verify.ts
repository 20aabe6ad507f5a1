/**
 * The emulator's verifiers (the receiving side of §3.3, §4.2, §8.3). Pure functions: "now" is a
 * parameter, so tests can check the §11 vectors and clock boundaries without a server.
 */
import { createHmac } from 'node:crypto';
import type { WindowBoundary } from './types';
import { inWindow, safeEqual } from './util';

export const DINGTALK_WINDOW_MS = 3_600_000;
export const FEISHU_WINDOW_SEC = 3600;
export const STANDARD_TOLERANCE_SEC = 300;

/** Base64 HMAC-SHA256(key = secret, message = `${ts}\n${secret}`). */
export function dingtalkExpectedSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export type DingtalkSignResult = 'ok' | 'invalid timestamp' | 'sign not match';

/**
 * `timestamp` and `sign` as the HTTP framework decoded them from the query (once). Milliseconds;
 * missing, non-numeric or outside ±1 h → `invalid timestamp`.
 */
export function verifyDingtalkSign(
  secret: string,
  timestamp: string | null | undefined,
  sign: string | null | undefined,
  nowMs: number,
  boundary: WindowBoundary = 'inclusive',
  windowMs = DINGTALK_WINDOW_MS,
): DingtalkSignResult {
  if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return 'invalid timestamp';
  if (!inWindow(nowMs - Number(timestamp), windowMs, boundary)) return 'invalid timestamp';
  if (!sign || !safeEqual(dingtalkExpectedSign(secret, timestamp), sign)) return 'sign not match';
  return 'ok';
}

/** Base64 HMAC-SHA256(key = `${ts}\n${secret}`, message = empty). */
export function feishuExpectedSign(secret: string, timestamp: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).digest('base64');
}

/** Top-level `timestamp` (seconds, string or integer) and `sign` of the JSON body, ±1 h. */
export function verifyFeishuSign(
  secret: string,
  timestamp: unknown,
  sign: unknown,
  nowMs: number,
  boundary: WindowBoundary = 'inclusive',
  windowSec = FEISHU_WINDOW_SEC,
): boolean {
  const ts = typeof timestamp === 'number' && Number.isInteger(timestamp) ? String(timestamp) : timestamp;
  if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts)) return false;
  if (!inWindow(Math.floor(nowMs / 1000) - Number(ts), windowSec, boundary)) return false;
  return typeof sign === 'string' && safeEqual(feishuExpectedSign(secret, ts), sign);
}

/** Key = Base64-decoded part after `whsec_` (§8.2). */
export function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

export function standardWebhookExpected(
  secret: string,
  id: string,
  timestamp: string,
  body: Buffer | string,
): string {
  const mac = createHmac('sha256', standardWebhookKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

export type StandardWebhookResult = 'ok' | 'malformed' | 'too_old' | 'too_new' | 'bad_signature';

export interface StandardWebhookInput {
  secrets: readonly string[];
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer | string;
  nowMs: number;
  toleranceSec?: number | undefined;
  boundary?: WindowBoundary | undefined;
}

/**
 * §8.3: headers present, timestamp within tolerance (checked first, as the reference library
 * does), then any space-separated `v1,` candidate matching any secret.
 */
export function verifyStandardWebhook(input: StandardWebhookInput): StandardWebhookResult {
  const { id, timestamp, signature } = input;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || id.includes('.')) {
    return 'malformed';
  }
  const nowSec = Math.floor(input.nowMs / 1000);
  const tolerance = input.toleranceSec ?? STANDARD_TOLERANCE_SEC;
  const delta = nowSec - Number(timestamp);
  if (!inWindow(delta, tolerance, input.boundary ?? 'inclusive')) return delta > 0 ? 'too_old' : 'too_new';
  // Node joins a repeated header with ", ": drop the trailing comma such a join leaves behind.
  const candidates = signature
    .split(' ')
    .map((c) => c.replace(/,$/, ''))
    .filter((c) => c.startsWith('v1,'));
  for (const secret of input.secrets) {
    const expected = standardWebhookExpected(secret, id, timestamp, input.body);
    if (candidates.some((c) => safeEqual(c, expected))) return 'ok';
  }
  return 'bad_signature';
}
