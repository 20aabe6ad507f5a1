/**
 * `e2e`: the whole audit of a 2,000-cluster, 4-region fleet over real HTTP against the E-HPC
 * emulator, which adds 50 ms to every call and enforces 50 requests/s per region. The auditor runs
 * in a child process (production path, qps 50); its wall time is compared with the time the rate
 * limit alone requires, and with a plain sequential pop-core loop over a 200-cluster sample.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generateFleet } from '../test/emulator/ehpc/fleet';
import { startEhpcEmulator } from '../test/emulator/ehpc/server';
import type { EhpcEmulator, RecordedRequest } from '../test/emulator/ehpc/types';
import {
  type AuditChildInput,
  BENCH_CREDENTIALS,
  EXAMPLE_POLICY,
  PAGE_SIZE,
  REGIONS,
  round,
  runChild,
} from './common';

function concurrencyFromEnv(fallback: number): number {
  const text = process.env.IMAGEGW_BENCH_CONCURRENCY;
  if (text === undefined || text === '') return fallback;
  if (!/^[1-9]\d*$/.test(text))
    throw new Error(`IMAGEGW_BENCH_CONCURRENCY: a positive whole number, not ${text}`);
  return Number(text);
}

export const E2E = {
  clustersPerRegion: 500,
  latencyMs: 50,
  perSecond: 50,
  /** The client's pace: the same as the emulator's limit. */
  qps: 50,
  naivePerRegion: 50,
  /**
   * Gateway reads in flight across regions for the measured run: Little's law asks for 50
   * requests/s × 50 ms ≈ 2.5 per region, so 4 regions need about 10; 16 leaves headroom. Reads take
   * turns between regions (shared/audit/run.ts), so every region's pace is used at once.
   * IMAGEGW_BENCH_CONCURRENCY overrides it.
   */
  concurrency: concurrencyFromEnv(16),
  /**
   * The diagnostic run's concurrency: the fleet's size, every read waiting for its pace at once.
   * It shows what the pace alone does under a pile-up (timers firing late on a busy event loop).
   */
  stressConcurrency: 2000,
} as const;

export interface RegionSpan {
  region: string;
  requests: number;
  throttled: number;
  /** Seconds from the run's first request to this region's last ListClusters request. */
  listedS: number;
  /** Seconds from the run's first request to this region's first and last DescribeImageGatewayConfig. */
  firstReadS: number;
  lastReadS: number;
  /** DescribeImageGatewayConfig requests per second between the two. */
  readRps: number;
}

export interface AuditRun {
  concurrency: number;
  wallSeconds: number;
  ratioToBound: number;
  throttledResponses: number;
  /** Requests the emulator received from the audit (more than needed when some were retried). */
  requests: number;
  auditErrors: number;
  complete: boolean;
  /** When the last ListClusters request arrived, from the run's first request: no read starts before. */
  listingSeconds: number;
  perRegion: RegionSpan[];
  /** Event-loop delay of the auditing process (p99, max), in ms. */
  auditorLoopDelayMs: { p99: number; max: number };
  /** Event-loop delay of the emulator's process during the run (p99, max), in ms. */
  emulatorLoopDelayMs: { p99: number; max: number };
}

export interface E2eResult extends AuditRun {
  clusters: number;
  regions: number;
  latencyMs: number;
  perSecond: number;
  qps: number;
  /** Max over regions of (ListClusters pages + one DescribeImageGatewayConfig per cluster) / perSecond. */
  boundSeconds: number;
  requestsNeeded: number;
  naive: {
    sampleClusters: number;
    sampleSeconds: number;
    scale: number;
    throttledResponses: number;
    errors: number;
  };
  naiveWallSeconds: number;
  speedupVsNaive: number;
  /** The same audit with E2E.stressConcurrency slots: where time goes when regions queue up. */
  diagnostics: { stressConcurrency: AuditRun };
}

const isThrottled = (request: RecordedRequest) => request.code?.startsWith('Throttling') === true;

