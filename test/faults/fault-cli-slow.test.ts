/**
 * Issue #7, the fault suite through the command line: answers that never come (a hung request, a
 * body trickled slower than any timeout). The CLI's client timeout is fixed at 10 s (no option sets
 * it), so these runs each cost about 10 s; they run concurrently, and `--deadline` keeps a hung
 * cluster from taking four timeouts. A cluster whose read never completed must end in error with a
 * reason, never compliant, and the run must say it is incomplete.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { runCli } from '../helpers/cli';
import {
  CLI_KEY,
  clusterIdOf,
  type Expectation,
  expectCleanExit,
  expectSoundReport,
  FAULT_CASES,
  perClusterScenario,
} from '../helpers/faults';

const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: CLI_KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: CLI_KEY.accessKeySecret,
};

const caseNamed = (name: string) => {
  const found = FAULT_CASES.find((entry) => entry.name === name);
  if (!found) throw new Error(`no fault case ${name}`);
  return found;
};

describe.concurrent('imagegw-audit run with answers that never come', () => {
  it('ends hung and trickled clusters NotEvaluated at the deadline, audits the rest, exits 3', async () => {
    const cases = [caseNamed('Control01'), caseNamed('Control02'), caseNamed('Hung'), caseNamed('Trickled')];
    const scenario = await perClusterScenario(cases);
    try {
      const started = performance.now();
      const result = await runCli(
        [
          'run',
          '--regions',
          'cn-hangzhou',
          '--endpoint',
          scenario.endpoint,
          '--format',
          'json',
          '--concurrency',
          '8',
          '--deadline',
          '5s',
        ],
        ENV,
      );
      // One client timeout (10 s), not four: the retry after it is past the deadline.
      expect(performance.now() - started).toBeLessThan(18_000);
      const report = JSON.parse(result.stdout) as Report;
      const notEvaluated: Expectation = { status: 'error', code: 'NotEvaluated' };
      expectSoundReport(report, {
        clusters: {
          [clusterIdOf('cn-hangzhou', 'Control01')]: { status: 'compliant' },
          [clusterIdOf('cn-hangzhou', 'Control02')]: { status: 'compliant' },
          [clusterIdOf('cn-hangzhou', 'Hung')]: notEvaluated,
          [clusterIdOf('cn-hangzhou', 'Trickled')]: notEvaluated,
        },
      });
      expect(report.incompleteReasons).toContain('2 cluster(s) not evaluated: the run reached its deadline');
      expectCleanExit(result, 3);
    } finally {
      await scenario.close();
    }
  }, 30_000);

  it('reads a cluster whose first answer hung once, after the 10 s timeout, and finds it compliant', async () => {
    const scenario = await perClusterScenario([
      caseNamed('Control01'),
      {
        name: 'HungOnce',
        describe: caseNamed('Control02').describe,
        fault: { hang: true, times: 1 },
        expect: { status: 'compliant' },
      },
    ]);
    try {
      const result = await runCli(
        ['run', '--regions', 'cn-hangzhou', '--endpoint', scenario.endpoint, '--format', 'json'],
        ENV,
      );
      const report = JSON.parse(result.stdout) as Report;
      expectSoundReport(report, scenario.expected);
      expectCleanExit(result, 0);
    } finally {
      await scenario.close();
    }
  }, 30_000);
});
