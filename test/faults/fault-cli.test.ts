/**
 * Issue #7, the fault suite through the command line: `imagegw-audit run` (the built bundle, as a
 * user runs it) against the E-HPC emulator, fault proxies and closed ports. Whatever fails, every
 * cluster ends audited or in error with a code and a message, nothing unread is compliant, the
 * run is incomplete exactly when something was not read, and the process exits 0, 1 or 3 with
 * nothing but progress on stderr. Hung and trickled answers, which cost the CLI's fixed 10 s
 * client timeout, are in fault-cli-slow.test.ts; the same faults reach the scheduled handler in
 * fault-handler.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { runCli } from '../helpers/cli';
import {
  CLI_KEY,
  clusterIdOf,
  expectCleanExit,
  expectSoundReport,
  FAULT_CASES,
  miscountedScenario,
  perClusterScenario,
  regionsDownScenario,
  type Scenario,
  secondPageScenario,
  throttledScenario,
  vanishingScenario,
} from '../helpers/faults';

const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: CLI_KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: CLI_KEY.accessKeySecret,
};

async function runScenario(make: () => Promise<Scenario>, extra: string[] = []) {
  const scenario = await make();
  try {
    const result = await runCli(
      [
        'run',
        '--regions',
        scenario.regions.join(','),
        '--endpoint',
        scenario.endpoint,
        '--format',
        'json',
        '--qps',
        '100',
        '--concurrency',
        '8',
        ...extra,
      ],
      ENV,
    );
    expect(result.stdout.startsWith('{'), result.stderr).toBe(true);
    const report = JSON.parse(result.stdout) as Report;
    return { scenario, result, report };
  } finally {
    await scenario.close();
  }
}

const callsFor = (scenario: Scenario, clusterId: string) =>
  scenario.emulators
    .flatMap((emulator) => emulator.requests)
    .filter((request) => request.params.ClusterId === clusterId).length;

describe.concurrent('imagegw-audit run under E-HPC faults', () => {
  it('ends every cluster audited or in error with its code, whatever DescribeImageGatewayConfig answers', async () => {
    const cases = FAULT_CASES.filter((entry) => !entry.slow && !entry.manyRetries);
    const { scenario, result, report } = await runScenario(() => perClusterScenario(cases));
    expectSoundReport(report, scenario.expected);
    // Malformed configurations fail the run (config.invalid is high); that wins over incomplete.
    expectCleanExit(result, scenario.exit);
    expect(scenario.exit).toBe(1);
    // Retries are bounded, and decided by the error, not the status: bad responses and transient
    // codes four tries, backend failures two, per-cluster answers that cannot change one.
    const id = (name: string) => clusterIdOf('cn-hangzhou', name);
    expect(callsFor(scenario, id('Html502'))).toBe(4);
    expect(callsFor(scenario, id('NullBody'))).toBe(4);
    expect(callsFor(scenario, id('Reset'))).toBe(4);
    expect(callsFor(scenario, id('Unavailable'))).toBe(4);
    expect(callsFor(scenario, id('AgentError'))).toBe(2);
    expect(callsFor(scenario, id('Vanished404'))).toBe(1);
    expect(callsFor(scenario, id('Vanished400'))).toBe(1);
    expect(callsFor(scenario, id('NotAuthorized'))).toBe(1);
    expect(callsFor(scenario, id('Html502Once'))).toBe(2);
    expect(callsFor(scenario, id('ThrottledTwice'))).toBe(3);
    // Error messages are one line each and carry no raw body (the 502 page, the malformed text).
    for (const cluster of report.clusters.filter((entry) => entry.status === 'error')) {
      expect(cluster.error?.message).not.toMatch(/\n|<html|<!doctype|'RequestId'/i);
    }
  });

  it('fails the region, and only it, when its second ListClusters page keeps failing', async () => {
    const { scenario, result, report } = await runScenario(() => secondPageScenario(true));
    expectSoundReport(report, scenario.expected);
    expectCleanExit(result, 3);
    expect(report.regions?.find((region) => region.region === 'cn-hangzhou')?.error?.code).toBe(
      'bad-response',
    );
    // The page was retried, boundedly, then the region given up; page 1 was not read again and again.
    const pageTwo = scenario.proxies[0]?.log.filter((entry) => entry.request.params.PageNumber === '2') ?? [];
    expect(pageTwo).toHaveLength(4);
  });

  it('lists every page when the second one fails twice and then answers: the run is complete', async () => {
    const { scenario, result, report } = await runScenario(() => secondPageScenario(false));
    expectSoundReport(report, scenario.expected);
    expect(report.regions).toEqual([
      { region: 'cn-hangzhou', listed: 8, totalCount: 8 },
      { region: 'cn-shanghai', listed: 3, totalCount: 3 },
    ]);
    expectCleanExit(result, 0);
  });

  it('absorbs 30% throttling of every request: all clusters read, the run complete, exit 0', async () => {
    const { scenario, result, report } = await runScenario(() => throttledScenario());
    expectSoundReport(report, scenario.expected);
    expectCleanExit(result, 0);
    const log = scenario.proxies[0]?.log ?? [];
    const throttled = log.filter((entry) => 'status' in entry.action).length;
    expect(throttled / log.length).toBeGreaterThan(0.15);
    expect(throttled / log.length).toBeLessThan(0.45);
  });

  it('reports clusters that vanish between listing and reading as errors (ClusterNotFound, InvalidParams), read once', async () => {
    const { scenario, result, report } = await runScenario(() => vanishingScenario());
    expectSoundReport(report, scenario.expected);
    expectCleanExit(result, 3);
    for (const id of ['ehpc-hz-Gone0001', 'ehpc-hz-Gone0002', 'ehpc-sh-Gone0001']) {
      expect(callsFor(scenario, id)).toBe(1);
    }
  });

  it('marks the run incomplete, though every listed cluster is compliant, when a TotalCount does not match', async () => {
    const { scenario, result, report } = await runScenario(() => miscountedScenario());
    expectSoundReport(report, scenario.expected);
    expect(report.incompleteReasons).toEqual([
      'cn-hangzhou: listed 3 clusters but the API reported TotalCount 5',
      'cn-shanghai: listed 2 clusters but the API reported TotalCount 0',
    ]);
    expectCleanExit(result, 3);
  });

  it('audits the healthy region when another refuses connections and a third answers HTML error pages', async () => {
    const { scenario, result, report } = await runScenario(() => regionsDownScenario());
    expectSoundReport(report, scenario.expected);
    expectCleanExit(result, 3);
    const codes = Object.fromEntries(
      (report.regions ?? []).map((region) => [region.region, region.error?.code]),
    );
    expect(codes).toEqual({
      'cn-hangzhou': undefined,
      'cn-shanghai': 'network',
      'cn-beijing': 'bad-response',
    });
  });
});
