import { buildReport } from '../audit/report';
import { notReachedReason, unreadResult } from '../audit/run';
import type { ClusterResult, Finding, Report } from '../audit/types';
import { waiverNotices } from '../audit/waivers';
import type { Policy } from '../policy/policy';
import { getJson, type StateStore } from '../state/store';
import { assembledKey, finishedShards, readManifest, readShard, saveReport } from './run-state';

interface AssemblyClaim {
  by: string;
  at: string;
}

/**
 * Called by every party that may have completed a run (each worker after writing its shard, the
 * coordinator after recording shards it could not hand out). Returns the report to the one party
 * that assembles it, undefined to everyone else.
 *
 * Whoever writes the last shard sees all of them, since each party writes before it looks; two
 * that finish together both see all, and the store's create-only write of `assembled` lets one
 * win. The same invocation retried by FC (same `by`) may take its claim up again, so a crash
 * between claiming and notifying does not lose the run.
 */
export async function tryAssemble(
  store: StateStore,
  runId: string,
  by: string,
  policy: Policy,
  now: Date,
  /** `give-up`: a run abandoned by a worker; its missing shards become clusters in error (`WorkerLost`). */
  missing: 'wait' | 'give-up' = 'wait',
  /** Recovery only: take over a claim whose holder died before saving the report. */
  takeOver = false,
): Promise<Report | undefined> {
  const manifest = await readManifest(store, runId);
  const done = new Set(await finishedShards(store, runId));
  if (missing === 'wait') {
    for (let shard = 0; shard < manifest.shardCount; shard += 1) if (!done.has(shard)) return undefined;
  }
  const claim: AssemblyClaim = { by, at: now.toISOString() };
  if (!(await store.create(assembledKey(runId), JSON.stringify(claim)))) {
    const holder = await getJson<AssemblyClaim>(store, assembledKey(runId));
    if (holder?.by !== by && !takeOver) return undefined;
  }
  const clusters: ClusterResult[] = [...manifest.listing.unlisted];
  const findings: Finding[] = [];
  let notReached = 0;
  for (let shard = 0; shard < manifest.shardCount; shard += 1) {
    const record = done.has(shard) ? await readShard(store, runId, shard) : undefined;
    if (!record) {
      if (missing === 'wait') throw new Error(`run ${runId}: shard ${shard} was listed but cannot be read`);
      clusters.push(
        ...(manifest.shards[shard] ?? []).map((target) =>
          unreadResult(
            target,
            'WorkerLost',
            'not read: the worker for its shard never finished (Function Compute gave up retrying it)',
          ),
        ),
      );
      continue;
    }
    for (const cluster of record.result.clusters) clusters.push(cluster);
    for (const finding of record.result.findings) findings.push(finding);
    notReached += record.result.notReached;
  }
  const startedAt = new Date(manifest.startedAt);
  const incompleteReasons = [...manifest.listing.incompleteReasons];
  if (notReached > 0) incompleteReasons.push(notReachedReason(notReached));
  const report = buildReport({
    runId,
    mode: manifest.mode,
    startedAt,
    finishedAt: now,
    policy,
    clusters,
    findings,
    regions: manifest.listing.regions,
    ...(manifest.clusterFilter ? { clusterFilter: manifest.clusterFilter } : {}),
    incompleteReasons,
    notices: waiverNotices(policy, startedAt),
  });
  // Labelled with the policy the run started with: a worker with another policy stored its
  // clusters as PolicyChanged, so every judged finding is the run's policy's.
  const labelled: Report = {
    ...report,
    policy: { source: manifest.policySource ?? report.policy.source, sha256: manifest.policySha256 },
  };
  await saveReport(store, labelled);
  return labelled;
}
