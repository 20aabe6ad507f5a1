/**
 * Inbound drivers (spec/chat-protocols.md §12.4): the test plays Slack or DingTalk and our function
 * is the server. Pure functions on node:crypto, written from §9.2 and §10.2 and independent of the
 * product code, so a product verifier is checked against the spec and not against itself.
 *
 * They build what arrives at the function: the raw body and the request headers. Hand them to the
 * function the way the trigger would (e.g. `httpEvent({ method: 'POST', path, headers, body:
 * Buffer.from(body) })` in test/helpers/fc.ts), or POST them to a local server.
 */
import { createHmac } from 'node:crypto';
import { seededRandom } from './util';

// ---------------------------------------------------------------------------------------------------
// Header letter case (§1.8)
// ---------------------------------------------------------------------------------------------------

/**
 * `canonical`: each `-`-separated word capitalised, as the FC HTTP trigger hands headers to the
 * function (`X-Slack-Signature`, `Timestamp`, `Sign`); `lower`: as Node's `IncomingMessage` and
 * most gateways present them; `random`: mixed letter case from a seeded PRNG (never all lower,
 * never canonical), to prove lookups are case-insensitive.
 */
export type HeaderCase = 'canonical' | 'lower' | 'random';

/** `x-slack-request-timestamp` → `X-Slack-Request-Timestamp`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((w) => (w.length > 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join('-');
}

function randomCase(name: string, random: () => number): string {
  const lower = name.toLowerCase();
  let out = '';
  for (const ch of lower) out += random() < 0.5 ? ch.toUpperCase() : ch;
  if (out !== lower && out !== canonicalHeaderName(name)) return out;
  // The draw hit a plain form: alternate instead, first letter lower (so never canonical).
  let letter = 0;
  out = '';
  for (const ch of lower) {
    const isLetter = ch !== ch.toUpperCase();
    out += isLetter && letter++ % 2 === 1 ? ch.toUpperCase() : ch;
  }
  return out;
}

/** The same headers with their names re-cased (values untouched). `seed` drives `random` (default 1). */
export function recaseHeaders(
  headers: Readonly<Record<string, string>>,
  mode: HeaderCase,
  seed = 1,
): Record<string, string> {
  const random = seededRandom(seed);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key =
      mode === 'canonical'
        ? canonicalHeaderName(name)
        : mode === 'lower'
          ? name.toLowerCase()
          : randomCase(name, random);
    out[key] = value;
  }
  return out;
}

/** Case-insensitive header lookup (the first match). */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Slack slash command (§9)
// ---------------------------------------------------------------------------------------------------

/** Default fields, in the order Slack sends them (§11.1 V6), plus `api_app_id`. */
export const SLACK_COMMAND_DEFAULTS: Readonly<Record<string, string>> = {
  token: 'legacyVerificationToken0',
  team_id: 'T0AUDIT001',
  team_domain: 'audit-team',
  channel_id: 'C0AUDIT001',
  channel_name: 'compliance',
  user_id: 'U0AUDIT001',
  user_name: 'auditor',
  command: '/audit',
  text: 'all',
  api_app_id: 'A0AUDIT001',
  is_enterprise_install: 'false',
  response_url: 'https://hooks.slack.com/commands/T0AUDIT001/1234567890123/AuditResponseUrlToken0001',
  trigger_id: '1234567890123.1234567890.0123456789abcdef0123456789abcdef',
};

export interface SlackCommandOptions {
  signingSecret: string;
  /**
   * Form fields. Merged over `SLACK_COMMAND_DEFAULTS` (default order kept, new names appended in the
   * order given); with `defaults: false` exactly these, in this order. Put the emulator's
   * `addSlackResponseUrl().url` in `response_url`.
   */
  fields?: Readonly<Record<string, string>> | undefined;
  /** Default true. */
  defaults?: boolean | undefined;
  /** Unix **seconds**, sent in `X-Slack-Request-Timestamp` and signed. */
  timestamp: number;
  /** Exact body to sign and send instead of the form encoding of `fields` (e.g. a `%20` body). */
  rawBody?: string | undefined;
  /**
   * Body to send instead of the signed one; the signature still covers the signed body. This is
   * the tampered (N6: one changed byte) or re-encoded (N7: `cluster%20X`) body a verifier must reject.
   */
  bodyOverride?: string | undefined;
  /**
   * Default `v0`. `v1` relabels the same (v0) MAC as `v1=<hex>`: only a verifier that checks the
   * `v0=` prefix rejects it (one that compares just the hex part would accept it).
   */
  signatureVersion?: 'v0' | 'v1' | undefined;
  /** Default `canonical` (what the function sees on the FC HTTP trigger, §1.8). */
  headerCase?: HeaderCase | undefined;
  /** Seed for `headerCase: 'random'`. Default 1. */
  caseSeed?: number | undefined;
}

export interface SlackCommandRequest {
  /** The body on the wire: form-encoded, space as `+` (= `signedBody` unless `bodyOverride`). */
  body: string;
  /** `Content-Type`, `User-Agent`, `X-Slack-Request-Timestamp`, `X-Slack-Signature`, in `headerCase`. */
  headers: Record<string, string>;
  /** The exact string the signature covers after `v0:<ts>:`. */
  signedBody: string;
  /** The `X-Slack-Signature` value. */
  signature: string;
  /** The fields as sent (before any `rawBody`/`bodyOverride`). */
  fields: Record<string, string>;
}

