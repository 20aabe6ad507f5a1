import { type AuditTarget, type TargetsAudit, unreadResult } from '../audit/run';
import { EventError } from '../fc/events';
import type { Policy } from '../policy/policy';
import type { StateStore } from '../state/store';
import { oneLine } from '../text';
import { readManifest, readShard, type ShardEvent, shardEventSchema, writeShard } from './run-state';

/** The worker's event: a Buffer of JSON (FC passes bytes), checked before anything is read. */
export function parseShardEvent(event: unknown): ShardEvent {
  const text = Buffer.isBuffer(event)
    ? event.toString('utf8')
    : typeof event === 'string'
      ? event
      : undefined;
  if (text === undefined || text.trim() === '') throw new EventError('shard event: the event is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EventError('shard event: the event is not JSON');
  }
  const parsed = shardEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EventError(
      `shard event: ${oneLine(issue?.path.join('.') || 'event', 120)}: ${oneLine(issue?.message ?? 'invalid')}`,
    );
  }
  const { runId, shard, shardCount, targets } = parsed.data;
  return {
    runId,
    shard,
    shardCount,
    targets: targets.map(({ clusterId, region, name }) => ({ clusterId, region, ...(name ? { name } : {}) })),
  };
}

export interface ShardOutcome {
  clusters: number;
  errors: number;
  /** The shard's results were already stored (an FC retry after they were written): nothing was read. */
  reused: boolean;
}

/**
 * Reads one shard's clusters and stores their results. The run's instant (waivers, staleness) is
 * the run's start from the manifest, so every shard judges alike. A worker whose policy is not the
 * run's (a deployment between the timer and this shard) records its clusters as errors rather
 * than mix two policies in one report.
 */
export async function runShard(
  event: ShardEvent,
  deps: {
    store: StateStore;
    policy: Policy;
    read: (targets: readonly AuditTarget[], now: Date) => Promise<TargetsAudit>;
    by: string;
  },
): Promise<ShardOutcome> {
  const existing = await readShard(deps.store, event.runId, event.shard);
  if (existing) {
    const errors = existing.result.clusters.filter((cluster) => cluster.status === 'error').length;
    return { clusters: existing.result.clusters.length, errors, reused: true };
  }
  const manifest = await readManifest(deps.store, event.runId);
  if (event.shardCount !== manifest.shardCount) {
    throw new EventError(
      `shard event: run ${event.runId} has ${manifest.shardCount} shards, not ${event.shardCount}`,
    );
  }
  const result: TargetsAudit =
    manifest.policySha256 === deps.policy.sha256
      ? await deps.read(event.targets, new Date(manifest.startedAt))
      : {
          clusters: event.targets.map((target) =>
            unreadResult(
              target,
              'PolicyChanged',
              "not read: this worker's policy differs from the one the run started with; the next run audits it",
            ),
          ),
          findings: [],
          notReached: 0,
        };
  await writeShard(deps.store, {
    kind: 'imagegw-audit.fanout-shard',
    runId: event.runId,
    shard: event.shard,
    by: deps.by,
    result,
  });
  const errors = result.clusters.filter((cluster) => cluster.status === 'error').length;
  return { clusters: result.clusters.length, errors, reused: false };
}
