/** Internal state of registered hooks and the shapes the channel handlers answer with. */
import type { IncomingHttpHeaders } from 'node:http';
import type {
  ChatChannel,
  DingtalkHookOptions,
  FeishuHookOptions,
  RateRule,
  SlackHookOptions,
  WebhookHookOptions,
  WecomHookOptions,
  WindowBoundary,
} from './types';
import type { RateCounter, TokenBucket } from './util';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a channel handler decided (it has already delivered the message when `delivered`). */
export interface Outcome {
  reply: Reply;
  code: number | string;
  message: string;
  delivered: boolean;
}

export interface RequestContext {
  /** Emulator "now" for checks (clock plus offset), ms. */
  now: number;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  text: string;
  ip: string;
  baseUrl: string;
  boundary: WindowBoundary;
}

interface BaseHook {
  id: string;
  /** What the URL carries: access_token, Feishu path token, WeCom key, `T/B/secret`, receiver id. */
  token: string;
  url: string;
  deliveries: unknown[];
  counter: RateCounter;
  blockedUntil: number;
  acceptedCount: number;
}

export interface DingtalkHook extends BaseHook {
  channel: 'dingtalk';
  options: DingtalkHookOptions;
}
export interface FeishuHook extends BaseHook {
  channel: 'feishu';
  options: FeishuHookOptions;
}
export interface WecomHook extends BaseHook {
  channel: 'wecom';
  options: WecomHookOptions;
}
export interface SlackHook extends BaseHook {
  channel: 'slack';
  options: SlackHookOptions;
  bucket: TokenBucket;
}
export interface WebhookHook extends BaseHook {
  channel: 'webhook';
  options: WebhookHookOptions;
  seenIds: Set<string>;
}

export type AnyHook = DingtalkHook | FeishuHook | WecomHook | SlackHook | WebhookHook;

export type { ChatChannel };

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function textReply(
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): Reply {
  return { status, headers: { 'content-type': contentType, ...headers }, body };
}

export function longestWindow(rules: readonly RateRule[]): number {
  return rules.reduce((m, r) => Math.max(m, r.windowMs), 0);
}

/**
 * Counts the request toward the hook's rate windows: never when it was itself rate limited; when
 * rejected for another reason only if `countRejected` (default true: "every request with a valid
 * token counts", §15).
 */
export function countHit(
  hook: BaseHook,
  outcome: Outcome,
  rateLimited: boolean,
  countRejected: boolean | undefined,
  now: number,
  rules: readonly RateRule[],
): void {
  if (rateLimited) return;
  if (!outcome.delivered && countRejected === false) return;
  hook.counter.record(now, longestWindow(rules));
}

export function deliver(hook: BaseHook, outcome: Outcome, message: unknown): void {
  if (!outcome.delivered) return;
  hook.deliveries.push(message);
  hook.acceptedCount += 1;
}
