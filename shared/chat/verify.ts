/**
 * Verifying inbound chat requests (spec/chat-protocols.md §9.2, §10.2) on the exact bytes FC
 * delivered, before anything of the body is parsed. Comparisons are constant-time and never throw
 * on a length mismatch.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: string };

const SLACK_WINDOW_S = 5 * 60;
const DINGTALK_WINDOW_MS = 60 * 60_000;

function sameBytes(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Compare equal lengths only (timingSafeEqual throws otherwise), without revealing which differed.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Slack: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, timestamp within ±5 minutes. */
export function verifySlack(
  headers: Readonly<Record<string, string>>,
  rawBody: Buffer,
  signingSecret: string,
  nowMs: number,
): Verdict {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (!timestamp || !signature)
    return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed X-Slack-Request-Timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_WINDOW_S) {
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now' };
  }
  const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), rawBody]);
  const expected = `v0=${createHmac('sha256', signingSecret).update(base).digest('hex')}`;
  return sameBytes(signature, expected) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/**
 * DingTalk outgoing robot: Base64 HMAC-SHA256 of `<timestamp ms>\n<appSecret>`, timestamp within
 * one hour. The signature does not cover the body: callers must also refuse replays and check the
 * body's corp and sender (see replay.ts and the command route).
 */
export function verifyDingTalk(
  headers: Readonly<Record<string, string>>,
  appSecret: string,
  nowMs: number,
): Verdict {
  const timestamp = headers.timestamp;
  const sign = headers.sign;
  if (!timestamp || !sign) return { ok: false, reason: 'missing timestamp or sign header' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp header' };
  if (Math.abs(nowMs - Number(timestamp)) > DINGTALK_WINDOW_MS) {
    return { ok: false, reason: 'timestamp is more than an hour from now' };
  }
  const expected = createHmac('sha256', appSecret)
    .update(`${timestamp}\n${appSecret}`, 'utf8')
    .digest('base64');
  return sameBytes(sign, expected) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

export const DINGTALK_SIGNATURE_WINDOW_MS = DINGTALK_WINDOW_MS;
