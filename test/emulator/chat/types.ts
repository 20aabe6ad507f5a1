/**
 * Public types of the chat emulator (spec/chat-protocols.md §12): one local HTTP server that plays
 * DingTalk, Feishu/Lark, WeCom, Slack and a Standard Webhooks receiver under their real path shapes.
 *
 * Every behaviour the spec tags [UNCONFIRMED] (§15) is a setting below, with its default in the doc
 * comment. Settings can be given when a hook is added and changed later with `configure`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../../shared/clock';

/** Same names as `CHANNEL_TYPES` in shared/notify/channel.ts; `webhook` is Standard Webhooks. */
export type ChatChannel = 'dingtalk' | 'feishu' | 'wecom' | 'slack' | 'webhook';

/** Is `|now − timestamp| === window` inside the window? [UNCONFIRMED] for every vendor (§11.3). */
export type WindowBoundary = 'inclusive' | 'exclusive';

/** [UNCONFIRMED] rolling (default) or fixed (aligned to multiples of `windowMs`) rate windows. */
export type RateWindowMode = 'rolling' | 'fixed';

export interface RateRule {
  max: number;
  windowMs: number;
}

export interface ChatEmulatorOptions {
  /** Drives signature windows, rate windows, blocks and `requests[].at`. Default: real time. */
  clock?: Clock | undefined;
  /** Default `inclusive`: `|Δ| ≤ window` is accepted (§11.3). */
  windowBoundary?: WindowBoundary | undefined;
  /** Seed of the PRNG used by faults with a `probability`. Default 1. */
  seed?: number | undefined;
  /** [UNCONFIRMED] Slack's 404 body for an unknown hook. Default `no_service`. */
  slackUnknownHook?: 'no_service' | 'no_team' | 'invalid_token' | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Per-hook settings
// ---------------------------------------------------------------------------------------------------

/** Checks after the token lookup (which always comes first), in the order they run. */
export type DingtalkCheck = 'ip' | 'signature' | 'keyword' | 'size' | 'body' | 'rate' | 'quota';
export type FeishuCheck = 'body' | 'signature' | 'ip' | 'keyword' | 'size' | 'rate';
export type WecomCheck = 'body' | 'empty' | 'length' | 'rate';
export type SlackCheck = 'body' | 'missing' | 'blocks' | 'rate';

export interface DingtalkHookOptions {
  /** `SEC…` signing secret; absent = signing off (timestamp/sign in the query are then ignored). */
  secret?: string | undefined;
  /** Custom keywords (up to 10 in the real product); absent or empty = keyword check off. */
  keywords?: readonly string[] | undefined;
  /** Addresses, CIDR ranges (`10.1.2.0/24`) or wildcards (`10.1.2.*`); absent = check off. */
  ipAllowList?: readonly string[] | undefined;
  /** [UNCONFIRMED] Default `all-strings` (every string value in the body); `text-fields` = title/text/content. */
  keywordScope?: 'all-strings' | 'text-fields' | undefined;
  /** Default 20 000 raw body bytes → 460101. */
  maxBodyBytes?: number | undefined;
  /** Default `[{ max: 20, windowMs: 60_000 }]`. */
  rate?: readonly RateRule[] | undefined;
  /** Block after going over the rate. Default 600 000 ms. */
  blockMs?: number | undefined;
  /** [UNCONFIRMED] Default `rolling`. */
  rateWindow?: RateWindowMode | undefined;
  /** [UNCONFIRMED] Do requests rejected for another reason count toward the rate? Default true. */
  countRejected?: boolean | undefined;
  /** [UNCONFIRMED] Answer while blocked, after the first 130101: `errcode` (default) or HTTP `302`. */
  throttleMode?: 'errcode' | '302' | undefined;
  /** [UNCONFIRMED] Monthly quota (90030 `webhook over limit` once this many were accepted). Default off. */
  monthlyQuota?: number | null | undefined;
  /** Append `, more: [https://…]` to error `errmsg` as newer servers do. Default false. */
  moreLink?: boolean | undefined;
  /** [UNCONFIRMED] errcode for a body that is not JSON or misses a field. Default 40035 (`缺少参数 <field>`). */
  invalidBodyCode?: number | undefined;
  /** [UNCONFIRMED] Default `['ip', 'signature', 'keyword', 'size', 'body', 'rate', 'quota']`. */
  checkOrder?: readonly DingtalkCheck[] | undefined;
}

export interface FeishuHookOptions {
  /** Signing secret; absent = signing off. */
  secret?: string | undefined;
  /** Keywords searched in text fields only (`text`, `title`, `content`), never in link targets. */
  keywords?: readonly string[] | undefined;
  ipAllowList?: readonly string[] | undefined;
  /** [UNCONFIRMED] "20 KB": default 20 000 (set 20 480 for the other reading). */
  maxBodyBytes?: number | undefined;
  /** [UNCONFIRMED] Code for an oversize body. Default 9499. */
  oversizeCode?: number | undefined;
  /** [UNCONFIRMED] Default `Bad Request: request body too large`. */
  oversizeMsg?: string | undefined;
  /** [UNCONFIRMED] HTTP status sent with 9499. Default 200 (run tests with 400 too). */
  badRequestStatus?: number | undefined;
  /** [UNCONFIRMED] 19022 message text. Default `Ip Not Allowed`. */
  ipNotAllowedMsg?: string | undefined;
  /** Default `[{ max: 5, windowMs: 1_000 }, { max: 100, windowMs: 60_000 }]`. */
  rate?: readonly RateRule[] | undefined;
  rateWindow?: RateWindowMode | undefined;
  countRejected?: boolean | undefined;
  /** [UNCONFIRMED] Default `['body', 'signature', 'ip', 'keyword', 'size', 'rate']`. */
  checkOrder?: readonly FeishuCheck[] | undefined;
}

export interface WecomHookOptions {
  /** Default 2048 UTF-8 bytes for `text.content`. */
  textMaxBytes?: number | undefined;
  /** Default 4096 UTF-8 bytes for `markdown.content` and `markdown_v2.content`. */
  markdownMaxBytes?: number | undefined;
  /** Default 8 `news.articles`. */
  newsMaxArticles?: number | undefined;
  /** [UNCONFIRMED] errcode for an over-long `text.content`. Default 40058. */
  textTooLongCode?: number | undefined;
  /** [UNCONFIRMED] errcode for a body that is not a JSON object. Default 47001 (`data format error`). */
  invalidJsonCode?: number | undefined;
  /** Default `[{ max: 20, windowMs: 60_000 }]` → 45009. */
  rate?: readonly RateRule[] | undefined;
  /** [UNCONFIRMED] Default `rolling`. */
  rateWindow?: RateWindowMode | undefined;
  /** [UNCONFIRMED] Block after a 45009. Default 0 (none). */
  blockMs?: number | undefined;
  countRejected?: boolean | undefined;
  checkOrder?: readonly WecomCheck[] | undefined;
}

export interface SlackHookOptions {
  /** [UNCONFIRMED] Token bucket size (burst). Default 1. */
  capacity?: number | undefined;
  /** Tokens per second. Default 1. */
  refillPerSec?: number | undefined;
  /** [UNCONFIRMED] 429 body. Default `rate_limited`. */
  rateLimitedBody?: string | undefined;
  /** [UNCONFIRMED] 400 body for a broken block limit. Default `invalid_blocks`. */
  invalidBlocksBody?: string | undefined;
  /** [UNCONFIRMED] Total characters of all block texts; over it → 400 `msg_blocks_too_long`. Default off. */
  maxBlocksChars?: number | null | undefined;
  /** How block "characters" are counted. Default `utf16` (`string.length`, the strict side). */
  charCount?: 'utf16' | 'codepoints' | undefined;
  checkOrder?: readonly SlackCheck[] | undefined;
}

export interface WebhookHookOptions {
  /** `whsec_<base64>` secrets; a request is accepted when any `v1,` candidate matches any secret. */
  secrets: readonly string[];
  /** Default 300 s. */
  toleranceSec?: number | undefined;
  /** HTTP status for an accepted (or duplicate) delivery. Default 200. */
  successStatus?: number | undefined;
}

/** Anything `configure` may change; fields that do not apply to the hook's channel are ignored. */
export type HookSettingsPatch = Partial<
  Omit<DingtalkHookOptions, 'checkOrder'> &
    Omit<FeishuHookOptions, 'checkOrder'> &
    Omit<WecomHookOptions, 'checkOrder'> &
    Omit<SlackHookOptions, 'checkOrder'> &
    WebhookHookOptions
> & {
  checkOrder?: readonly (DingtalkCheck | FeishuCheck | WecomCheck | SlackCheck)[] | undefined;
};

export interface ChatHook {
  /** Stable id for `delivered`, `fault`, `configure`: `dingtalk-1`, `slack-2`, … */
  id: string;
  channel: ChatChannel;
  /** The full webhook URL to configure (random token included). */
  url: string;
}

// ---------------------------------------------------------------------------------------------------
// Reply targets of inbound commands (§9.3, §10.5): see replies.ts
// ---------------------------------------------------------------------------------------------------

/** A reply URL handed to our function inside an inbound command. */
export interface ReplyTarget {
  /** `slack-response-1`, `dingtalk-session-1`, …: for the accessors and `fault`. */
  id: string;
  /** The full URL to put in `response_url` / `sessionWebhook`. */
  url: string;
}

export interface SlackResponseUrlOptions {
  /** Accepted posts allowed. Default 5 [DOC]. */
  maxUses?: number | undefined;
  /** Lifetime from creation, emulator clock. Default 1 800 000 ms (30 min) [DOC]. */
  ttlMs?: number | undefined;
  /** [UNCONFIRMED] Status once used up or expired (and for unknown URLs). Default 404. */
  expiredStatus?: number | undefined;
  /** [UNCONFIRMED] Body with `expiredStatus`. Default `expired_url`. */
  expiredBody?: string | undefined;
  /** [SEEN] Body of an accepted post. Default `ok` (set `{"ok":true}` for the other reading). */
  successBody?: string | undefined;
  /** Team id in the URL path (`/commands/<team>/…`). Default random `T…`. */
  team?: string | undefined;
}

export interface DingTalkSessionOptions {
  /** Expiry (ms, emulator clock), i.e. the `sessionWebhookExpiredTime` you hand out. Default now + 90 min. */
  expiresAt?: number | undefined;
  /** [UNCONFIRMED] errcode after expiry (and for unknown sessions). Default 300001 [SEEN]. */
  expiredCode?: number | undefined;
  /** Default `session 不存在` [SEEN]. */
  expiredMsg?: string | undefined;
  /** Accepted `msgtype` values. Default `['text', 'markdown', 'actionCard']`. */
  msgTypes?: readonly string[] | undefined;
  /** Default 20 000 raw body bytes → 460101. */
  maxBodyBytes?: number | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Faults (§12.3)
// ---------------------------------------------------------------------------------------------------

export interface FaultScope {
  /** How many requests get the fault; undefined = every one until `clearFaults`. */
  times?: number | undefined;
  /** Let this many requests through first ("every request from the (after+1)th on"). */
  after?: number | undefined;
  /** Apply to each eligible request with this probability (seeded PRNG, see `seed`). */
  probability?: number | undefined;
}

/** Any status with any body: 5xx, 429, 302, an HTML 200 ("malformed success"). Never delivered. */
export interface StatusFault extends FaultScope {
  kind: 'status';
  status: number;
  /** Seconds (number) or a verbatim header value such as an HTTP date. */
  retryAfter?: number | string | undefined;
  /** Default: an nginx-style HTML page (`''` for 3xx). */
  body?: string | undefined;
  /** Default: guessed from the body (JSON, HTML or plain text). */
  contentType?: string | undefined;
  /** For 3xx. Default: `<emulator>/__redirected` (answers 200 HTML, and is recorded). */
  location?: string | undefined;
}

/** HTTP 200 with the channel's error field (`errcode`/`code`); Slack: 200 with `msg` as text. */
export interface BusinessFault extends FaultScope {
  kind: 'business';
  code: number;
  msg?: string | undefined;
}

/** Hold the answer (real time, not the emulator clock) so the client's own timeout fires first. */
export interface SlowFault extends FaultScope {
  kind: 'slow';
  delayMs: number;
  /**
   * true: the request is processed normally at once (it may be delivered) and its answer held.
   * false: it is not processed; after the delay the answer is 504 (nobody may still be listening).
   */
  recordAnyway: boolean;
  /** `headers` (default): send nothing until the delay ends. `body`: headers at once, body trickles. */
  phase?: 'headers' | 'body' | undefined;
}

/** Destroy the connection (TCP RST). */
export interface ResetFault extends FaultScope {
  kind: 'reset';
  /** Default `before-response`; `after-headers` sends the status line and headers first. */
  phase?: 'before-response' | 'after-headers' | undefined;
  /** Process the request (it may be delivered) before resetting. Default false. */
  recordAnyway?: boolean | undefined;
}

export type ChatFault = StatusFault | BusinessFault | SlowFault | ResetFault;

// ---------------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------------

export interface ChatVerdict {
  /** HTTP status answered; 0 when the connection was reset before a status line. */
  status: number;
  /**
   * DingTalk/WeCom `errcode`, Feishu `code`, Slack body text, Standard Webhooks outcome (`ok`,
   * `duplicate`, `stale`, `bad_signature`, `malformed`, `unknown_hook`); `http_<status>`, `reset`,
   * `slow` for faults that skip processing.
   */
  code: number | string;
  message: string;
  /** The message counts as posted (it is in `delivered(hookId)`). */
  delivered: boolean;
  /** The fault that shaped this answer, if any. */
  fault?: ChatFault['kind'];
}

export interface RecordedChatRequest {
  seq: number;
  /** `null` for paths that belong to no channel. */
  channel: ChatChannel | null;
  /** `null` when the token/key/path matched no (live) hook or reply target. */
  hookId: string | null;
  method: string;
  /** Path without the query. */
  path: string;
  /** Decoded query parameters (first value of each), as a server framework sees them. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** `rawBody` as UTF-8. */
  body: string;
  /** Arrival time by the emulator clock (ms, without `setClockOffset`). */
  at: number;
  remoteAddress: string;
  verdict: ChatVerdict;
}

export interface ChatEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly port: number;
  readonly clock: Clock;
  /** Every request in arrival order (live array). */
  readonly requests: readonly RecordedChatRequest[];
  addDingtalk(options?: DingtalkHookOptions): ChatHook;
  addFeishu(options?: FeishuHookOptions): ChatHook;
  addWecom(options?: WecomHookOptions): ChatHook;
  addSlack(options?: SlackHookOptions): ChatHook;
  addWebhook(options: WebhookHookOptions): ChatHook;
  /**
   * A Slack `response_url` capture (`/commands/:team/:id/:token`): JSON posts, at most `maxUses`
   * accepted within `ttlMs` of creation, then `expiredStatus` / `expiredBody`.
   */
  addSlackResponseUrl(options?: SlackResponseUrlOptions): ReplyTarget;
  /** Accepted `response_url` bodies (parsed JSON), in order. */
  slackResponses(id: string): unknown[];
  /** Every request to that `response_url` (accepted or not), in order. */
  slackResponseRequests(id: string): RecordedChatRequest[];
  /**
   * A DingTalk `sessionWebhook` (`/robot/sendBySession?session=…`): robot messages of §3.4 until
   * `expiresAt`, then an errcode (default 300001). Answers always HTTP 200 with `errcode` JSON.
   */
  addDingTalkSession(options?: DingTalkSessionOptions): ReplyTarget;
  /** Accepted session messages (parsed JSON), in order. */
  dingTalkSessionMessages(id: string): unknown[];
  /** Every request to that session (accepted or not), in order. */
  dingTalkSessionRequests(id: string): RecordedChatRequest[];
  /** Changes settings of a hook (e.g. rotate `secrets`, switch `throttleMode`). */
  configure(hookId: string, patch: HookSettingsPatch): void;
  /** Removes the hook: its URL now gets the channel's unknown-token answer (robot removed, URL revoked). */
  revoke(hookId: string): void;
  /** The accepted message bodies (parsed JSON; raw text if not JSON) for the hook, in order. */
  delivered(hookId: string): unknown[];
  /** The recorded requests for one hook. */
  requestsFor(hookId: string): RecordedChatRequest[];
  /** Adds a fault to the script of a hook or reply target; faults are tried in the order added. */
  fault(hookId: string, fault: ChatFault): void;
  /** Drops the faults of one hook, or of every hook. */
  clearFaults(hookId?: string): void;
  /** Shifts the emulator's "now" for signature and rate checks (clock-skew fault). */
  setClockOffset(ms: number): void;
  /** Forgets recorded requests (deliveries, rate state and faults are kept). */
  clearRequests(): void;
  /** Stops listening and drops open connections: clients get ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}
