/** Feishu / Lark custom bot, `POST /open-apis/bot/v2/hook/:token` (§4, §12.2). */
import { countHit, deliver, type FeishuHook, jsonReply, type Outcome, type RequestContext } from './hooks';
import type { FeishuCheck, RateRule } from './types';
import { containsKeyword, ipAllowed, isRecord, runChecks, stringsUnderKeys, tryParseJson } from './util';
import { verifyFeishuSign } from './verify';

export const FEISHU_DEFAULT_ORDER: readonly FeishuCheck[] = [
  'body',
  'signature',
  'ip',
  'keyword',
  'size',
  'rate',
];
export const FEISHU_DEFAULT_RATE: readonly RateRule[] = [
  { max: 5, windowMs: 1_000 },
  { max: 100, windowMs: 60_000 },
];
export const FEISHU_MAX_BODY_BYTES = 20_000;
export const FEISHU_SUCCESS = { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' };
/** msg_type → the top-level field that must hold a JSON object. */
const MSG_TYPES: Readonly<Record<string, string>> = {
  text: 'content',
  post: 'content',
  image: 'content',
  share_chat: 'content',
  interactive: 'card',
};
const TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'title', 'content']);

function answer(code: number, msg: string, status = 200): Outcome {
  return { reply: jsonReply(status, { code, msg, data: {} }), code, message: msg, delivered: false };
}

export function feishuBusinessOutcome(code: number, msg: string): Outcome {
  return answer(code, msg);
}

export function handleFeishu(ctx: RequestContext, hook: FeishuHook | undefined): Outcome {
  if (!hook) return answer(19001, 'param invalid: incoming webhook access token invalid');
  const o = hook.options;
  const now = ctx.now;
  const parsed = tryParseJson(ctx.text);
  const body = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
  const rules = o.rate ?? FEISHU_DEFAULT_RATE;
  const maxBytes = o.maxBodyBytes ?? FEISHU_MAX_BODY_BYTES;
  const badRequest = (msg: string): Outcome => answer(9499, msg, o.badRequestStatus ?? 200);
  let rateLimited = false;

  const checks: Record<FeishuCheck, () => Outcome | undefined> = {
    body: () => {
      if (!body) return badRequest('Bad Request');
      const type = body.msg_type;
      const field = typeof type === 'string' ? MSG_TYPES[type] : undefined;
      if (field === undefined) return answer(19002, 'param invalid: msg_type');
      const part = body[field];
      // A JSON-encoded string where the custom bot wants an object is the classic 9499 (§4.3).
      if (!isRecord(part)) return badRequest('Bad Request: fail to parse content');
      if (type === 'text' && typeof part.text !== 'string')
        return badRequest('Bad Request: fail to parse content');
      return undefined;
    },
    signature: () => {
      if (!o.secret) return undefined;
      return verifyFeishuSign(o.secret, body?.timestamp, body?.sign, now, ctx.boundary)
        ? undefined
        : answer(19021, 'sign match fail or timestamp is not within one hour from current time');
    },
    ip: () =>
      o.ipAllowList?.length && !ipAllowed(ctx.ip, o.ipAllowList)
        ? answer(19022, o.ipNotAllowedMsg ?? 'Ip Not Allowed')
        : undefined,
    keyword: () => {
      if (!o.keywords?.length) return undefined;
      return containsKeyword(stringsUnderKeys(body, TEXT_KEYS), o.keywords)
        ? undefined
        : answer(19024, 'Key Words Not Found');
    },
    size: () => {
      if (ctx.rawBody.length <= maxBytes) return undefined;
      const code = o.oversizeCode ?? 9499;
      const msg = o.oversizeMsg ?? 'Bad Request: request body too large';
      return code === 9499 ? badRequest(msg) : answer(code, msg);
    },
    rate: () => {
      if (!hook.counter.exceeded(rules, o.rateWindow ?? 'rolling', now)) return undefined;
      rateLimited = true;
      return answer(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]');
    },
  };

  const outcome = runChecks(o.checkOrder ?? FEISHU_DEFAULT_ORDER, checks) ?? {
    reply: jsonReply(200, FEISHU_SUCCESS),
    code: 0,
    message: 'success',
    delivered: true,
  };
  countHit(hook, outcome, rateLimited, o.countRejected, now, rules);
  deliver(hook, outcome, body);
  return outcome;
}
