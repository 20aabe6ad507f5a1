import pLimit from 'p-limit';
import { resolvePolicy } from '../audit/policy-source';
import {
  type AuditProgress,
  type AuditTarget,
  auditTargets,
  type FleetAuditOptions,
  type FleetListing,
  finishFleetAudit,
  listFleet,
  runFleetAudit,
} from '../audit/run';
import type { Report, RunMode } from '../audit/types';
import { realClock } from '../clock';
import { type Credentials, type Env, type FunctionConfig, functionConfig } from '../config';
import { createEhpcClient } from '../ehpc/pop-client';
import type { EhpcReader } from '../ehpc/port';
import { createRegionPacer } from '../pace/region-pacer';
import type { Policy } from '../policy/policy';

export type ReaderFactory = (
  credentials: Credentials,
  endpointFor: (region: string) => string,
  beforeRequest?: (region: string) => Promise<void>,
) => EhpcReader;

export const defaultReaderFactory: ReaderFactory = (credentials, endpointFor, beforeRequest) =>
  createEhpcClient({ credentials, endpointFor, ...(beforeRequest ? { beforeRequest } : {}) });

export interface AuditRequest {
  credentials: Credentials;
  mode: RunMode;
  runId?: string;
  clusterIds?: readonly string[];
  regions?: readonly string[];
  /** Epoch ms after which no new read starts: the invocation's timeout less a margin. */
  deadline?: number;
  onProgress?: (progress: AuditProgress) => void;
}

/**
 * What both functions do with a trigger once it is parsed: build a reader from this invocation's
 * credentials (they expire, so never reused) and audit the configured regions.
 */
export function createAuditService(
  config: FunctionConfig,
  policy: Policy,
  readerFactory: ReaderFactory = defaultReaderFactory,
  clock?: () => Date,
) {
  const auditOptions = (request: AuditRequest): FleetAuditOptions => ({
    // A fresh pace per run, per region (IMAGEGW_QPS).
    reader: readerFactory(
      request.credentials,
      config.endpointFor,
      createRegionPacer(config.qps, realClock, request.deadline),
    ),
    ...(request.deadline === undefined ? {} : { deadline: request.deadline }),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(clock ? { clock } : {}),
    policy,
    regions: request.regions ?? config.regions,
    ...(request.clusterIds ? { clusterIds: request.clusterIds } : {}),
    concurrency: config.concurrency,
    mode: request.mode,
    ...(request.runId ? { runId: request.runId } : {}),
  });
  return {
    config,
    policy,
    /** The run's instant (waivers, staleness): the injected clock in tests, else now. */
    now: () => (clock ?? (() => new Date()))(),
    run(request: AuditRequest): Promise<Report> {
      return runFleetAudit(auditOptions(request));
    },
    /**
     * A run in two steps sharing one reader, pace and concurrency limit: `list`, then either
     * `finish` here or hand the targets to workers (shared/fanout), each of which calls `read`.
     */
    staged(request: AuditRequest) {
      const options = auditOptions(request);
      const limit = pLimit(Math.max(1, config.concurrency));
      return {
        list: () =>
          listFleet(
            {
              reader: options.reader,
              regions: options.regions,
              ...(options.clusterIds ? { clusterIds: options.clusterIds } : {}),
            },
            limit,
          ),
        finish: (listing: FleetListing, startedAt: Date) =>
          finishFleetAudit(listing, options, startedAt, limit),
        read: (targets: readonly AuditTarget[], now: Date) =>
          auditTargets(
            targets,
            {
              reader: options.reader,
              policy,
              now,
              ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
              ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            },
            limit,
          ),
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/**
 * When reads must stop for an invocation that started at `startedMs`: its timeout less a quarter
 * of it (at least 30 s), which leaves time to build the report and deliver the messages.
 */
export function readDeadline(startedMs: number, timeoutSeconds: number | undefined): number {
  const timeoutMs = (timeoutSeconds ?? 60) * 1000;
  return startedMs + timeoutMs - Math.min(timeoutMs / 2, Math.max(30_000, timeoutMs / 4));
}

export interface ServiceDeps {
  env: Env;
  /** Where a relative IMAGEGW_POLICY_FILE resolves: the bundle's own folder in FC. */
  baseDir: string;
  readerFactory?: ReaderFactory;
  /** The run's clock (waiver expiry, staleness); tests pin it, production uses the real time. */
  clock?: () => Date;
}

/** What a function's `createHandler` takes; `baseDir` defaults to the bundle's own folder. */
export type HandlerDeps = Omit<ServiceDeps, 'baseDir'> & { baseDir?: string };

/**
 * Configuration and policy are read once per function instance, on first use; a failure is not
 * cached, so a fixed environment takes effect on the next invocation.
 */
export function lazyAuditService(deps: ServiceDeps): (context: { region?: string }) => Promise<AuditService> {
  let service: Promise<AuditService> | undefined;
  return (context) => {
    service ??= (async () => {
      const config = functionConfig(deps.env, context.region);
      const policy = await resolvePolicy(config.policy, deps.baseDir);
      return createAuditService(config, policy, deps.readerFactory, deps.clock);
    })();
    service.catch(() => {
      service = undefined;
    });
    return service;
  };
}
