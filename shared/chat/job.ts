/**
 * A chat command's audit, run as an asynchronous invocation of the same function: the route
 * acknowledges within the chat service's deadline and hands this event to FC, whose invocation
 * then has the function's whole time budget.
 */

import { z } from 'zod';
import { EventError } from '../fc/events';
import { oneLine } from '../text';
import { CLUSTER_ID } from './commands';

export const CHAT_JOB_KIND = 'imagegw-audit.chat-job';

export const chatJobSchema = z
  .object({
    kind: z.literal(CHAT_JOB_KIND),
    // The route makes it (newRunId): time and hex, nothing a log line or a state key would mind.
    runId: z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/),
    clusterId: z.string().regex(CLUSTER_ID).optional(),
    caller: z.string().min(1).max(200),
    reply: z
      .object({
        service: z.enum(['slack', 'dingtalk']),
        url: z.string().url().max(2000),
        expiresAt: z.number().int().optional(),
      })
      .strict(),
  })
  .strict();

export type ChatJob = z.infer<typeof chatJobSchema>;

/** The event is a chat job (not an HTTP trigger event): FC builds HTTP events, so no caller can forge this shape over HTTP. */
export function asChatJob(event: unknown): ChatJob | undefined {
  if (!Buffer.isBuffer(event)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(event.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || (json as { kind?: unknown }).kind !== CHAT_JOB_KIND)
    return undefined;
  const parsed = chatJobSchema.safeParse(json);
  // An EventError: the handler answers 400 naming the field, not 500.
  if (!parsed.success) {
    throw new EventError(
      `chat job: ${oneLine(parsed.error.issues[0]?.path.join('.') || 'event', 120)}: invalid`,
    );
  }
  return parsed.data;
}
