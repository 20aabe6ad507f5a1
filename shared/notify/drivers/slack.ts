import { CHANNEL_CAPS } from '../caps';
import type { ChannelDriver, HttpRequestSpec, SendOutcome } from '../channel';
import { cutAtCodePoint } from '../split';
import {
  cleanTitle,
  delivered,
  failed,
  httpRetryable,
  JSON_HEADERS,
  malformedSuccess,
  PartRequestError,
  redirectFailed,
  sanitizeText,
  snippet,
} from './common';

/**
 * Slack incoming webhook (spec/chat-protocols.md §6): `blocks` of mrkdwn sections, with the title
 * as the `text` fallback that notifications show. Section text ≤ 3000 characters, ≤ 50 blocks: a
 * long text is cut into several sections on line boundaries.
 */

const CAPS = CHANNEL_CAPS.slack;
const SERVICE = 'Slack';

const limitOf = (path: string, fallback: number) =>
  CAPS.fieldLimits.find((limit) => limit.path === path)?.max ?? fallback;
export const SLACK_SECTION_MAX_CHARS = limitOf('section.text.text', 3000);
export const SLACK_MAX_BLOCKS = limitOf('blocks', 50);
/**
 * Slack counts characters; `string.length` (UTF-16 units) never undercounts them, and a text of
 * N UTF-8 bytes has at most N UTF-16 units. 12 000 stays under the ~13 000-character total for all
 * blocks reported for chat.postMessage (§6.3 [UNCONFIRMED] for webhooks), and needs at most 9
 * sections (two neighbouring sections always take at least 3000 characters of the text together),
 * far below the 50-block limit.
 */
export const SLACK_MAX_TEXT_BYTES = 12_000;

/** Escapes `&`, `<`, `>` (§6.6), leaving entities that are already escaped alone. */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Cuts mrkdwn into section texts of at most `max` UTF-16 units, breaking between lines; a line
 * longer than `max` alone is cut on a code-point boundary. Sections with nothing visible (blank
 * lines only) are dropped: Slack rejects an empty section text.
 */
export function slackSections(text: string, max = SLACK_SECTION_MAX_CHARS): string[] {
  const sections: string[] = [];
  let current: string | undefined;
  const flush = () => {
    if (current !== undefined && current.trim() !== '') sections.push(current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > max) {
      flush();
      const [head, tail] = cutAtCodePoint(rest, max, (s) => s.length);
      if (head.trim() !== '') sections.push(head);
      rest = tail;
    }
    if (current !== undefined && current.length + 1 + rest.length <= max) {
      current = `${current}\n${rest}`;
    } else {
      flush();
      current = rest;
    }
  }
  flush();
  return sections;
}

export interface SlackSection {
  type: 'section';
  text: { type: 'mrkdwn'; text: string };
}

/** One section per `slackSections` chunk; the title alone when the text shows nothing. */
export function slackBlocks(title: string, text: string): SlackSection[] {
  const sections = slackSections(text);
  return (sections.length > 0 ? sections : [title]).map((section) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: section },
  }));
}

export function slackBody(title: string, blocks: readonly SlackSection[]): string {
  return JSON.stringify({ text: title, blocks, unfurl_links: false, unfurl_media: false });
}

function interpret(status: number, headers: Headers, body: string): SendOutcome {
  const answer = body.trim();
  if (status === 200 && answer === 'ok') return delivered();
  if (status >= 300 && status < 400) return redirectFailed(SERVICE, status);
  // §6.5: 429 + Retry-After (seconds); without one, wait a second (the documented rate).
  const http = httpRetryable(SERVICE, status, headers, body, 1000);
  if (http) return http;
  if (status >= 200 && status < 300) return malformedSuccess(SERVICE, status, body, 'ok');
  const word = /^[a-z_]{1,64}$/.test(answer) ? answer : undefined;
  const code = word ? `slack_${word}` : `http_${status}`;
  const detail = snippet(body, 120);
  const message = `${SERVICE} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 404 || status === 410) {
    return failed(code, `${message} (webhook revoked, channel archived or URL wrong: disable the channel)`);
  }
  if (status === 400) return failed(code, `${message} (the service rejected the message)`);
  return failed(code, message);
}

export const slackDriver: ChannelDriver = {
  type: 'slack',
  flavour: 'slack-mrkdwn',
  maxTextBytes: SLACK_MAX_TEXT_BYTES,
  rate: CAPS.rate,
  request(channel, part): HttpRequestSpec {
    const title = escapeMrkdwn(cleanTitle(part.title, `imagegw digest (${part.index}/${part.total})`));
    const blocks = slackBlocks(title, sanitizeText(part.text));
    if (blocks.length > SLACK_MAX_BLOCKS) {
      throw new PartRequestError(
        'too_large',
        `${SERVICE} message would have ${blocks.length} blocks (limit ${SLACK_MAX_BLOCKS})`,
      );
    }
    return { url: channel.url, headers: { ...JSON_HEADERS }, body: slackBody(title, blocks) };
  },
  interpret,
};
