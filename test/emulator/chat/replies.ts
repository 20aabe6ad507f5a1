/**
 * Reply targets of the inbound chat commands (spec/chat-protocols.md §9.3, §10.5, §12.2): the URLs
 * our function posts its results to after it has acknowledged a command. They live on the chat
 * emulator's listener next to the outbound hooks.
 *
 *   Slack     POST /commands/:team/:id/:token           (the `response_url` of a slash command)
 *   DingTalk  POST /robot/sendBySession?session=<token> (the `sessionWebhook` of an outgoing robot)
 *
 * Time is the emulator's "now" (injected clock plus `setClockOffset`), so a fake clock runs the
 * 30-minute and 90-minute lifetimes in no time. Whether the exact expiry instant is still usable
 * follows the emulator's `windowBoundary` (default `inclusive`: still usable at that instant).
 */
import { dingtalkMissingField } from './dingtalk';
import { jsonReply, type Outcome, type Reply, type RequestContext, textReply } from './hooks';
import type { ChatChannel, DingTalkSessionOptions, ReplyTarget, SlackResponseUrlOptions } from './types';
import { ALNUM, HEX, inWindow, isRecord, randomString, tryParseJson, UPPER_ALNUM } from './util';

/** Slack: "at most 5 times within 30 minutes" of the command [DOC]. */
export const SLACK_RESPONSE_MAX_USES = 5;
export const SLACK_RESPONSE_TTL_MS = 30 * 60_000;
/** [UNCONFIRMED] (§9.3, §15): what `response_url` answers once used up or expired. */
export const SLACK_RESPONSE_EXPIRED_STATUS = 404;
export const SLACK_RESPONSE_EXPIRED_BODY = 'expired_url';
/**
 * [SEEN] Answer of an accepted `response_url` post: plain `ok` (several client libraries special-case
 * it because it is not the `{"ok":true}` JSON of the Web API). Configurable with `successBody`.
 */
export const SLACK_RESPONSE_SUCCESS_BODY = 'ok';

/** Observed session lifetime, about 90 minutes (§10.5). */
export const DINGTALK_SESSION_TTL_MS = 90 * 60_000;
/**
 * [SEEN] in public issue threads for posts to an expired `sessionWebhook`:
 * `{"errcode":300001,"errmsg":"session 不存在"}` ("session does not exist"). The server cannot tell
 * an expired session from one it never issued, so unknown sessions get the same answer. The real
 * code is [UNCONFIRMED] by DingTalk's docs (§15): configurable per session.
 */
export const DINGTALK_SESSION_EXPIRED_CODE = 300001;
export const DINGTALK_SESSION_EXPIRED_MSG = 'session 不存在';
/** §10.5: the robot bodies of §3.4 that make sense as a reply. */
export const DINGTALK_SESSION_MSG_TYPES: readonly string[] = ['text', 'markdown', 'actionCard'];
/** Same body limit as the custom robot (§3.7), same `460101` answer. */
export const DINGTALK_SESSION_MAX_BODY_BYTES = 20_000;

interface SlackResponseTarget {
  kind: 'slack';
  id: string;
  token: string;
  url: string;
  createdAt: number;
  uses: number;
  options: SlackResponseUrlOptions;
  accepted: unknown[];
}

interface DingtalkSessionTarget {
  kind: 'dingtalk';
  id: string;
  token: string;
  url: string;
  expiresAt: number;
  options: DingTalkSessionOptions;
  accepted: unknown[];
}

type Target = SlackResponseTarget | DingtalkSessionTarget;

/** A request the reply book claimed: who it belongs to and how to answer it. */
export interface ResolvedReply {
  channel: ChatChannel;
  /** `null` when the URL shape is right but the token is unknown. */
  id: string | null;
  handle(ctx: RequestContext): Outcome;
  /** The channel's error-in-200 (DingTalk) or 200-with-text (Slack), for the `business` fault. */
  business(code: number, msg: string): Outcome;
}

