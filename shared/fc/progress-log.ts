import type { AuditProgress } from '../audit/run';

/**
 * Progress of a function's run as structured JSON log lines (FC collects stdout into its log
 * store, where they can be queried by field): one at every tenth of the way, and at the end.
 */
export function progressLogger(
  fields: { requestId: string; runId?: string },
  write: (line: string) => void = console.log,
) {
  let lastTenth = -1;
  return (progress: AuditProgress) => {
    const tenth = progress.total === 0 ? 10 : Math.floor((progress.done / progress.total) * 10);
    if (tenth === lastTenth && progress.done !== progress.total) return;
    lastTenth = tenth;
    write(JSON.stringify({ level: 'info', event: 'audit.progress', ...fields, ...progress }));
  };
}