/** `application/x-www-form-urlencoded` as browsers and Slack write it: space → `+`, `/` → `%2F`. */
export function formEncode(fields: Readonly<Record<string, string>>): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/** §9.2 step 4-5: `v0=` + hex HMAC-SHA256(signing secret, `v0:<ts>:<raw body>`). */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody, 'utf8').digest('hex')}`;
}

export function slackCommand(opts: SlackCommandOptions): SlackCommandRequest {
  const fields: Record<string, string> =
    opts.defaults === false ? { ...opts.fields } : { ...SLACK_COMMAND_DEFAULTS, ...opts.fields };
  const signedBody = opts.rawBody ?? formEncode(fields);
  const ts = String(opts.timestamp);
  const mac = slackSignature(opts.signingSecret, ts, signedBody);
  const signature = opts.signatureVersion === 'v1' ? `v1=${mac.slice(3)}` : mac;
  const headers = recaseHeaders(
    {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signature,
    },
    opts.headerCase ?? 'canonical',
    opts.caseSeed ?? 1,
  );
  return { body: opts.bodyOverride ?? signedBody, headers, signedBody, signature, fields };
}

// ---------------------------------------------------------------------------------------------------
// DingTalk outgoing robot (§10)
// ---------------------------------------------------------------------------------------------------

export interface DingTalkAtUser {
  dingtalkId: string;
  staffId?: string;
}

/** The §10.4 body. */
export interface DingTalkOutgoingBody {
  msgtype: string;
  text: { content: string };
  msgId: string;
  createAt: number;
  conversationType: string;
  conversationId: string;
  conversationTitle: string;
  senderId: string;
  senderNick: string;
  senderCorpId: string;
  senderStaffId: string;
  chatbotCorpId: string;
  chatbotUserId: string;
  isAdmin: boolean;
  isInAtList: boolean;
  atUsers: DingTalkAtUser[];
  sessionWebhook: string;
  sessionWebhookExpiredTime: number;
}

/** Overrides: a value replaces the default; `undefined` drops the field; unknown keys are added. */
export type DingTalkOutgoingOverrides = {
  [K in keyof DingTalkOutgoingBody]?: DingTalkOutgoingBody[K] | undefined;
} & Record<string, unknown>;

export interface DingTalkOutgoingOptions {
  /** The robot's AppSecret (§10.2), not a `SEC…` custom-robot secret. */
  appSecret: string;
  /** Unix **milliseconds**, sent in `timestamp` and signed. Also the default `createAt`. */
  timestampMs: number;
  /** Field overrides of the §10.4 body, e.g. `{ text: { content: '  audit cluster-x' }, sessionWebhook }`. */
  body?: DingTalkOutgoingOverrides | undefined;
  /** Exact body to send instead of the JSON of the merged body (the signature never covers it). */
  rawBody?: string | undefined;
  /** Default `plain` (correct). `urlencoded` percent-encodes the Base64 (N10: a verifier must reject). */
  signEncoding?: 'plain' | 'urlencoded' | undefined;
}

export interface DingTalkOutgoingRequest {
  /** JSON of `message` (or `rawBody`). */
  body: string;
  /** Lower-case names; see `recaseHeaders` for `Timestamp` / `Sign` as the FC trigger delivers them. */
  headers: { 'content-type': string; timestamp: string; sign: string };
  /** The body as an object (before `rawBody`). */
  message: Record<string, unknown>;
}

/** §10.2: standard Base64 of HMAC-SHA256(key = appSecret, message = `<ts>\n<appSecret>`), no encoding. */
export function dingTalkOutgoingSign(appSecret: string, timestampMs: number | string): string {
  return createHmac('sha256', appSecret).update(`${timestampMs}\n${appSecret}`).digest('base64');
}

let dingTalkMsgSeq = 0;

/** §10.4 sample values; `msgId` is fresh per call, times follow `timestampMs` (session +90 min). */
export function dingTalkOutgoingDefaults(timestampMs: number): DingTalkOutgoingBody {
  dingTalkMsgSeq += 1;
  return {
    msgtype: 'text',
    text: { content: '  audit all' },
    msgId: `msgEmu${String(dingTalkMsgSeq).padStart(8, '0')}`,
    createAt: timestampMs,
    conversationType: '2',
    conversationId: 'cidTestConversation01',
    conversationTitle: 'Compliance alerts',
    senderId: '$:LWCP_v1:$senderOpaqueId',
    senderNick: 'Zhang San',
    senderCorpId: 'dingTestCorp01',
    senderStaffId: 'manager4711',
    chatbotCorpId: 'dingTestCorp01',
    chatbotUserId: '$:LWCP_v1:$botOpaqueId',
    isAdmin: false,
    isInAtList: true,
    atUsers: [{ dingtalkId: '$:LWCP_v1:$botOpaqueId', staffId: '' }],
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=0123456789abcdef',
    sessionWebhookExpiredTime: timestampMs + 90 * 60_000,
  };
}

export function dingTalkOutgoing(opts: DingTalkOutgoingOptions): DingTalkOutgoingRequest {
  const message: Record<string, unknown> = { ...dingTalkOutgoingDefaults(opts.timestampMs) };
  for (const [key, value] of Object.entries(opts.body ?? {})) {
    if (value === undefined) delete message[key];
    else message[key] = value;
  }
  const ts = String(opts.timestampMs);
  const plain = dingTalkOutgoingSign(opts.appSecret, ts);
  const sign = opts.signEncoding === 'urlencoded' ? encodeURIComponent(plain) : plain;
  return {
    body: opts.rawBody ?? JSON.stringify(message),
    headers: { 'content-type': 'application/json; charset=utf-8', timestamp: ts, sign },
    message,
  };
}
