/**
 * The function's entry: deliberately tiny. The handler (./handler.ts) and the audit engine behind
 * it load on the first invocation (shared/fc/lazy-entry.ts).
 */
import { lazyHandler } from '../../shared/fc/lazy-entry';
import type { AuditWorkerDeps } from './handler';

export type { AuditWorkerDeps } from './handler';

export const createHandler = (deps: AuditWorkerDeps) => lazyHandler(() => import('./handler'), deps);
export const handler = createHandler({ env: process.env });
