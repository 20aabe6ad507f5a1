/** DingTalk custom robot, `POST /robot/send?access_token=…[&timestamp=&sign=]` (§3, §12.2). */
import { countHit, type DingtalkHook, deliver, jsonReply, type Outcome, type RequestContext } from './hooks';
import type { DingtalkCheck, RateRule } from './types';
import {
  allStrings,
  containsKeyword,
  ipAllowed,
  isRecord,
  nonEmptyString,
  runChecks,
  stringsUnderKeys,
  tryParseJson,
} from './util';
import { verifyDingtalkSign } from './verify';

export const DINGTALK_DEFAULT_ORDER: readonly DingtalkCheck[] = [
  'ip',
  'signature',
  'keyword',
  'size',
  'body',
  'rate',
  'quota',
];
export const DINGTALK_DEFAULT_RATE: readonly RateRule[] = [{ max: 20, windowMs: 60_000 }];
export const DINGTALK_MAX_BODY_BYTES = 20_000;
export const DINGTALK_BLOCK_MS = 600_000;
const MORE_LINK = 'https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages';
const MSG_TYPES = new Set(['text', 'markdown', 'actionCard', 'link', 'feedCard']);
const TEXT_KEYS: ReadonlySet<string> = new Set(['content', 'title', 'text']);

/** The first required field a DingTalk body lacks (`json` when it is not a JSON object). */
export function dingtalkMissingField(body: unknown): string | undefined {
  if (!isRecord(body)) return 'json';
  const type = body.msgtype;
  if (typeof type !== 'string' || !MSG_TYPES.has(type)) return 'msgtype';
  const part = body[type];
  if (!isRecord(part)) return type;
  const need = (...fields: string[]): string | undefined => {
    const missing = fields.find((f) => !nonEmptyString(part[f]));
    return missing === undefined ? undefined : `${type}.${missing}`;
  };
  switch (type) {
    case 'text':
      return need('content');
    case 'markdown':
      return need('title', 'text');
    case 'actionCard': {
      const base = need('title', 'text');
      if (base) return base;
      const single = nonEmptyString(part.singleTitle) && nonEmptyString(part.singleURL);
      const several = Array.isArray(part.btns) && part.btns.length > 0;
      return single || several ? undefined : 'actionCard.btns';
    }
    case 'link':
      return need('title', 'text', 'messageUrl');
    default:
      return Array.isArray(part.links) && part.links.length > 0 ? undefined : 'feedCard.links';
  }
}

function answer(hook: DingtalkHook | undefined, errcode: number, errmsg: string): Outcome {
  const shown = errcode !== 0 && hook?.options.moreLink ? `${errmsg}, more: [${MORE_LINK}]` : errmsg;
  return {
    reply: jsonReply(200, { errcode, errmsg: shown }),
    code: errcode,
    message: errmsg,
    delivered: errcode === 0,
  };
}

export function dingtalkBusinessOutcome(hook: DingtalkHook, code: number, msg: string): Outcome {
  return { ...answer(hook, code, msg), delivered: false };
}

export function handleDingtalk(
  ctx: RequestContext,
  token: string | undefined,
  hook: DingtalkHook | undefined,
): Outcome {
  if (!token) return answer(undefined, 40035, '缺少参数 access_token');
  if (!hook) return answer(undefined, 300005, 'token is not exist');
  const o = hook.options;
  const now = ctx.now;
  const parsed = tryParseJson(ctx.text);
  const body = parsed.ok ? parsed.value : undefined;
  const rules = o.rate ?? DINGTALK_DEFAULT_RATE;
  const maxBytes = o.maxBodyBytes ?? DINGTALK_MAX_BODY_BYTES;
  let rateLimited = false;

  const checks: Record<DingtalkCheck, () => Outcome | undefined> = {
    ip: () =>
      o.ipAllowList?.length && !ipAllowed(ctx.ip, o.ipAllowList)
        ? answer(hook, 310000, `ip ${ctx.ip} not in whitelist`)
        : undefined,
    signature: () => {
      if (!o.secret) return undefined;
      const result = verifyDingtalkSign(
        o.secret,
        ctx.query.get('timestamp'),
        ctx.query.get('sign'),
        now,
        ctx.boundary,
      );
      return result === 'ok' ? undefined : answer(hook, 310000, result);
    },
    keyword: () => {
      if (!o.keywords?.length) return undefined;
      const texts = !parsed.ok
        ? [ctx.text]
        : o.keywordScope === 'text-fields'
          ? stringsUnderKeys(body, TEXT_KEYS)
          : allStrings(body);
      return containsKeyword(texts, o.keywords) ? undefined : answer(hook, 310000, 'keywords not in content');
    },
    size: () =>
      ctx.rawBody.length > maxBytes
        ? answer(hook, 460101, `message too long, exceed ${maxBytes} bytes`)
        : undefined,
    body: () => {
      const missing = dingtalkMissingField(body);
      return missing === undefined
        ? undefined
        : answer(hook, o.invalidBodyCode ?? 40035, `缺少参数 ${missing}`);
    },
    rate: () => {
      const tooFast = 'send too fast, exceed 20 times per minute';
      if (now < hook.blockedUntil) {
        rateLimited = true;
        if (o.throttleMode === '302') {
          return {
            reply: {
              status: 302,
              headers: { location: `${ctx.baseUrl}/__throttled`, 'content-type': 'text/html; charset=utf-8' },
              body: '',
            },
            code: 130101,
            message: 'blocked (302 mode)',
            delivered: false,
          };
        }
        return answer(hook, 130101, tooFast);
      }
      if (hook.counter.exceeded(rules, o.rateWindow ?? 'rolling', now)) {
        rateLimited = true;
        hook.blockedUntil = now + (o.blockMs ?? DINGTALK_BLOCK_MS);
        return answer(hook, 130101, tooFast);
      }
      return undefined;
    },
    quota: () =>
      o.monthlyQuota != null && hook.acceptedCount >= o.monthlyQuota
        ? answer(hook, 90030, 'webhook over limit')
        : undefined,
  };

  const outcome = runChecks(o.checkOrder ?? DINGTALK_DEFAULT_ORDER, checks) ?? answer(hook, 0, 'ok');
  countHit(hook, outcome, rateLimited, o.countRejected, now, rules);
  deliver(hook, outcome, body);
  return outcome;
}
