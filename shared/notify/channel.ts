import type { Severity } from '../audit/types';

/** The chat services a channel can be (spec/chat-protocols.md); `webhook` is Standard Webhooks. */
export const CHANNEL_TYPES = ['dingtalk', 'feishu', 'wecom', 'slack', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** One configured destination, from the channels file, with `${VAR}`s already substituted. */
export interface Channel {
  name: string;
  type: ChannelType;
  /** A credential itself (it holds the token): never printed; see `describeChannelUrl`. */
  url: string;
  /** DingTalk/Feishu signing secret; for `webhook`, the Standard Webhooks secret (`whsec_…`). */
  secret?: string;
  /** Lowest severity this channel hears about. */
  minSeverity: Severity;
  /** Seconds between reminders of what is still open when nothing changed. */
  remindEvery: number;
}

/** One part of a digest, rendered for its channel. Its id is stable across retries of the run. */
export interface OutgoingPart {
  /** `<runId>/<channel>/<index>`: recorded when delivered, so no part is posted twice. */
  id: string;
  runId: string;
  channel: string;
  /** 1-based. */
  index: number;
  total: number;
  /** A short title (DingTalk markdown title, Slack fallback text). */
  title: string;
  /** The rendered body, already within the channel's byte limit. */
  text: string;
}

/** What one attempt to post a part came to. */
export type SendOutcome =
  | { status: 'delivered' }
  /** Not delivered, and safe to try again (rate limit, 5xx, refused, reset before a response). */
  | { status: 'retry'; code: string; message: string; retryAfterMs?: number }
  /** The client gave up after sending: the service may have accepted it. Never resent by this run. */
  | { status: 'uncertain'; code: string; message: string }
  /** Not delivered and never will be as it stands (bad token, signature, oversize). */
  | { status: 'failed'; code: string; message: string };

export interface HttpRequestSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Everything service-specific about posting: limits, message kind, signing, reading the answer. */
export interface ChannelDriver {
  type: ChannelType;
  /** How the digest is written for this service. */
  flavour: 'markdown' | 'slack-mrkdwn' | 'plain';
  /** Largest `part.text` (UTF-8 bytes) that fits one message once wrapped in the envelope. */
  maxTextBytes: number;
  /** The service's rate limits, for the per-channel token bucket. */
  rate: readonly { max: number; windowMs: number }[];
  /** The exact request for one part; signatures use `nowMs` (the run's clock). */
  request(channel: Channel, part: OutgoingPart, nowMs: number): HttpRequestSpec;
  /** Reads the answer: HTTP 200 is not success by itself (errcode/code inside the body). */
  interpret(status: number, headers: Headers, body: string): SendOutcome;
}

/** How a channel URL may be shown: scheme, host and the last 4 characters, never the token. */
export function describeChannelUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…${url.slice(-4)}`;
  } catch {
    return '(invalid URL)';
  }
}
