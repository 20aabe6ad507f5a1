import { createHash } from 'node:crypto';

/**
 * FC retries a failed async invocation with the same event: a run id derived from the trigger
 * time lets receivers recognise the repeat.
 */
export function scheduledRunId(triggerName: string, triggerTime: string): string {
  const time = new Date(triggerTime);
  const stamp = Number.isNaN(time.getTime()) ? triggerTime : time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${createHash('sha256').update(triggerName).digest('hex').slice(0, 4)}`;
}
