/**
 * One audit in a process of its own, so that what it measures (wall time, peak RSS) is the
 * auditor's alone: the emulator that answers it runs in the parent. Reads its input from
 * IMAGEGW_BENCH_INPUT and prints one JSON line (ChildOutput).
 *
 * - `audit`: the production path, wired as shared/fc/audit-service.ts wires it: createEhpcClient,
 *   createRegionPacer(qps) as `beforeRequest`, runFleetAudit with the example policy.
 * - `baseline`: the same bundle, policy and client set up, nothing audited (the memory baseline).
 * - `naive`: a plain sequential for-loop with pop-core's RPCClient (the speed baseline).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import RPCClient from '@alicloud/pop-core';
import { evaluateGateway } from '../shared/audit/evaluate';
import { runFleetAudit } from '../shared/audit/run';
import { realClock } from '../shared/clock';
import { createEhpcClient } from '../shared/ehpc/pop-client';
import { createRegionPacer } from '../shared/pace/region-pacer';
import { loadPolicyFile } from '../shared/policy/load';
import type { Policy } from '../shared/policy/policy';
import {
  BENCH_CREDENTIALS,
  CHILD_INPUT_VAR,
  type ChildInput,
  type ChildOutput,
  type NaiveChildInput,
  PAGE_SIZE,
  round,
} from './common';

function endpointFor(endpoints: Record<string, string>): (region: string) => string {
  return (region) => {
    const endpoint = endpoints[region];
    if (!endpoint) throw new Error(`no emulator endpoint for ${region}`);
    return endpoint;
  };
}

function output(
  mode: ChildInput['mode'],
  wallMs: number,
  fields: Omit<ChildOutput, 'mode' | 'wallMs' | 'maxRssKb'>,
): ChildOutput {
  return { mode, wallMs, maxRssKb: process.resourceUsage().maxRSS, ...fields };
}

interface ListPage {
  TotalCount: number;
  Clusters: { ClusterInfoSimple: { Id: string; RegionId?: string }[] };
}

/** What a script written without the auditor's client would do: list, then read one by one. */
async function naiveLoop(input: NaiveChildInput, policy: Policy): Promise<ChildOutput> {
  const now = new Date();
  let clusters = 0;
  let errors = 0;
  const started = performance.now();
  for (const region of input.regions) {
    const client = new RPCClient({
      endpoint: endpointFor(input.endpoints)(region),
      apiVersion: '2018-04-12',
      accessKeyId: BENCH_CREDENTIALS.accessKeyId,
      accessKeySecret: BENCH_CREDENTIALS.accessKeySecret,
    });
    const ids: string[] = [];
    for (let page = 1; ids.length < input.perRegion; page += 1) {
      const body = await client.request<ListPage>('ListClusters', { PageNumber: page, PageSize: PAGE_SIZE });
      const items = body.Clusters.ClusterInfoSimple;
      ids.push(...items.map((item) => item.Id));
      if (items.length === 0 || page * PAGE_SIZE >= body.TotalCount) break;
    }
    for (const clusterId of ids.slice(0, input.perRegion)) {
      clusters += 1;
      try {
        const body = await client.request<Record<string, unknown>>('DescribeImageGatewayConfig', {
          ClusterId: clusterId,
        });
        evaluateGateway({ clusterId, region }, body, policy, { now });
      } catch {
        errors += 1;
      }
    }
  }
  return output('naive', performance.now() - started, {
    clusters,
    errors,
    complete: errors === 0,
    evaluated: clusters - errors,
  });
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env[CHILD_INPUT_VAR] ?? 'null') as ChildInput | null;
  if (!input) throw new Error(`${CHILD_INPUT_VAR} is not set`);
  const policy = await loadPolicyFile(input.policyFile);
  let result: ChildOutput;
  if (input.mode === 'naive') {
    result = await naiveLoop(input, policy);
  } else {
    const reader = createEhpcClient({
      credentials: BENCH_CREDENTIALS,
      endpointFor: endpointFor(input.endpoints),
      beforeRequest: createRegionPacer(input.qps, realClock),
    });
    if (input.mode === 'baseline') {
      result = output('baseline', 0, { clusters: 0, errors: 0, complete: true, evaluated: 0 });
    } else {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const started = performance.now();
      const report = await runFleetAudit({
        reader,
        policy,
        regions: input.regions,
        concurrency: input.concurrency,
        mode: 'run',
      });
      const wallMs = performance.now() - started;
      loop.disable();
      result = output('audit', wallMs, {
        loopDelayMs: { p99: round(loop.percentile(99) / 1e6, 1), max: round(loop.max / 1e6, 1) },
        clusters: report.summary.clusters,
        errors: report.summary.errors,
        complete: report.complete,
        evaluated: report.summary.clusters - report.summary.errors,
      });
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
