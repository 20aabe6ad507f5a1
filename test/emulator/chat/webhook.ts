/** Standard Webhooks receiver, `POST /hooks/:id` (§8, §12.2). */
import { deliver, type Outcome, type RequestContext, textReply, type WebhookHook } from './hooks';
import { tryParseJson } from './util';
import { verifyStandardWebhook } from './verify';

function answer(status: number, code: string, message: string, delivered = false): Outcome {
  return { reply: textReply(status, status < 300 ? '' : message), code, message, delivered };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function webhookBusinessOutcome(code: number, msg: string): Outcome {
  return {
    ...answer(200, String(code), msg),
    reply: textReply(200, JSON.stringify({ code, msg }), 'application/json'),
  };
}

export function handleWebhook(ctx: RequestContext, hook: WebhookHook | undefined): Outcome {
  if (!hook) return answer(404, 'unknown_hook', 'unknown endpoint');
  const o = hook.options;
  const id = first(ctx.headers['webhook-id']);
  const result = verifyStandardWebhook({
    secrets: o.secrets,
    id,
    timestamp: first(ctx.headers['webhook-timestamp']),
    signature: first(ctx.headers['webhook-signature']),
    body: ctx.rawBody,
    nowMs: ctx.now,
    toleranceSec: o.toleranceSec,
    boundary: ctx.boundary,
  });
  switch (result) {
    case 'malformed':
      return answer(
        400,
        'malformed',
        'missing or malformed webhook-id / webhook-timestamp / webhook-signature',
      );
    case 'too_old':
      return answer(400, 'stale', 'Message timestamp too old');
    case 'too_new':
      return answer(400, 'stale', 'Message timestamp too new');
    case 'bad_signature':
      return answer(401, 'bad_signature', 'No matching signature found');
    default:
      break;
  }
  const status = o.successStatus ?? 200;
  if (id !== undefined && hook.seenIds.has(id))
    return answer(status, 'duplicate', `duplicate webhook-id ${id}`);
  if (id !== undefined) hook.seenIds.add(id);
  const parsed = tryParseJson(ctx.text);
  const outcome = answer(status, 'ok', 'ok', true);
  deliver(hook, outcome, parsed.ok ? parsed.value : ctx.text);
  return outcome;
}