/** Where each region's time went, from the emulator's records (request arrival times). */
export function regionSpans(records: readonly RecordedRequest[], regions: readonly string[]): RegionSpan[] {
  const origin = Math.min(...records.map((request) => request.at));
  const seconds = (at: number) => round((at - origin) / 1000, 2);
  return regions.map((region) => {
    const mine = records.filter((request) => request.region === region);
    const reads = mine.filter((request) => request.action === 'DescribeImageGatewayConfig').map((r) => r.at);
    const lists = mine.filter((request) => request.action === 'ListClusters').map((r) => r.at);
    const first = Math.min(...reads);
    const last = Math.max(...reads);
    return {
      region,
      requests: mine.length,
      throttled: mine.filter(isThrottled).length,
      listedS: seconds(Math.max(...lists)),
      firstReadS: seconds(first),
      lastReadS: seconds(last),
      readRps: last > first ? round((reads.length - 1) / ((last - first) / 1000), 1) : 0,
    };
  });
}

const pause = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

/** One audit in a child process; the emulator's records of it are taken out of `emulator.requests`. */
async function auditRun(
  emulator: EhpcEmulator,
  input: Omit<AuditChildInput, 'concurrency'>,
  concurrency: number,
  boundSeconds: number,
): Promise<AuditRun> {
  // Past the previous run's window: every run starts with the limit's full allowance.
  await pause(1100);
  emulator.requests.splice(0);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const audit = await runChild({ ...input, concurrency });
  loop.disable();
  const records = emulator.requests.splice(0);
  const perRegion = regionSpans(records, input.regions);
  const wallSeconds = audit.wallMs / 1000;
  return {
    concurrency,
    wallSeconds: round(wallSeconds),
    ratioToBound: round(wallSeconds / boundSeconds),
    throttledResponses: records.filter(isThrottled).length,
    requests: records.length,
    auditErrors: audit.errors,
    complete: audit.complete,
    listingSeconds: Math.max(...perRegion.map((span) => span.listedS)),
    perRegion,
    auditorLoopDelayMs: audit.loopDelayMs ?? { p99: Number.NaN, max: Number.NaN },
    emulatorLoopDelayMs: { p99: round(loop.percentile(99) / 1e6, 1), max: round(loop.max / 1e6, 1) },
  };
}

export async function benchE2e(): Promise<E2eResult> {
  const now = Date.now();
  const regions: Record<string, ReturnType<typeof generateFleet>> = {};
  for (const region of REGIONS) regions[region] = generateFleet(region, E2E.clustersPerRegion, { now });
  const needed = Object.values(regions).map(
    (clusters) => Math.max(1, Math.ceil(clusters.length / PAGE_SIZE)) + clusters.length,
  );
  const clusters = Object.values(regions).reduce((sum, list) => sum + list.length, 0);
  const boundSeconds = Math.max(...needed) / E2E.perSecond;

  const emulator = await startEhpcEmulator({
    regions,
    credentials: [BENCH_CREDENTIALS],
    latencyMs: E2E.latencyMs,
    rateLimit: { perSecond: E2E.perSecond },
  });
  try {
    const fleet = { endpoints: { ...emulator.endpoints }, regions: [...REGIONS], policyFile: EXAMPLE_POLICY };
    const input = { mode: 'audit' as const, ...fleet, qps: E2E.qps };
    const measured = await auditRun(emulator, input, E2E.concurrency, boundSeconds);
    const little = await auditRun(emulator, input, E2E.stressConcurrency, boundSeconds);

    await pause(1100);
    emulator.requests.splice(0);
    const naive = await runChild({ mode: 'naive', ...fleet, perRegion: E2E.naivePerRegion });
    const naiveRecords = emulator.requests.splice(0);
    const scale = clusters / naive.clusters;
    const naiveWallSeconds = (naive.wallMs / 1000) * scale;
    return {
      clusters,
      regions: REGIONS.length,
      latencyMs: E2E.latencyMs,
      perSecond: E2E.perSecond,
      qps: E2E.qps,
      boundSeconds: round(boundSeconds),
      requestsNeeded: needed.reduce((sum, count) => sum + count, 0),
      ...measured,
      naive: {
        sampleClusters: naive.clusters,
        sampleSeconds: round(naive.wallMs / 1000),
        scale,
        throttledResponses: naiveRecords.filter(isThrottled).length,
        errors: naive.errors,
      },
      naiveWallSeconds: round(naiveWallSeconds),
      speedupVsNaive: round(naiveWallSeconds / measured.wallSeconds, 2),
      diagnostics: { stressConcurrency: little },
    };
  } finally {
    await emulator.close();
  }
}
