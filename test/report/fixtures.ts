import type { ClusterResult, Finding, Report, Severity } from '../../shared/audit/types';
import { SEVERITIES } from '../../shared/audit/types';

/** Everything that breaks a naive Markdown table, XML document or HTML page, in one value. */
export const HOSTILE =
  'a|b `tick` </failure> ]]> \u0000nul\u0008 <script>alert(1)</script> & "dq" \'sq\'\nsecond line';

/** What survives of HOSTILE once characters illegal in XML 1.0 are removed. */
export const HOSTILE_XML = HOSTILE.replaceAll('\u0000', '').replaceAll('\u0008', '');

/** Whether text holds a C0 control character other than tab, line feed and carriage return. */
export const hasControl = (text: string) =>
  [...text].some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 && char !== '\t' && char !== '\n' && char !== '\r';
  });

const URL0 = 'Locations.LocationInfo[0].URL';

export function finding(overrides: Partial<Finding> & Pick<Finding, 'clusterId' | 'ruleId'>): Finding {
  return {
    fingerprint: `fp-${overrides.clusterId}-${overrides.ruleId}-${overrides.field ?? URL0}`,
    region: 'cn-hangzhou',
    severity: 'high',
    field: URL0,
    message: `${overrides.ruleId} on ${overrides.clusterId}`,
    waived: false,
    ...overrides,
  };
}

export function summarise(clusters: ClusterResult[], findings: Finding[]): Report['summary'] {
  const open = findings.filter((item) => !item.waived);
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  const byRule: Record<string, number> = {};
  for (const item of open) {
    bySeverity[item.severity] += 1;
    byRule[item.ruleId] = (byRule[item.ruleId] ?? 0) + 1;
  }
  return {
    clusters: clusters.length,
    compliant: clusters.filter((cluster) => cluster.status === 'compliant').length,
    violating: clusters.filter((cluster) => cluster.status === 'violating').length,
    errors: clusters.filter((cluster) => cluster.status === 'error').length,
    findings: open.length,
    waived: findings.length - open.length,
    bySeverity,
    byRule,
  };
}

export function report(parts: {
  clusters: ClusterResult[];
  findings: Finding[];
  incompleteReasons?: string[];
  notices?: string[];
}): Report {
  const incompleteReasons = parts.incompleteReasons ?? [];
  return {
    reportVersion: 1,
    tool: { name: 'imagegw-auditor', version: '9.8.7' },
    runId: '2026-12-03T15:00:00Z-7f3a',
    mode: 'run',
    startedAt: '2026-12-03T15:00:00.000Z',
    finishedAt: '2026-12-03T15:00:01.250Z',
    policy: { source: 'policy.yaml', sha256: 'ab'.repeat(32) },
    complete: incompleteReasons.length === 0,
    incompleteReasons,
    summary: summarise(parts.clusters, parts.findings),
    clusters: parts.clusters,
    findings: parts.findings,
    notices: parts.notices ?? [],
  };
}

/** One of every case: compliant, violating, waived-only, expired waiver, custom rule, error, hostile text. */
export function mixedReport(): Report {
  const clusters: ClusterResult[] = [
    { clusterId: 'ehpc-hz-bad', region: 'cn-hangzhou', status: 'violating', overrides: ['overrides[0]'] },
    { clusterId: 'ehpc-hz-ok', region: 'cn-hangzhou', status: 'compliant', name: 'prod login' },
    { clusterId: 'ehpc-hz-waived', region: 'cn-hangzhou', status: 'compliant' },
    {
      clusterId: 'ehpc-sh-err',
      region: 'cn-shanghai',
      status: 'error',
      error: {
        code: 'Forbidden.RAM',
        message: `no permission ${HOSTILE}`,
        requestId: 'req-1',
        httpStatus: 403,
      },
    },
  ];
  const findings: Finding[] = [
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'registry.not-allowed',
      severity: 'critical',
      value: 'https://registry.example.com.evil.io',
      expected: 'one of: docker.io, *.cr.aliyuncs.com',
      message: `URL host is not an allowed registry: ${HOSTILE}`,
      registry: 'registry.example.com.evil.io',
    }),
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'transport.insecure',
      field: 'Locations.LocationInfo[1].URL',
      value: 'http://10.0.0.1',
      message: 'URL is not https',
      expiredWaiver: { reason: `lab registry ${HOSTILE}`, expires: '2026-11-30' },
    }),
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'transport.insecure',
      field: 'Locations.LocationInfo[2].Authentication',
      message: 'Authentication is not https',
    }),
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'timeout.pull-update-out-of-bounds',
      severity: 'medium',
      field: 'PullUpdateTimeout',
      value: '1',
      expected: 'between 5m and 2h',
      message: 'PullUpdateTimeout 1s is below 5m',
    }),
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'custom.require-mirror',
      severity: 'low',
      field: 'Locations.LocationInfo',
      message: `Mirror required: ${HOSTILE}`,
      expected: HOSTILE,
    }),
    finding({
      clusterId: 'ehpc-hz-bad',
      ruleId: 'config.stale',
      severity: 'info',
      field: 'UpdateDateTime',
      message: 'UpdateDateTime is 400 days old',
    }),
    finding({
      clusterId: 'ehpc-hz-waived',
      ruleId: 'registry.not-allowed',
      value: 'https://quay.io',
      message: 'quay.io is not an allowed registry',
      waived: true,
      waiver: { reason: `migration ticket OPS-1 ${HOSTILE}`, expires: '2027-01-31' },
    }),
  ];
  return report({
    clusters,
    findings,
    incompleteReasons: [
      'cn-beijing: clusters could not be listed: Throttling.User',
      'ehpc-sh-err (cn-shanghai) could not be read: Forbidden.RAM',
    ],
    notices: [`waivers[0] (registry.not-allowed) expires 2027-01-31, in 5 days: "${HOSTILE}"`],
  });
}

export function compliantReport(): Report {
  return report({
    clusters: [
      { clusterId: 'ehpc-a', region: 'cn-hangzhou', status: 'compliant' },
      { clusterId: 'ehpc-b', region: 'cn-beijing', status: 'compliant' },
    ],
    findings: [],
  });
}
