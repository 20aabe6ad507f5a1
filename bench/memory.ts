/**
 * `memory`: peak RSS of a child process auditing 10,000 clusters (4 regions × 2,500) through the
 * production path, with no latency, no rate limit and a pace too high to bind; the emulator runs
 * in this process so its memory is not counted. The baseline child loads the same bundle, reads
 * the policy and sets up the client, but audits nothing.
 */
import { generateFleet } from '../test/emulator/ehpc/fleet';
import { startEhpcEmulator } from '../test/emulator/ehpc/server';
import { BENCH_CREDENTIALS, EXAMPLE_POLICY, REGIONS, round, runChild } from './common';

export const MEMORY = {
  clusters: 10_000,
  qps: 100_000,
  /**
   * Without a pace, the concurrency is the number of requests (sockets) open at once: 16, four per
   * region, is above the production default (4) and what a 4-region run needs at 50 rps × 50 ms.
   */
  concurrency: 16,
} as const;

export interface MemoryResult {
  clusters: number;
  concurrency: number;
  peakRssMB: number;
  baselinePeakRssMB: number;
  /** peakRssMB − baselinePeakRssMB: what auditing the fleet added. */
  auditMB: number;
  /** peakRssMB / baselinePeakRssMB. */
  ratioToBaseline: number;
  /** What auditing added per cluster, in KB: how memory grows with the fleet. */
  kbPerCluster: number;
  wallSeconds: number;
  auditErrors: number;
  complete: boolean;
}

const mb = (kb: number) => round(kb / 1024, 1);

export async function benchMemory(): Promise<MemoryResult> {
  const now = Date.now();
  const perRegion = MEMORY.clusters / REGIONS.length;
  const regions: Record<string, ReturnType<typeof generateFleet>> = {};
  for (const region of REGIONS) regions[region] = generateFleet(region, perRegion, { now });
  const emulator = await startEhpcEmulator({ regions, credentials: [BENCH_CREDENTIALS] });
  try {
    const fleet = {
      endpoints: { ...emulator.endpoints },
      regions: [...REGIONS],
      policyFile: EXAMPLE_POLICY,
      qps: MEMORY.qps,
      concurrency: MEMORY.concurrency,
    };
    const baseline = await runChild({ mode: 'baseline', ...fleet });
    const audit = await runChild({ mode: 'audit', ...fleet });
    if (audit.clusters !== MEMORY.clusters) {
      throw new Error(`memory: the audit saw ${audit.clusters} clusters, not ${MEMORY.clusters}`);
    }
    return {
      clusters: audit.clusters,
      concurrency: MEMORY.concurrency,
      peakRssMB: mb(audit.maxRssKb),
      baselinePeakRssMB: mb(baseline.maxRssKb),
      auditMB: mb(audit.maxRssKb - baseline.maxRssKb),
      ratioToBaseline: round(audit.maxRssKb / baseline.maxRssKb, 2),
      kbPerCluster: round((audit.maxRssKb - baseline.maxRssKb) / audit.clusters, 2),
      wallSeconds: round(audit.wallMs / 1000, 2),
      auditErrors: audit.errors,
      complete: audit.complete,
    };
  } finally {
    await emulator.close();
  }
}
