import { CHANNEL_CAPS } from '../caps';
import type { ChannelDriver, HttpRequestSpec, SendOutcome } from '../channel';
import {
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
  utf8Bytes,
} from './common';

/**
 * WeCom group robot (spec/chat-protocols.md §5): `markdown`, which keeps font colours and
 * `<@userid>` mentions (`markdown_v2` loses both and shows as plain text on older clients). No
 * signing exists; the `key` in the URL is the only secret.
 */

const CAPS = CHANNEL_CAPS.wecom;
const SERVICE = 'WeCom';

/** §5.3: `markdown.content` ≤ 4096 UTF-8 bytes. A field limit, so JSON escaping does not count. */
export const WECOM_MARKDOWN_MAX_BYTES =
  CAPS.fieldLimits.find((limit) => limit.path === 'markdown.content')?.max ?? 4096;

export function wecomBody(content: string): string {
  return JSON.stringify({ msgtype: 'markdown', markdown: { content } });
}

/** "Retry after a minute" (§5.5): the block length after 45009 is [UNCONFIRMED]. */
const RATE_LIMITED_WAIT_MS = 60_000;

function interpret(status: number, headers: Headers, body: string): SendOutcome {
  if (status >= 300 && status < 400) return redirectFailed(SERVICE, status);
  const http = httpRetryable(SERVICE, status, headers, body);
  if (http) return http;
  const json = parseJsonObject(body);
  const errcode = json?.errcode;
  if (typeof errcode !== 'number') {
    if (status >= 200 && status < 300) return malformedSuccess(SERVICE, status, body, '{"errcode":…}');
    return failed(`http_${status}`, `${SERVICE} answered HTTP ${status}: ${snippet(body)}`);
  }
  if (errcode === 0) {
    return status === 200
      ? delivered()
      : failed(`http_${status}`, `${SERVICE} answered errcode 0 with HTTP ${status}, not 200`);
  }
  // errmsg carries a request id, the caller's IP and a lookup link: match on errcode only.
  const errmsg = typeof json?.errmsg === 'string' ? snippet(json.errmsg.replace(/,\s*hint:.*$/s, '')) : '';
  const code = `wecom_${errcode}`;
  const message = `${SERVICE} errcode ${errcode}: ${errmsg}`;
  switch (errcode) {
    case 45009:
      return retry(code, `${message} (rate limited: 20 per minute)`, RATE_LIMITED_WAIT_MS);
    case 93000:
      return failed(code, `${message} (the key is wrong or the robot was removed from the group)`);
    case 40058:
      return failed(code, `${message} (content over ${WECOM_MARKDOWN_MAX_BYTES} bytes)`);
    default:
      return failed(code, message);
  }
}

export const wecomDriver: ChannelDriver = {
  type: 'wecom',
  flavour: 'markdown',
  // The text is the whole `markdown.content`; the title is not rendered (the text carries it).
  maxTextBytes: WECOM_MARKDOWN_MAX_BYTES,
  rate: CAPS.rate,
  request(channel, part): HttpRequestSpec {
    const content = sanitizeText(part.text);
    const bytes = utf8Bytes(content);
    if (bytes > WECOM_MARKDOWN_MAX_BYTES) {
      throw new PartRequestError(
        'too_large',
        `${SERVICE} markdown.content would be ${bytes} bytes (limit ${WECOM_MARKDOWN_MAX_BYTES})`,
      );
    }
    return { url: channel.url, headers: { ...JSON_HEADERS }, body: wecomBody(content) };
  },
  interpret,
};
