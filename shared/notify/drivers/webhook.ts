import { createHmac } from 'node:crypto';
import type { ChannelDriver, HttpRequestSpec, OutgoingPart, SendOutcome } from '../channel';
import {
  cleanTitle,
  delivered,
  failed,
  httpRetryable,
  JSON_HEADERS,
  PartRequestError,
  redirectFailed,
  retry,
  sanitizeText,
  snippet,
  textBudget,
  utf8Bytes,
  WORST_TITLE,
} from './common';

/**
 * A generic receiver signed the Standard Webhooks way (spec/chat-protocols.md §8): a JSON event
 * per part, `webhook-id` = the part id (unchanged across retries: the receiver's idempotency key),
 * `webhook-timestamp` = seconds of this attempt, `webhook-signature` = `v1,<base64 HMAC-SHA256>`
 * over `<id>.<timestamp>.<body>` keyed by the Base64-decoded secret after `whsec_`.
 */

const SERVICE = 'Webhook receiver';
export const WEBHOOK_EVENT_TYPE = 'imagegw.digest.part';

/** §8.2 step 2: the key is the Base64-DECODED part after `whsec_` (N8: never the text). */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** §8.2: `v1,` + Base64 of HMAC-SHA256(key, `<id>.<timestamp>.<body>`). */
export function standardWebhooksSign(
  secret: string,
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  const mac = createHmac('sha256', standardWebhooksKey(secret))
    .update(`${msgId}.${timestampSec}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * `webhook-id` must not contain `.` (§8.1) and a header value must be ASCII: every byte outside
 * `A-Z a-z 0-9 - _ / : ~` is percent-encoded (`.` as `%2E`, `%` as `%25`). Ids made of those
 * characters, such as `<runId>/<channel>/<index>`, go out unchanged.
 */
export function webhookId(partId: string): string {
  return partId.replace(/[^A-Za-z0-9\-_/:~]/gu, (ch) =>
    [...Buffer.from(ch, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

export function webhookEvent(part: OutgoingPart, title: string, text: string) {
  return {
    type: WEBHOOK_EVENT_TYPE,
    id: part.id,
    runId: part.runId,
    channel: part.channel,
    index: part.index,
    total: part.total,
    title,
    text,
  };
}

/**
 * The spec suggests keeping payloads under about 20 KB (§8.4); a receiver decides its own limit.
 * The envelope is measured with the worst title, run ids and channel names of up to 128 bytes that
 * are all escapes, and 4-digit index and total. (Longer names make the body larger than 20 000
 * bytes, which no receiver is known to reject: there is no hard limit to break.)
 */
export const WEBHOOK_TARGET_BODY_BYTES = 20_000;
const WORST_NAME = '"'.repeat(128);
const ENVELOPE_BYTES = utf8Bytes(
  JSON.stringify(
    webhookEvent(
      {
        id: `${WORST_NAME}/${WORST_NAME}/9999`,
        runId: WORST_NAME,
        channel: WORST_NAME,
        index: 9999,
        total: 9999,
        title: '',
        text: '',
      },
      WORST_TITLE,
      '',
    ),
  ),
);

function interpret(status: number, headers: Headers, body: string): SendOutcome {
  // §8.4: any 2xx is success (the body is not read); 410 = stop sending; 429/502/504 = slow down.
  if (status >= 200 && status < 300) return delivered();
  if (status >= 300 && status < 400) return redirectFailed(SERVICE, status);
  const http = httpRetryable(SERVICE, status, headers, body);
  if (http) return http;
  const detail = snippet(body, 120);
  const message = `${SERVICE} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 410)
    return failed('http_410', `${message} (the receiver wants no more: disable the channel)`);
  // Auth (bad signature, stale timestamp), format and size answers do not change on a resend.
  if ([400, 401, 403, 404, 405, 413, 415, 422].includes(status)) return failed(`http_${status}`, message);
  // §8.4: every other outcome is a failed attempt, retried with backoff (408, 409, 425, …).
  return retry(`http_${status}`, message);
}

export const webhookDriver: ChannelDriver = {
  type: 'webhook',
  flavour: 'plain',
  maxTextBytes: textBudget(WEBHOOK_TARGET_BODY_BYTES, ENVELOPE_BYTES),
  rate: [],
  request(channel, part, nowMs): HttpRequestSpec {
    const title = cleanTitle(part.title, `imagegw digest (${part.index}/${part.total})`);
    const body = JSON.stringify(webhookEvent(part, title, sanitizeText(part.text)));
    const id = webhookId(part.id);
    const timestamp = Math.floor(nowMs / 1000);
    const headers: Record<string, string> = {
      ...JSON_HEADERS,
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
    };
    if (channel.secret) {
      if (standardWebhooksKey(channel.secret).length === 0) {
        throw new PartRequestError('bad_config', `${SERVICE} secret is not a whsec_<base64> key`);
      }
      headers['webhook-signature'] = standardWebhooksSign(channel.secret, id, timestamp, body);
    }
    return { url: channel.url, headers, body };
  },
  interpret,
};
