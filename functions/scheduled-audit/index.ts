/**
 * The function's entry: deliberately tiny. The handler (./handler.ts) and the audit engine behind
 * it load on the first invocation (shared/fc/lazy-entry.ts).
 */
import { lazyHandler } from '../../shared/fc/lazy-entry';
import type { ScheduledAuditDeps } from './handler';

export type { ScheduledAuditDeps } from './handler';
export { scheduledRunId } from './run-id';

export const createHandler = (deps: ScheduledAuditDeps) => lazyHandler(() => import('./handler'), deps);
export const handler = createHandler({ env: process.env });
