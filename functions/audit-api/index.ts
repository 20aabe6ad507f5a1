/**
 * The function's entry: deliberately tiny, so a chat command's cold start stays far inside Slack's
 * 3 s. The handler (./handler.ts) and the audit engine behind it load on the first invocation
 * (shared/fc/lazy-entry.ts).
 */
import { lazyHandler } from '../../shared/fc/lazy-entry';
import type { AuditApiDeps } from './handler';

export type { AuditApiDeps } from './handler';

export const createHandler = (deps: AuditApiDeps) => lazyHandler(() => import('./handler'), deps);
export const handler = createHandler({ env: process.env });