function outcome(reply: Reply, code: number | string, message: string, delivered: boolean): Outcome {
  return { reply, code, message, delivered };
}

function guessType(body: string): string {
  const t = body.trimStart();
  return t.startsWith('{') || t.startsWith('[') ? 'application/json; charset=utf-8' : 'text/html';
}

function slackText(status: number, body: string, delivered = false): Outcome {
  return outcome(textReply(status, body, guessType(body)), body, body, delivered);
}

function dingtalkAnswer(errcode: number, errmsg: string): Outcome {
  return outcome(jsonReply(200, { errcode, errmsg }), errcode, errmsg, errcode === 0);
}

function header(ctx: RequestContext, name: string): string {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

export class ReplyBook {
  private readonly byId = new Map<string, Target>();
  private readonly slackByToken = new Map<string, SlackResponseTarget>();
  private readonly dingtalkByToken = new Map<string, DingtalkSessionTarget>();
  private slackCount = 0;
  private sessionCount = 0;

  /** `now` = the emulator's "now" (clock plus offset), ms. */
  constructor(private readonly now: () => number) {}

  has(id: string): boolean {
    return this.byId.has(id);
  }

  addSlackResponseUrl(baseUrl: string, options: SlackResponseUrlOptions): ReplyTarget {
    this.slackCount += 1;
    const id = `slack-response-${this.slackCount}`;
    // Real shape: /commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN (§11.1 V6).
    const team = options.team ?? `T${randomString(UPPER_ALNUM, 10)}`;
    const token = `${encodeURIComponent(team)}/${randomString('0123456789', 12)}/${randomString(ALNUM, 24)}`;
    const url = `${baseUrl}/commands/${token}`;
    const target: SlackResponseTarget = {
      kind: 'slack',
      id,
      token,
      url,
      createdAt: this.now(),
      uses: 0,
      options: { ...options },
      accepted: [],
    };
    this.byId.set(id, target);
    this.slackByToken.set(token, target);
    return { id, url };
  }

  addDingTalkSession(baseUrl: string, options: DingTalkSessionOptions): ReplyTarget {
    this.sessionCount += 1;
    const id = `dingtalk-session-${this.sessionCount}`;
    const token = randomString(HEX, 32);
    const url = `${baseUrl}/robot/sendBySession?session=${token}`;
    const target: DingtalkSessionTarget = {
      kind: 'dingtalk',
      id,
      token,
      url,
      expiresAt: options.expiresAt ?? this.now() + DINGTALK_SESSION_TTL_MS,
      options: { ...options },
      accepted: [],
    };
    this.byId.set(id, target);
    this.dingtalkByToken.set(token, target);
    return { id, url };
  }

  /** Accepted bodies (parsed JSON) in arrival order. */
  accepted(id: string, kind: Target['kind']): unknown[] {
    const target = this.byId.get(id);
    if (!target || target.kind !== kind) throw new Error(`chat emulator: unknown ${kind} reply target ${id}`);
    return target.accepted.slice();
  }

  /** Claims the two reply path shapes; anything else is left to the outbound routes. */
  resolve(path: string, query: URLSearchParams): ResolvedReply | undefined {
    const slack = /^\/commands\/([^/]+\/[^/]+\/[^/]+?)\/?$/.exec(path);
    if (slack?.[1]) {
      const target = this.slackByToken.get(slack[1]);
      return {
        channel: 'slack',
        id: target?.id ?? null,
        handle: (ctx) => this.handleSlack(ctx, target),
        business: (_code, msg) => slackText(200, msg),
      };
    }
    if (path === '/robot/sendBySession' || path === '/robot/sendBySession/') {
      const token = query.get('session') || undefined;
      const target = token === undefined ? undefined : this.dingtalkByToken.get(token);
      return {
        channel: 'dingtalk',
        id: target?.id ?? null,
        handle: (ctx) => this.handleDingtalk(ctx, token, target),
        business: (code, msg) => ({ ...dingtalkAnswer(code, msg), delivered: false }),
      };
    }
    return undefined;
  }

  /**
   * Order: unknown URL → used up or expired → content type → JSON object → some content → accepted.
   * Only accepted posts count as uses: a 400 for a broken body does not spend one [UNCONFIRMED].
   */
  private handleSlack(ctx: RequestContext, target: SlackResponseTarget | undefined): Outcome {
    const expired = (o: SlackResponseUrlOptions | undefined): Outcome =>
      slackText(
        o?.expiredStatus ?? SLACK_RESPONSE_EXPIRED_STATUS,
        o?.expiredBody ?? SLACK_RESPONSE_EXPIRED_BODY,
      );
    // A URL Slack never issued looks like one it has forgotten.
    if (!target) return expired(undefined);
    const o = target.options;
    const age = ctx.now - target.createdAt;
    const alive = age < 0 || inWindow(age, o.ttlMs ?? SLACK_RESPONSE_TTL_MS, ctx.boundary);
    if (!alive || target.uses >= (o.maxUses ?? SLACK_RESPONSE_MAX_USES)) return expired(o);
    // §9.3: POST JSON. A form body (the slash-command request's own encoding) is a sender bug here.
    if (!header(ctx, 'content-type').toLowerCase().startsWith('application/json')) {
      return slackText(400, 'invalid_payload');
    }
    const parsed = tryParseJson(ctx.text);
    if (!parsed.ok || !isRecord(parsed.value)) return slackText(400, 'invalid_payload');
    const m = parsed.value;
    const hasContent =
      (typeof m.text === 'string' && m.text.length > 0) ||
      (Array.isArray(m.blocks) && m.blocks.length > 0) ||
      (Array.isArray(m.attachments) && m.attachments.length > 0) ||
      m.delete_original === true;
    // [UNCONFIRMED] error text: the incoming-webhook one (§6.4).
    if (!hasContent) return slackText(400, 'missing_text_or_fallback_or_attachments');
    target.uses += 1;
    target.accepted.push(m);
    return slackText(200, o.successBody ?? SLACK_RESPONSE_SUCCESS_BODY, true);
  }

  /**
   * Order: `session` missing → unknown or expired → size → body shape → accepted. Always HTTP 200
   * with the `errcode` JSON of §3.6; no signature and no access_token are involved (§10.5).
   */
  private handleDingtalk(
    ctx: RequestContext,
    token: string | undefined,
    target: DingtalkSessionTarget | undefined,
  ): Outcome {
    if (token === undefined) return dingtalkAnswer(40035, '缺少参数 session');
    const o = target?.options;
    const gone = (): Outcome =>
      dingtalkAnswer(
        o?.expiredCode ?? DINGTALK_SESSION_EXPIRED_CODE,
        o?.expiredMsg ?? DINGTALK_SESSION_EXPIRED_MSG,
      );
    if (!target) return gone();
    const alive = ctx.boundary === 'inclusive' ? ctx.now <= target.expiresAt : ctx.now < target.expiresAt;
    if (!alive) return gone();
    const max = o?.maxBodyBytes ?? DINGTALK_SESSION_MAX_BODY_BYTES;
    if (ctx.rawBody.length > max) return dingtalkAnswer(460101, `message too long, exceed ${max} bytes`);
    const parsed = tryParseJson(ctx.text);
    const body = parsed.ok ? parsed.value : undefined;
    const types = o?.msgTypes ?? DINGTALK_SESSION_MSG_TYPES;
    const type = isRecord(body) ? body.msgtype : undefined;
    const missing =
      isRecord(body) && (typeof type !== 'string' || !types.includes(type))
        ? 'msgtype'
        : dingtalkMissingField(body);
    if (missing !== undefined) return dingtalkAnswer(40035, `缺少参数 ${missing}`);
    target.accepted.push(body);
    return dingtalkAnswer(0, 'ok');
  }
}
