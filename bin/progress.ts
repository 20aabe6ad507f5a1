import type { AuditProgress } from '../shared/audit/run';

/**
 * Progress of a `run` on stderr (stdout carries the report): a bar redrawn in place on a terminal,
 * and otherwise a plain line at every tenth of the way, so CI logs show it moving without flooding.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now) {
  const started = now();
  let lastTenth = -1;
  return (progress: AuditProgress) => {
    const { done, total, errors } = progress;
    const elapsed = (now() - started) / 1000;
    const left = done > 0 ? Math.round((elapsed / done) * (total - done)) : undefined;
    const eta = left === undefined ? '' : `, about ${left}s left`;
    const summary = `${done}/${total} clusters, ${errors} error${errors === 1 ? '' : 's'}${done < total ? eta : ''}`;
    if (stream.isTTY) {
      const width = 24;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${summary}\u001b[K${done === total ? '\n' : ''}`,
      );
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (tenth === lastTenth && done !== total) return;
    lastTenth = tenth;
    stream.write(`imagegw-audit: progress: ${summary}\n`);
  };
}
