import { describe, expect, it } from 'vitest';
import { buildReport } from '../../shared/audit/report';
import type { ClusterResult, Finding, RegionResult, Report } from '../../shared/audit/types';
import type { Channel } from '../../shared/notify/channel';
import { type ChannelMemory, planDigests } from '../../shared/notify/digest';
import type { FindingMemory } from '../../shared/notify/memory';
import { baselinePolicy } from '../../shared/policy/load';

const OPS: Channel = {
  name: 'ops',
  type: 'dingtalk',
  url: 'http://127.0.0.1/robot/send',
  minSeverity: 'low',
  remindEvery: 86_400,
};
const PAGER: Channel = { ...OPS, name: 'pager', minSeverity: 'high' };

function finding(clusterId: string, ruleId: string, severity: Finding['severity'] = 'high'): Finding {
  return {
    fingerprint: `${clusterId}-${ruleId}`.padEnd(32, '0'),
    clusterId,
    region: 'cn-hangzhou',
    ruleId,
    severity,
    field: 'Locations.LocationInfo[0].URL',
    message: `${ruleId} on ${clusterId}`,
    waived: false,
  };
}

function report(
  runId: string,
  clusters: ClusterResult[],
  findings: Finding[],
  regions?: RegionResult[],
): Report {
  const at = new Date('2026-12-03T00:00:00Z');
  return buildReport({
    runId,
    mode: 'run',
    startedAt: at,
    finishedAt: at,
    policy: baselinePolicy(),
    clusters,
    findings,
    regions: regions ?? [{ region: 'cn-hangzhou', listed: clusters.length, totalCount: clusters.length }],
  });
}

const cluster = (clusterId: string, status: ClusterResult['status'] = 'violating'): ClusterResult => ({
  clusterId,
  region: 'cn-hangzhou',
  status,
  ...(status === 'error' ? { error: { code: 'DbError', message: 'Database request failed.' } } : {}),
});

/** Runs the plans in sequence, carrying memory as the notifier would. */
function sequence(reports: Report[], channels: Channel[] = [OPS], times?: Date[]) {
  let memory: FindingMemory = {};
  let channelMemory: Record<string, ChannelMemory> = {};
  return reports.map((run, index) => {
    const plan = planDigests(
      run,
      channels,
      memory,
      channelMemory,
      times?.[index] ?? new Date('2026-12-03T01:00:00Z'),
    );
    memory = plan.memory;
    channelMemory = { ...channelMemory, ...plan.channelMemory };
    return plan.digests;
  });
}

