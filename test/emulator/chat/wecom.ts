/** WeCom group robot, `POST /cgi-bin/webhook/send?key=…` (§5, §12.2). Always HTTP 200. */
import { countHit, deliver, jsonReply, type Outcome, type RequestContext, type WecomHook } from './hooks';
import type { RateRule, WecomCheck } from './types';
import { isRecord, nonEmptyString, randomString, runChecks, tryParseJson, utf8Bytes } from './util';

export const WECOM_DEFAULT_ORDER: readonly WecomCheck[] = ['body', 'empty', 'length', 'rate'];
export const WECOM_DEFAULT_RATE: readonly RateRule[] = [{ max: 20, windowMs: 60_000 }];
const MSG_TYPES = new Set([
  'text',
  'markdown',
  'markdown_v2',
  'image',
  'news',
  'file',
  'voice',
  'template_card',
]);

/** The real suffix: `, hint: [<id>], from ip: <caller>, more info at …?e=<code>`. */
export function wecomErrmsg(text: string, code: number, ip: string): string {
  const hint = `${Date.now()}${randomString('0123456789', 12)}`;
  return `${text}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${code}`;
}

function answer(ctx: RequestContext, errcode: number, text: string): Outcome {
  const errmsg = errcode === 0 ? 'ok' : wecomErrmsg(text, errcode, ctx.ip);
  return {
    reply: jsonReply(200, { errcode, errmsg }),
    code: errcode,
    message: text,
    delivered: errcode === 0,
  };
}

export function wecomBusinessOutcome(ctx: RequestContext, code: number, msg: string): Outcome {
  return { ...answer(ctx, code, msg), delivered: false };
}

function hasContent(body: Record<string, unknown>, type: string): boolean {
  const part = body[type];
  if (!isRecord(part)) return false;
  switch (type) {
    case 'text':
    case 'markdown':
    case 'markdown_v2':
      return nonEmptyString(part.content);
    case 'image':
      return nonEmptyString(part.base64) && nonEmptyString(part.md5);
    case 'news':
      return Array.isArray(part.articles) && part.articles.length > 0;
    case 'file':
    case 'voice':
      return nonEmptyString(part.media_id);
    default:
      return true;
  }
}

export function handleWecom(ctx: RequestContext, hook: WecomHook | undefined): Outcome {
  if (!hook) return answer(ctx, 93000, 'invalid webhook url');
  const o = hook.options;
  const now = ctx.now;
  const parsed = tryParseJson(ctx.text);
  const body = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
  const type = typeof body?.msgtype === 'string' ? body.msgtype : '';
  const rules = o.rate ?? WECOM_DEFAULT_RATE;
  let rateLimited = false;
  const tooLong = (field: string, max: number, code = 40058): Outcome =>
    answer(ctx, code, `${field} exceed max length ${max}. invalid Request Parameter`);

  const checks: Record<WecomCheck, () => Outcome | undefined> = {
    body: () => {
      if (!body) return answer(ctx, o.invalidJsonCode ?? 47001, 'data format error');
      return MSG_TYPES.has(type) ? undefined : answer(ctx, 40008, 'invalid message type');
    },
    empty: () => (body && hasContent(body, type) ? undefined : answer(ctx, 44004, 'empty content')),
    length: () => {
      const part = body?.[type];
      if (!isRecord(part)) return undefined;
      if (type === 'text' && typeof part.content === 'string') {
        const max = o.textMaxBytes ?? 2048;
        if (utf8Bytes(part.content) > max) return tooLong('text.content', max, o.textTooLongCode ?? 40058);
      }
      if ((type === 'markdown' || type === 'markdown_v2') && typeof part.content === 'string') {
        const max = o.markdownMaxBytes ?? 4096;
        if (utf8Bytes(part.content) > max) return tooLong(`${type}.content`, max);
      }
      if (type === 'news' && Array.isArray(part.articles)) {
        const max = o.newsMaxArticles ?? 8;
        if (part.articles.length > max) return tooLong('news.articles', max);
      }
      return undefined;
    },
    rate: () => {
      if (now < hook.blockedUntil || hook.counter.exceeded(rules, o.rateWindow ?? 'rolling', now)) {
        rateLimited = true;
        if (now >= hook.blockedUntil && o.blockMs) hook.blockedUntil = now + o.blockMs;
        return answer(ctx, 45009, 'api freq out of limit');
      }
      return undefined;
    },
  };

  const outcome = runChecks(o.checkOrder ?? WECOM_DEFAULT_ORDER, checks) ?? answer(ctx, 0, 'ok');
  countHit(hook, outcome, rateLimited, o.countRejected, now, rules);
  deliver(hook, outcome, body);
  return outcome;
}
