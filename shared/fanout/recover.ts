import type { Report } from '../audit/types';
import type { Policy } from '../policy/policy';
import { getJson, type StateStore } from '../state/store';
import { tryAssemble } from './assemble';
import { FANOUT_PREFIX, manifestKey, type RunManifest } from './run-state';

/**
 * A fanned-out run whose workers have not all finished this long after it started will not finish:
 * a worker gets at most 600 s per attempt and FC retries it three times (s.yaml), with backoff.
 */
export const ABANDONED_AFTER_MS = 2 * 60 * 60_000;
/** Fan-out records of assembled runs are kept this long, then deleted (reports live in run history). */
export const FANOUT_RETENTION_MS = 7 * 24 * 60 * 60_000;

/**
 * Run by each scheduled invocation before its own audit: earlier fanned-out runs that a lost
 * worker left unassembled are completed now, their missing shards' clusters in error, so the run
 * is reported as incomplete instead of never; old fan-out records are pruned. Returns the
 * recovered reports, oldest first, for the caller to deliver.
 */
export async function recoverAbandonedRuns(
  store: StateStore,
  options: { policy: Policy; now: Date; by: string; currentRunId: string },
): Promise<Report[]> {
  const keys = await store.list(FANOUT_PREFIX);
  const runs = new Map<string, string[]>();
  for (const key of keys) {
    const dir = key.split('/')[1];
    if (dir === undefined) continue;
    runs.set(dir, [...(runs.get(dir) ?? []), key]);
  }
  const recovered: Report[] = [];
  for (const [dir, runKeys] of runs) {
    const manifestEntry = runKeys.find((key) => key === `${FANOUT_PREFIX}/${dir}/manifest.json`);
    if (!manifestEntry) continue;
    const manifest = await getJson<RunManifest>(store, manifestEntry);
    if (!manifest || manifest.runId === options.currentRunId || manifestKey(manifest.runId) !== manifestEntry)
      continue;
    const age = options.now.getTime() - Date.parse(manifest.startedAt);
    const assembled = runKeys.includes(`${FANOUT_PREFIX}/${dir}/assembled`);
    const reported = runKeys.includes(`${FANOUT_PREFIX}/${dir}/report.json`);
    if (assembled && reported) {
      if (age > FANOUT_RETENTION_MS) for (const key of runKeys) await store.delete(key);
      continue;
    }
    if (age <= ABANDONED_AFTER_MS) continue;
    // Unassembled (a worker was lost), or claimed by an assembler that died before saving the
    // report: either way nobody else will report this run.
    const report = await tryAssemble(
      store,
      manifest.runId,
      options.by,
      options.policy,
      options.now,
      'give-up',
      assembled,
    );
    if (report) recovered.push(report);
  }
  return recovered.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