describe('planDigests', () => {
  const a1 = finding('ehpc-hz-a', 'transport.insecure');
  const a2 = finding('ehpc-hz-a', 'registry.not-allowed');
  const b1 = finding('ehpc-hz-b', 'transport.insecure');
  const c1 = finding('ehpc-hz-c', 'config.stale', 'low');

  it('tells new findings, then nothing, then a fixed cluster, then a deleted cluster as resolved', () => {
    const [first, second, third, fourth] = sequence([
      report('r1', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b'), cluster('ehpc-hz-c')], [a1, a2, b1, c1]),
      report('r2', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b'), cluster('ehpc-hz-c')], [a1, a2, b1, c1]),
      report(
        'r3',
        [cluster('ehpc-hz-a'), cluster('ehpc-hz-b', 'compliant'), cluster('ehpc-hz-c')],
        [a1, a2, c1],
      ),
      report('r4', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b', 'compliant')], [a1, a2]),
    ]);
    expect(first?.map((digest) => digest.newFindings.map((f) => f.fingerprint).sort())).toEqual([
      [a1, a2, b1, c1].map((f) => f.fingerprint).sort(),
    ]);
    expect(second).toEqual([]);
    expect(third).toHaveLength(1);
    expect(third?.[0]?.newFindings).toEqual([]);
    expect(third?.[0]?.resolved.map((item) => [item.finding.clusterId, item.reason])).toEqual([
      ['ehpc-hz-b', 'fixed'],
    ]);
    expect(third?.[0]?.stillOpen).toHaveLength(3);
    expect(fourth?.[0]?.resolved.map((item) => [item.finding.clusterId, item.reason])).toEqual([
      ['ehpc-hz-c', 'cluster no longer exists'],
    ]);
  });

  it('never reports findings of an unreadable cluster, or of an unlisted region, as resolved', () => {
    const [, second, third] = sequence([
      report('r1', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b')], [a1, b1]),
      report('r2', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b', 'error')], [a1]),
      report(
        'r3',
        [],
        [],
        [{ region: 'cn-hangzhou', listed: 0, error: { code: 'Throttling.User', message: 'x' } }],
      ),
    ]);
    // The second run has something to say (a cluster became unreadable), but resolves nothing.
    expect(second?.[0]?.resolved).toEqual([]);
    expect(second?.[0]?.unreadable).toEqual([
      { clusterId: 'ehpc-hz-b', region: 'cn-hangzhou', code: 'DbError' },
    ]);
    expect(third?.flatMap((digest) => digest.resolved)).toEqual([]);
  });

  it('reports a finding that became waived as resolved (waived)', () => {
    const waived = { ...b1, waived: true };
    const [, second] = sequence([
      report('r1', [cluster('ehpc-hz-b')], [b1]),
      report('r2', [cluster('ehpc-hz-b', 'compliant')], [waived]),
    ]);
    expect(second?.[0]?.resolved.map((item) => item.reason)).toEqual(['waived']);
  });

  it("filters by each channel's minimum severity", () => {
    const [first] = sequence(
      [report('r1', [cluster('ehpc-hz-a'), cluster('ehpc-hz-c')], [a1, c1])],
      [OPS, PAGER],
    );
    const byChannel = Object.fromEntries(
      (first ?? []).map((digest) => [digest.channel, digest.newFindings.map((f) => f.ruleId)]),
    );
    expect(byChannel).toEqual({ ops: ['transport.insecure', 'config.stale'], pager: ['transport.insecure'] });
  });

  it('reminds of what is still open once remindEvery has passed, and not before', () => {
    const runs = [
      report('r1', [cluster('ehpc-hz-a')], [a1]),
      report('r2', [cluster('ehpc-hz-a')], [a1]),
      report('r3', [cluster('ehpc-hz-a')], [a1]),
    ];
    const times = [
      new Date('2026-12-03T00:00:00Z'),
      new Date('2026-12-03T23:59:59Z'),
      new Date('2026-12-04T00:00:00Z'),
    ];
    const [, beforeDue, due] = sequence(runs, [OPS], times);
    expect(beforeDue).toEqual([]);
    expect(due?.map((digest) => [digest.kind, digest.stillOpen.length])).toEqual([['reminder', 1]]);
  });

  it('resolves nothing outside a run filtered to some clusters', () => {
    const filtered = { ...report('r2', [cluster('ehpc-hz-a')], [a1]), clusterFilter: ['ehpc-hz-a'] };
    const [, second] = sequence([
      report('r1', [cluster('ehpc-hz-a'), cluster('ehpc-hz-b')], [a1, b1]),
      filtered,
    ]);
    expect(second).toEqual([]);
  });

  it('tells the channel when a region could not be listed', () => {
    const failed = report(
      'r2',
      [],
      [],
      [{ region: 'cn-hangzhou', listed: 0, error: { code: 'Throttling.User', message: 'x' } }],
    );
    const [, second] = sequence([report('r1', [cluster('ehpc-hz-a')], [a1]), failed]);
    expect(second?.[0]?.unlisted).toEqual([{ region: 'cn-hangzhou', code: 'Throttling.User' }]);
    expect(second?.[0]?.resolved).toEqual([]);
  });

  it("resolves a finding for a channel once it drops below that channel's minimum severity", () => {
    const lowered = { ...a1, severity: 'low' as const };
    const [, second] = sequence(
      [report('r1', [cluster('ehpc-hz-a')], [a1]), report('r2', [cluster('ehpc-hz-a')], [lowered])],
      [PAGER],
    );
    expect(second?.[0]?.resolved.map((item) => item.reason)).toEqual([
      "now below this channel's minimum severity",
    ]);
  });
});
