import { createHmac } from 'node:crypto';
import { CHANNEL_CAPS } from '../caps';
import type { ChannelDriver, HttpRequestSpec, SendOutcome } from '../channel';
import {
  cleanTitle,
  delivered,
  failed,
  httpRetryable,
  JSON_HEADERS,
  malformedSuccess,
  PartRequestError,
  parseJsonObject,
  retry,
  sanitizeText,
  snippet,
  textBudget,
  utf8Bytes,
  WORST_TITLE,
} from './common';

/** DingTalk custom robot (spec/chat-protocols.md §3): `markdown` with title and text. */

const CAPS = CHANNEL_CAPS.dingtalk;
const SERVICE = 'DingTalk';

/** §3.3: HMAC-SHA256 keyed by the secret over `<ms timestamp>\n<secret>`, standard Base64. */
export function dingtalkSign(secret: string, timestampMs: number | string): string {
  return createHmac('sha256', secret)
    .update(`${String(timestampMs)}\n${secret}`)
    .digest('base64');
}

/**
 * The URL to post to: `timestamp` (ms) and `sign` are set with URLSearchParams, which
 * percent-encodes `+ / =` exactly once and replaces earlier values, so they never stack (§3.8).
 */
export function dingtalkSignedUrl(webhookUrl: string, secret: string, nowMs: number): string {
  const url = new URL(webhookUrl);
  const timestamp = String(Math.floor(nowMs));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('sign', dingtalkSign(secret, timestamp));
  return url.toString();
}

export function dingtalkBody(title: string, text: string): string {
  return JSON.stringify({ msgtype: 'markdown', markdown: { title, text } });
}

/** §3.7: the whole request body, UTF-8 bytes. */
export const DINGTALK_MAX_BODY_BYTES = CAPS.maxBodyBytes;
/** The body with an empty text and the worst title: the envelope every text shares. */
const ENVELOPE_BYTES = utf8Bytes(dingtalkBody(WORST_TITLE, ''));

function interpret(status: number, headers: Headers, body: string): SendOutcome {
  // §3.7 [UNCONFIRMED]: while a robot is blocked, DingTalk may redirect instead of answering
  // 130101. Any 3xx from DingTalk is "throttled": never followed, retried after the block.
  if (status >= 300 && status < 400) {
    return retry(
      `http_${status}`,
      `${SERVICE} answered HTTP ${status} (a redirect: DingTalk's answer while a robot is blocked for sending too fast)`,
      CAPS.blockAfterLimitMs,
    );
  }
  const http = httpRetryable(SERVICE, status, headers, body);
  if (http) return http;
  const json = parseJsonObject(body);
  const errcode = json?.errcode;
  if (typeof errcode !== 'number') {
    if (status >= 200 && status < 300) return malformedSuccess(SERVICE, status, body, '{"errcode":…}');
    return failed(`http_${status}`, `${SERVICE} answered HTTP ${status}: ${snippet(body)}`);
  }
  const errmsg = typeof json?.errmsg === 'string' ? snippet(json.errmsg) : '';
  if (errcode === 0) {
    return status === 200
      ? delivered()
      : failed(`http_${status}`, `${SERVICE} answered errcode 0 with HTTP ${status}, not 200`);
  }
  const code = `dingtalk_${errcode}`;
  const message = `${SERVICE} errcode ${errcode}: ${errmsg}`;
  switch (errcode) {
    case 130101:
      // 20 per minute exceeded: the robot is blocked for 10 minutes (§3.7).
      return retry(code, `${message} (robot blocked for 10 minutes)`, CAPS.blockAfterLimitMs);
    case 310000:
      if (/^(invalid timestamp|sign not match)/.test(errmsg)) {
        return failed(code, `${message} (check the signing secret and this host's clock)`);
      }
      return failed(code, `${message} (robot security settings: keyword, IP allow-list or signing)`);
    case 300001:
    case 300005:
    case 40035:
      return failed(code, `${message} (the access_token is wrong or the robot was removed)`);
    case 460101:
      return failed(code, `${message} (body over ${DINGTALK_MAX_BODY_BYTES} bytes)`);
    case 90030:
      return failed(code, `${message} (monthly quota used up: it will not clear this month)`);
    default:
      return failed(code, message);
  }
}

export const dingtalkDriver: ChannelDriver = {
  type: 'dingtalk',
  flavour: 'markdown',
  // Body ≤ 20 000 bytes: (20 000 − envelope with a 256-byte all-escapes title) / 2.
  maxTextBytes: textBudget(DINGTALK_MAX_BODY_BYTES, ENVELOPE_BYTES),
  rate: CAPS.rate,
  request(channel, part, nowMs): HttpRequestSpec {
    const title = cleanTitle(part.title, `imagegw digest (${part.index}/${part.total})`);
    const body = dingtalkBody(title, sanitizeText(part.text));
    const bytes = utf8Bytes(body);
    if (bytes > DINGTALK_MAX_BODY_BYTES) {
      throw new PartRequestError(
        'too_large',
        `${SERVICE} body would be ${bytes} bytes (limit ${DINGTALK_MAX_BODY_BYTES})`,
      );
    }
    const url = channel.secret ? dingtalkSignedUrl(channel.url, channel.secret, nowMs) : channel.url;
    return { url, headers: { ...JSON_HEADERS }, body };
  },
  interpret,
};
