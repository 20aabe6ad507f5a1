/** Slack incoming webhook, `POST /services/:team/:bot/:secret` (§6, §12.2). Bodies are text/html. */
import { deliver, type Outcome, type RequestContext, type SlackHook, textReply } from './hooks';
import type { SlackCheck } from './types';
import { isRecord, runChecks, tryParseJson } from './util';

export const SLACK_DEFAULT_ORDER: readonly SlackCheck[] = ['body', 'missing', 'blocks', 'rate'];
const HTML = 'text/html';
const BLOCK_TYPES = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'rich_text',
  'markdown',
  'input',
  'file',
  'video',
]);

function answer(status: number, text: string, headers: Record<string, string> = {}): Outcome {
  return {
    reply: textReply(status, text, HTML, headers),
    code: text,
    message: text,
    delivered: status === 200 && text === 'ok',
  };
}

export function slackBusinessOutcome(msg: string): Outcome {
  return { ...answer(200, msg), delivered: false };
}

export function slackUnknownOutcome(body: string): Outcome {
  return answer(404, body);
}

type Len = (s: string) => number;

function textObjectProblem(
  value: unknown,
  where: string,
  max: number,
  len: Len,
  plainOnly = false,
): string | undefined {
  if (!isRecord(value)) return `${where} is not a text object`;
  if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn'))
    return `${where}.type is invalid`;
  if (typeof value.text !== 'string' || len(value.text) < 1) return `${where}.text is empty`;
  if (len(value.text) > max) return `${where}.text is longer than ${max} characters`;
  return undefined;
}

/** The first Block Kit limit (§6.3) the blocks break, described; undefined when they are fine. */
export function slackBlocksProblem(blocks: unknown, len: Len = (s) => s.length): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks is not an array';
  if (blocks.length > 50) return `${blocks.length} blocks (max 50)`;
  for (const [i, block] of blocks.entries()) {
    const at = `blocks[${i}]`;
    if (!isRecord(block) || typeof block.type !== 'string') return `${at} has no type`;
    if (!BLOCK_TYPES.has(block.type)) return `${at}.type ${block.type} is unknown`;
    if (block.block_id !== undefined && (typeof block.block_id !== 'string' || len(block.block_id) > 255)) {
      return `${at}.block_id is longer than 255 characters`;
    }
    let problem: string | undefined;
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined)
          return `${at} has neither text nor fields`;
        if (block.text !== undefined) problem = textObjectProblem(block.text, `${at}.text`, 3000, len);
        if (problem) return problem;
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length < 1) return `${at}.fields is empty`;
          if (block.fields.length > 10) return `${at}.fields has ${block.fields.length} items (max 10)`;
          for (const [j, field] of block.fields.entries()) {
            problem = textObjectProblem(field, `${at}.fields[${j}]`, 2000, len);
            if (problem) return problem;
          }
        }
        break;
      }
      case 'header':
        problem = textObjectProblem(block.text, `${at}.text`, 150, len, true);
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10) {
          problem = `${at}.elements must have 1 to 10 items`;
        }
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 25) {
          problem = `${at}.elements must have 1 to 25 items`;
        }
        break;
      case 'rich_text':
        if (!Array.isArray(block.elements)) problem = `${at}.elements is not an array`;
        break;
      case 'markdown':
        if (typeof block.text !== 'string' || len(block.text) < 1 || len(block.text) > 12_000) {
          problem = `${at}.text must have 1 to 12000 characters`;
        }
        break;
      default:
        break;
    }
    if (problem) return problem;
  }
  return undefined;
}

function totalChars(value: unknown, len: Len): number {
  if (typeof value === 'string') return len(value);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + totalChars(v, len), 0);
  if (isRecord(value)) return Object.values(value).reduce((n: number, v) => n + totalChars(v, len), 0);
  return 0;
}

function payloadText(ctx: RequestContext): string | undefined {
  const type = String(ctx.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return new URLSearchParams(ctx.text).get('payload') ?? undefined;
  }
  return ctx.text;
}

export function handleSlack(ctx: RequestContext, hook: SlackHook | undefined, unknownBody: string): Outcome {
  if (!hook) return slackUnknownOutcome(unknownBody);
  const o = hook.options;
  const len: Len = o.charCount === 'codepoints' ? (s) => [...s].length : (s) => s.length;
  const text = payloadText(ctx);
  const parsed = text === undefined ? { ok: false as const } : tryParseJson(text);
  const body = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;

  const checks: Record<SlackCheck, () => Outcome | undefined> = {
    body: () => (body ? undefined : answer(400, 'invalid_payload')),
    missing: () => {
      const hasText = typeof body?.text === 'string' && body.text.trim() !== '';
      const blocks = body?.blocks;
      const hasBlocks =
        blocks !== undefined && blocks !== null && !(Array.isArray(blocks) && blocks.length === 0);
      const hasAttachments = Array.isArray(body?.attachments) && body.attachments.length > 0;
      return hasText || hasBlocks || hasAttachments
        ? undefined
        : answer(400, 'missing_text_or_fallback_or_attachments');
    },
    blocks: () => {
      const blocks = body?.blocks;
      if (blocks === undefined || blocks === null) return undefined;
      const problem = slackBlocksProblem(blocks, len);
      if (problem) return { ...answer(400, o.invalidBlocksBody ?? 'invalid_blocks'), message: problem };
      if (o.maxBlocksChars != null && totalChars(blocks, len) > o.maxBlocksChars) {
        return answer(400, 'msg_blocks_too_long');
      }
      return undefined;
    },
    rate: () => {
      const taken = hook.bucket.take(ctx.now);
      return taken.ok
        ? undefined
        : answer(429, o.rateLimitedBody ?? 'rate_limited', { 'retry-after': String(taken.retryAfterSec) });
    },
  };

  const outcome = runChecks(o.checkOrder ?? SLACK_DEFAULT_ORDER, checks) ?? answer(200, 'ok');
  deliver(hook, outcome, body);
  return outcome;
}
