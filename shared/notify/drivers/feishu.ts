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
  redirectFailed,
  retry,
  sanitizeText,
  snippet,
  textBudget,
  utf8Bytes,
  WORST_TITLE,
} from './common';

/**
 * Feishu / Lark custom bot (spec/chat-protocols.md §4): an `interactive` card, header = title,
 * one `markdown` element = text.
 *
 * Why a card and not `post`: the digest is written as markdown, and a card's markdown element
 * renders it (bold, links, lists, inline code, line breaks) as written. `post` has no markdown: its
 * `text` elements show `**` and `[..](..)` literally, so every line would have to be re-parsed into
 * `text`/`a` tags. The card header also gives the title a coloured bar that stands out in the chat,
 * and it is what the chat list shows. The cost, cards being fixed once sent, does not matter for a
 * digest (custom-bot cards cannot be updated or call back anyway, §4.3).
 */

const CAPS = CHANNEL_CAPS.feishu;
const SERVICE = 'Feishu';

/** §4.2: HMAC-SHA256 keyed by `<s timestamp>\n<secret>` over an EMPTY message, standard Base64. */
export function feishuSign(secret: string, timestampSec: number | string): string {
  return createHmac('sha256', `${String(timestampSec)}\n${secret}`).digest('base64');
}

export function feishuBody(
  title: string,
  text: string,
  signature?: { timestamp: string; sign: string },
): string {
  return JSON.stringify({
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: 'blue', title: { tag: 'plain_text', content: title } },
      elements: [{ tag: 'markdown', content: text }],
    },
    ...signature,
  });
}

/** §4.6: "20 KB", budgeted as 20 000 bytes (covers 20 480 too). */
export const FEISHU_MAX_BODY_BYTES = CAPS.maxBodyBytes;
/** Envelope with the worst title and the longest signature fields (11-digit timestamp, 44-char sign). */
const ENVELOPE_BYTES = utf8Bytes(
  feishuBody(WORST_TITLE, '', { timestamp: '9'.repeat(11), sign: 'A'.repeat(44) }),
);
/** No Retry-After in Feishu's answers: wait out the longest window (100 per minute). */
const RATE_LIMITED_WAIT_MS = Math.max(...CAPS.rate.map((rule) => rule.windowMs));

function interpret(status: number, headers: Headers, body: string): SendOutcome {
  if (status >= 300 && status < 400) return redirectFailed(SERVICE, status);
  const http = httpRetryable(SERVICE, status, headers, body);
  if (http) return http;
  // Judge by `code` whatever the status (9499 may come with 400, §4.5). The legacy `StatusCode`
  // only ever reports a failure: a body without `code` is never a success.
  const json = parseJsonObject(body);
  const code = typeof json?.code === 'number' ? json.code : undefined;
  const legacy = typeof json?.StatusCode === 'number' && json.StatusCode !== 0 ? json.StatusCode : undefined;
  const result = code ?? legacy;
  if (result === undefined) {
    if (status >= 200 && status < 300) return malformedSuccess(SERVICE, status, body, '{"code":…}');
    return failed(`http_${status}`, `${SERVICE} answered HTTP ${status}: ${snippet(body)}`);
  }
  const rawMsg = code !== undefined ? json?.msg : json?.StatusMessage;
  const msg = typeof rawMsg === 'string' ? snippet(rawMsg) : '';
  if (result === 0) {
    return status === 200
      ? delivered()
      : failed(`http_${status}`, `${SERVICE} answered code 0 with HTTP ${status}, not 200`);
  }
  const outcomeCode = `feishu_${result}`;
  const message = `${SERVICE} code ${result}: ${msg}`;
  switch (result) {
    case 11232:
    case 11220: // named for rate limiting by one blog [UNCONFIRMED]: retryable if ever seen (§4.5)
      return retry(outcomeCode, `${message} (rate limited)`, RATE_LIMITED_WAIT_MS);
    case 19021:
      return failed(outcomeCode, `${message} (check the signing secret and this host's clock)`);
    case 19001:
      return failed(outcomeCode, `${message} (the hook token is wrong or the bot was removed)`);
    case 19022:
    case 19024:
      return failed(outcomeCode, `${message} (bot security settings: IP allow-list or keywords)`);
    case 9499:
    case 19002:
      return failed(outcomeCode, `${message} (the service rejected the message format or size)`);
    default:
      return failed(outcomeCode, message);
  }
}

export const feishuDriver: ChannelDriver = {
  type: 'feishu',
  flavour: 'markdown',
  // Body ≤ 20 000 bytes: (20 000 − card envelope with worst title and signature) / 2.
  maxTextBytes: textBudget(FEISHU_MAX_BODY_BYTES, ENVELOPE_BYTES),
  rate: CAPS.rate,
  request(channel, part, nowMs): HttpRequestSpec {
    const title = cleanTitle(part.title, `imagegw digest (${part.index}/${part.total})`);
    let signature: { timestamp: string; sign: string } | undefined;
    if (channel.secret) {
      const timestamp = String(Math.floor(nowMs / 1000));
      signature = { timestamp, sign: feishuSign(channel.secret, timestamp) };
    }
    const body = feishuBody(title, sanitizeText(part.text), signature);
    const bytes = utf8Bytes(body);
    if (bytes > FEISHU_MAX_BODY_BYTES) {
      throw new PartRequestError(
        'too_large',
        `${SERVICE} body would be ${bytes} bytes (limit ${FEISHU_MAX_BODY_BYTES})`,
      );
    }
    return { url: channel.url, headers: { ...JSON_HEADERS }, body };
  },
  interpret,
};
