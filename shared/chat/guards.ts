/**
 * What protects the chat routes beyond the signature: replay refusal (DingTalk signs only the
 * timestamp), a per-caller budget of on-demand audits, and reply URLs limited to the service's own
 * hosts (a forged body must not make us post findings to an attacker's server).
 */
import { createHash } from 'node:crypto';
import { getJson, putJson, type StateStore } from '../state/store';

const SEEN = 'chat/seen';
const CALLERS = 'chat/callers';
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

/**
 * Records a (timestamp, signature) pair; false when it was seen before, i.e. a replay. Entries
 * older than the signature window are pruned: past it the timestamp check refuses the pair anyway.
 */
export async function firstSighting(
  store: StateStore,
  pair: string,
  nowMs: number,
  windowMs: number,
): Promise<boolean> {
  const key = digest(pair);
  const fresh = await store.create(`${SEEN}/${key}.json`, JSON.stringify({ at: nowMs }));
  // Pruning reads every record: done on about one message in sixteen (the digest decides), so its
  // cost is spread instead of paid by every command against Slack's and DingTalk's patience.
  if (fresh && key.startsWith('0')) {
    for (const key of await store.list(SEEN)) {
      const entry = await getJson<{ at?: number }>(store, key).catch(() => undefined);
      if (!entry || typeof entry.at !== 'number' || nowMs - entry.at > 2 * windowMs) await store.delete(key);
    }
  }
  return fresh;
}

export interface CallerBudget {
  /** On-demand audits a caller may start within `windowMs`. */
  max: number;
  windowMs: number;
}

export const DEFAULT_CALLER_BUDGET: CallerBudget = { max: 10, windowMs: 10 * 60_000 };

/** Spends one audit of the caller's budget; the answer says when the next one is allowed if none is left. */
export async function spendCallerBudget(
  store: StateStore,
  caller: string,
  nowMs: number,
  budget: CallerBudget = DEFAULT_CALLER_BUDGET,
): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }> {
  const key = `${CALLERS}/${digest(caller)}.json`;
  const record = await getJson<{ starts?: unknown }>(store, key).catch(() => undefined);
  const starts = (Array.isArray(record?.starts) ? record.starts : [])
    .filter((at): at is number => typeof at === 'number' && nowMs - at < budget.windowMs)
    .sort((a, b) => a - b);
  if (starts.length >= budget.max) {
    return { allowed: false, retryAfterMs: (starts[0] ?? nowMs) + budget.windowMs - nowMs };
  }
  await putJson(store, key, { starts: [...starts, nowMs] });
  return { allowed: true };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A reply URL from a request body is used only if it is https on one of the service's hosts (and
 * path, for DingTalk). Loopback (http or https) only with `allowLoopback` (IMAGEGW_CHAT_ALLOW_LOOPBACK,
 * set by `serve` and the tests): a forged DingTalk body must not aim the function at its own instance.
 */
export function replyUrlAllowed(
  text: string,
  hosts: readonly string[],
  pathPrefix: string,
  allowLoopback = false,
): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  // WHATWG URL parsing normalises 127.1, 0x7f000001 and LOCALHOST, so every spelling is caught here.
  if (LOOPBACK.has(url.hostname)) {
    return (
      allowLoopback &&
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.pathname.startsWith(pathPrefix)
    );
  }
  return url.protocol === 'https:' && hosts.includes(url.hostname) && url.pathname.startsWith(pathPrefix);
}

export const SLACK_REPLY_HOSTS = ['hooks.slack.com'] as const;
export const DINGTALK_REPLY_HOSTS = ['oapi.dingtalk.com'] as const;

/** The reply URL check for a service's reply target (Slack `response_url`, DingTalk `sessionWebhook`). */
export function replyTargetAllowed(
  target: { service: 'slack' | 'dingtalk'; url: string },
  allowLoopback: boolean,
): boolean {
  return target.service === 'slack'
    ? replyUrlAllowed(target.url, SLACK_REPLY_HOSTS, '/', allowLoopback)
    : replyUrlAllowed(target.url, DINGTALK_REPLY_HOSTS, '/robot/sendBySession', allowLoopback);
}
