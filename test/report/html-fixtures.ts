import type { ClusterResult, Finding, Report, ReportSummary } from '../../shared/audit/types';
import type { RunHistoryEntry } from '../../shared/report/history';
import { finding, report } from './fixtures';

/** Hostile text for the report page: each would run script, break out of an attribute or reorder text. */
export const EVIL_CLUSTER = '<img src=x onerror=alert(1)>';
export const EVIL_NAME = '"><script>window.__xss=1</script>';
export const EVIL_MESSAGE = 'bad </script><script>alert(1)</script> end';
export const EVIL_REASON = 'say "yes" and \'no\'\u2028next\u2029para \u202Eevil\u202C <b>bold</b>';
export const EVIL_RULE = 'custom.<svg onload=alert(1)>';
export const EVIL_REGION = 'ap-"<i>x</i>';
export const EVIL_VALUE = 'https://evil.example/<script>alert(1)</script>?a=1&b=2';

/** Every case the page shows: three regions, each severity, waived and expired-waiver findings, an error. */
export function pageReport(): Report {
  const clusters: ClusterResult[] = [
    { clusterId: 'ehpc-hz-a', region: 'cn-hangzhou', status: 'violating', name: 'prod login' },
    { clusterId: EVIL_CLUSTER, region: 'cn-hangzhou', status: 'violating', name: EVIL_NAME },
    { clusterId: 'ehpc-sh-b', region: 'cn-shanghai', status: 'violating' },
    { clusterId: 'ehpc-sh-ok', region: 'cn-shanghai', status: 'compliant' },
    {
      clusterId: 'ehpc-bj-err',
      region: 'cn-beijing',
      status: 'error',
      error: { code: 'Forbidden.RAM', message: EVIL_MESSAGE, requestId: 'req-1', httpStatus: 403 },
    },
    { clusterId: 'ehpc-ap-ok', region: EVIL_REGION, status: 'compliant' },
  ];
  const findings: Finding[] = [
    finding({
      clusterId: 'ehpc-hz-a',
      ruleId: 'registry.not-allowed',
      severity: 'critical',
      value: EVIL_VALUE,
      expected: 'one of: docker.io',
      message: 'URL host is not an allowed registry',
    }),
    finding({
      clusterId: 'ehpc-hz-a',
      ruleId: 'transport.insecure',
      field: 'Locations.LocationInfo[1].URL',
      value: 'http://10.0.0.1',
      message: 'URL is not https',
      expiredWaiver: { reason: EVIL_REASON, expires: '2026-11-30' },
    }),
    finding({ clusterId: 'ehpc-hz-a', ruleId: 'config.stale', severity: 'info', field: 'UpdateDateTime' }),
    finding({ clusterId: EVIL_CLUSTER, ruleId: 'transport.insecure', message: EVIL_MESSAGE }),
    finding({ clusterId: EVIL_CLUSTER, ruleId: EVIL_RULE, severity: 'medium', message: EVIL_MESSAGE }),
    finding({
      clusterId: 'ehpc-sh-b',
      region: 'cn-shanghai',
      ruleId: 'timeout.pull-update-out-of-bounds',
      severity: 'medium',
      field: 'PullUpdateTimeout',
      value: '1',
    }),
    finding({
      clusterId: 'ehpc-sh-b',
      region: 'cn-shanghai',
      ruleId: 'registry.not-allowed',
      severity: 'low',
    }),
    finding({
      clusterId: 'ehpc-sh-b',
      region: 'cn-shanghai',
      ruleId: 'registry.not-allowed',
      field: 'Locations.LocationInfo[3].URL',
      waived: true,
      waiver: { reason: EVIL_REASON, expires: '2027-01-31' },
    }),
    finding({
      clusterId: 'ehpc-sh-ok',
      region: 'cn-shanghai',
      ruleId: 'transport.insecure',
      severity: 'low',
      waived: true,
      waiver: { reason: 'lab registry', expires: '2027-03-01' },
    }),
  ];
  return report({
    clusters,
    findings,
    incompleteReasons: [`ehpc-bj-err (cn-beijing) could not be read: Forbidden.RAM ${EVIL_MESSAGE}`],
    notices: [`waivers[0] expires soon: ${EVIL_REASON}`],
  });
}

function summaryWith(findings: number): ReportSummary {
  return {
    clusters: 6,
    compliant: 2,
    violating: 3,
    errors: 1,
    findings,
    waived: 0,
    bySeverity: { critical: 0, high: findings, medium: 0, low: 0, info: 0 },
    byRule: { 'transport.insecure': findings },
  };
}

/** Earlier runs, deliberately not in time order; the third is incomplete. */
export function pageHistory(): RunHistoryEntry[] {
  const run = (day: number, findings: number, complete = true): RunHistoryEntry => ({
    runId: `2026-11-${String(day).padStart(2, '0')}T15:00:00Z-0a0${day % 10}`,
    mode: 'scheduled',
    finishedAt: `2026-11-${String(day).padStart(2, '0')}T15:00:09.000Z`,
    complete,
    summary: summaryWith(findings),
  });
  return [run(28, 9), run(21, 12), run(25, 4, false), run(30, 7), run(23, 11)];
}
