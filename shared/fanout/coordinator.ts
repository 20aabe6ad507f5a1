import pLimit from 'p-limit';
import { type FleetListing, unreadResult } from '../audit/run';
import type { Report, RunMode } from '../audit/types';
import type { AsyncInvoker } from '../fc/invoker';
import type { Policy } from '../policy/policy';
import { redactSecrets } from '../redact';
import type { StateStore } from '../state/store';
import { tryAssemble } from './assemble';
import { manifestKey, type RunManifest, shardEvent, writeShard } from './run-state';
import { splitIntoShards } from './shards';

export interface FanOutRequest {
  runId: string;
  mode: RunMode;
  startedAt: Date;
  policy: Policy;
  listing: FleetListing;
  clusterFilter?: readonly string[];
  shardSize: number;
  store: StateStore;
  invoker: AsyncInvoker;
  /** This invocation's id: the assembly claim's owner if the coordinator ends up assembling. */
  by: string;
  now: () => Date;
}

export interface FanOutResult {
  kind: 'imagegw-audit.fan-out';
  runId: string;
  clusters: number;
  shards: number;
  /** Shards FC accepted; the others are recorded as not evaluated (`WorkerNotInvoked`). */
  invoked: number;
  notInvoked: { shard: number; error: string }[];
  /** True when this run was already fanned out (an FC retry of the same trigger): nothing was sent. */
  alreadyStarted?: boolean;
}

export interface FanOut {
  summary: FanOutResult;
  /** The report, when the coordinator itself completed the run (only when some shards could not be handed out). */
  report?: Report;
}

/** Shards handed to FC at once: enough to start every worker quickly, few enough not to trip FC's throttling. */
const INVOKE_CONCURRENCY = 4;

/**
 * Splits the listed clusters into shards, records the run's manifest, and invokes the worker once
 * per shard. A run id is fanned out once: the manifest is written with the store's create-only
 * write, so a retried trigger does not start a second set of workers. A shard FC will not accept
 * (after the invoker's own retries) is written as "not evaluated" results, so the run still
 * completes, incomplete, rather than waiting forever for a worker that never started.
 */
export async function fanOut(request: FanOutRequest): Promise<FanOut> {
  const shards = splitIntoShards(request.listing.targets, request.shardSize);
  const { targets: _targets, ...listing } = request.listing;
  const manifest: RunManifest = {
    kind: 'imagegw-audit.fanout-manifest',
    runId: request.runId,
    mode: request.mode,
    startedAt: request.startedAt.toISOString(),
    policySha256: request.policy.sha256,
    policySource: request.policy.source,
    shardCount: shards.length,
    shards,
    listing,
    ...(request.clusterFilter ? { clusterFilter: [...request.clusterFilter] } : {}),
  };
  const base = {
    kind: 'imagegw-audit.fan-out' as const,
    runId: request.runId,
    clusters: request.listing.targets.length,
  };
  if (!(await request.store.create(manifestKey(request.runId), JSON.stringify(manifest)))) {
    return { summary: { ...base, shards: shards.length, invoked: 0, notInvoked: [], alreadyStarted: true } };
  }
  const limit = pLimit(INVOKE_CONCURRENCY);
  const notInvoked: { shard: number; error: string }[] = [];
  await Promise.all(
    shards.map((targets, shard) =>
      limit(async () => {
        try {
          await request.invoker.invokeAsync(shardEvent(request.runId, shard, shards.length, targets));
        } catch (error) {
          const message = redactSecrets(error instanceof Error ? error.message : String(error));
          notInvoked.push({ shard, error: message });
          await writeShard(request.store, {
            kind: 'imagegw-audit.fanout-shard',
            runId: request.runId,
            shard,
            by: request.by,
            result: {
              clusters: targets.map((target) =>
                unreadResult(
                  target,
                  'WorkerNotInvoked',
                  `not read: its shard could not be handed to a worker: ${message}`,
                ),
              ),
              findings: [],
              notReached: 0,
            },
          });
        }
      }),
    ),
  );
  notInvoked.sort((a, b) => a.shard - b.shard);
  const summary: FanOutResult = {
    ...base,
    shards: shards.length,
    invoked: shards.length - notInvoked.length,
    notInvoked,
  };
  if (notInvoked.length === 0) return { summary };
  // The workers may all have finished before these shards were recorded: then nobody else will assemble.
  const report = await tryAssemble(request.store, request.runId, request.by, request.policy, request.now());
  return report ? { summary, report } : { summary };
}
