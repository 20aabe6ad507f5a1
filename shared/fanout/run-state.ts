/**
 * A fanned-out run in the state store. The coordinator writes the manifest, each worker writes its
 * shard's results, and whoever creates `assembled` first (the store's create-only write) builds
 * the report and notifies. Keys:
 *
 *   fanout/<run>/manifest.json        what listing found, how many shards, when the run started
 *   fanout/<run>/shards/<i>.json      one shard's cluster results and findings
 *   fanout/<run>/assembled            the assembly claim: { by: <worker invocation id>, at }
 *   fanout/<run>/report.json          the assembled report
 */

import { z } from 'zod';
import type { AuditTarget, FleetListing, TargetsAudit } from '../audit/run';
import type { Report, RunMode } from '../audit/types';
import { getJson, keySegment, putJson, StateError, type StateStore } from '../state/store';
import { oneLine } from '../text';

export interface RunManifest {
  kind: 'imagegw-audit.fanout-manifest';
  runId: string;
  mode: RunMode;
  startedAt: string;
  /** The policy's hash: a worker running another policy refuses the shard rather than mix results. */
  policySha256: string;
  /** Where that policy came from (optional: manifests written before it was recorded lack it). */
  policySource?: string;
  shardCount: number;
  /** Each shard's clusters: what a lost shard's results are made of when the run is recovered. */
  shards: AuditTarget[][];
  listing: Omit<FleetListing, 'targets'>;
  clusterFilter?: string[];
}

export interface ShardRecord {
  kind: 'imagegw-audit.fanout-shard';
  runId: string;
  shard: number;
  /** The worker invocation that wrote it (FC keeps a request id across retries). */
  by: string;
  result: TargetsAudit;
}

export const FANOUT_PREFIX = 'fanout';
const runDir = (runId: string) => `${FANOUT_PREFIX}/${keySegment(runId)}`;
export const manifestKey = (runId: string) => `${runDir(runId)}/manifest.json`;
export const shardsPrefix = (runId: string) => `${runDir(runId)}/shards`;
export const shardKey = (runId: string, shard: number) =>
  `${shardsPrefix(runId)}/${String(shard).padStart(4, '0')}.json`;
export const assembledKey = (runId: string) => `${runDir(runId)}/assembled`;
export const reportKey = (runId: string) => `${runDir(runId)}/report.json`;

export async function readManifest(store: StateStore, runId: string): Promise<RunManifest> {
  const manifest = await getJson<RunManifest>(store, manifestKey(runId));
  if (manifest?.kind !== 'imagegw-audit.fanout-manifest' || manifest.runId !== runId) {
    throw new StateError(`run ${oneLine(runId, 120)} has no fan-out manifest`);
  }
  return manifest;
}

export const writeManifest = (store: StateStore, manifest: RunManifest) =>
  putJson(store, manifestKey(manifest.runId), manifest);

export const writeShard = (store: StateStore, record: ShardRecord) =>
  putJson(store, shardKey(record.runId, record.shard), record);

export async function readShard(
  store: StateStore,
  runId: string,
  shard: number,
): Promise<ShardRecord | undefined> {
  const record = await getJson<ShardRecord>(store, shardKey(runId, shard));
  return record?.kind === 'imagegw-audit.fanout-shard' && record.runId === runId && record.shard === shard
    ? record
    : undefined;
}

/** Shard numbers whose results are in the store. */
export async function finishedShards(store: StateStore, runId: string): Promise<number[]> {
  const keys = await store.list(shardsPrefix(runId));
  return keys
    .map((key) => /\/(\d{4,})\.json$/.exec(key)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number);
}

export const saveReport = (store: StateStore, report: Report) =>
  putJson(store, reportKey(report.runId), report);

/** The event one worker invocation gets: which run, which shard, and the clusters to read. */
export const shardEventSchema = z
  .object({
    kind: z.literal('imagegw-audit.shard'),
    runId: z.string().min(1).max(200),
    shard: z.number().int().min(0),
    shardCount: z.number().int().min(1),
    targets: z
      .array(
        z
          .object({
            clusterId: z.string().min(1).max(256),
            region: z.string().min(1).max(64),
            name: z.string().max(1000).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .refine((event) => event.shard < event.shardCount, { message: 'shard must be below shardCount' });

export interface ShardEvent {
  runId: string;
  shard: number;
  shardCount: number;
  targets: AuditTarget[];
}

/** Names are shortened to what the worker accepts: a name is for people, the id is what is read. */
export function shardEvent(
  runId: string,
  shard: number,
  shardCount: number,
  targets: readonly AuditTarget[],
) {
  const fitted = targets.map((target) =>
    target.name !== undefined && target.name.length > 1000
      ? { ...target, name: target.name.slice(0, 1000) }
      : target,
  );
  return JSON.stringify({ kind: 'imagegw-audit.shard', runId, shard, shardCount, targets: fitted });
}
