import type { ClusterResult, Finding, Report } from '../audit/types';
import { clustersOf } from './clusters';
import { reportRules, runLevelReasons } from './sarif';

/**
 * JUnit XML: one testsuite per cluster, one testcase per cluster × rule. A testcase fails with one
 * `<failure>` holding its open findings, is skipped when all its findings are waived, and passes otherwise.
 * A cluster that could not be read has a single testcase with an `<error>` instead.
 */

/** The testcase an `error` cluster gets in place of its rules. */
export const READ_TESTCASE = 'read configuration';
/** The suite and testcase that carry reasons for incompleteness no cluster accounts for. */
export const RUN_SUITE = 'imagegw-auditor';
export const RUN_TESTCASE = 'audit.complete';

// Characters XML 1.0 does not allow anywhere, even escaped (lone surrogates included).
const ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(value: string): string {
  return value
    .replace(ILLEGAL, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Attribute values also keep their tabs and line feeds, which parsers would otherwise fold to spaces. */
export function xmlAttr(value: string): string {
  return xmlText(value).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attrs(entries: Record<string, string | number | undefined>): string {
  return Object.entries(entries)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${xmlAttr(String(value))}"`)
    .join('');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

const zero = (): Counts => ({ tests: 0, failures: 0, errors: 0, skipped: 0 });

function add(total: Counts, part: Counts): void {
  total.tests += part.tests;
  total.failures += part.failures;
  total.errors += part.errors;
  total.skipped += part.skipped;
}

interface Suite {
  counts: Counts;
  xml: string;
}

function findingBody(finding: Finding): string {
  const lines = [`field: ${finding.field}`];
  if (finding.value !== undefined) lines.push(`value: ${finding.value}`);
  if (finding.expected !== undefined) lines.push(`expected: ${finding.expected}`);
  if (finding.registry !== undefined) lines.push(`registry: ${finding.registry}`);
  if (finding.expiredWaiver) {
    lines.push(`expired waiver: ${finding.expiredWaiver.reason} (expired ${finding.expiredWaiver.expires})`);
  }
  lines.push(`fingerprint: ${finding.fingerprint}`);
  return lines.join('\n');
}

function waivedLine(finding: Finding): string {
  const waiver = finding.waiver;
  const by = waiver ? `: ${waiver.reason} (expires ${waiver.expires})` : '';
  return `waived ${finding.field}${by}: ${finding.message}`;
}

function testcase(clusterId: string, ruleId: string, findings: readonly Finding[]): Suite {
  const open = findings.filter((finding) => !finding.waived);
  const waived = findings.filter((finding) => finding.waived);
  const head = `    <testcase${attrs({ classname: clusterId, name: ruleId })}`;
  if (open.length === 0 && waived.length === 0) {
    return { counts: { ...zero(), tests: 1 }, xml: `${head}/>` };
  }
  const children: string[] = [];
  const counts = { ...zero(), tests: 1 };
  if (open.length > 0) {
    counts.failures = 1;
    // One <failure> per test case (the JUnit schema allows no more; CI tools show only the first),
    // carrying every finding of this cluster and rule in its body.
    const [first] = open;
    const message =
      open.length === 1
        ? (first?.message ?? '')
        : `${open.length} findings: ${open.map((f) => f.field).join(', ')}`;
    const severities = [...new Set(open.map((finding) => finding.severity))].join(',');
    children.push(
      `      <failure${attrs({ message, type: severities })}>${xmlText(open.map(findingBody).join('\n\n'))}</failure>`,
    );
  } else {
    counts.skipped = 1;
    const reasons = [...new Set(waived.map((finding) => finding.waiver?.reason ?? 'waived'))];
    children.push(`      <skipped${attrs({ message: `waived: ${reasons.join('; ')}` })}/>`);
  }
  if (waived.length > 0) {
    children.push(`      <system-out>${xmlText(waived.map(waivedLine).join('\n'))}</system-out>`);
  }
  return { counts, xml: [`${head}>`, ...children, '    </testcase>'].join('\n') };
}

function suiteXml(name: string, properties: Record<string, string>, counts: Counts, body: string[]): string {
  const props = Object.entries(properties).map(
    ([key, value]) => `      <property${attrs({ name: key, value })}/>`,
  );
  return [
    `  <testsuite${attrs({ name, ...counts })}>`,
    ...(props.length > 0 ? ['    <properties>', ...props, '    </properties>'] : []),
    ...body,
    '  </testsuite>',
  ].join('\n');
}

function clusterSuite(
  cluster: ClusterResult,
  findings: readonly Finding[],
  ruleIds: readonly string[],
): Suite {
  const properties: Record<string, string> = { region: cluster.region, status: cluster.status };
  if (cluster.name !== undefined) properties.name = cluster.name;
  if (cluster.overrides && cluster.overrides.length > 0) properties.overrides = cluster.overrides.join(', ');
  if (cluster.status === 'error') {
    const error = cluster.error ?? { code: 'error', message: 'the configuration could not be read' };
    const detail = [`code: ${error.code}`, `message: ${error.message}`];
    if (error.requestId !== undefined) detail.push(`requestId: ${error.requestId}`);
    if (error.httpStatus !== undefined) detail.push(`httpStatus: ${error.httpStatus}`);
    const counts = { ...zero(), tests: 1, errors: 1 };
    const xml = [
      `    <testcase${attrs({ classname: cluster.clusterId, name: READ_TESTCASE })}>`,
      `      <error${attrs({ message: `${error.code}: ${error.message}`, type: error.code })}>${xmlText(detail.join('\n'))}</error>`,
      '    </testcase>',
    ].join('\n');
    return { counts, xml: suiteXml(cluster.clusterId, properties, counts, [xml]) };
  }
  const counts = zero();
  const cases = ruleIds.map((ruleId) => {
    const testcaseSuite = testcase(
      cluster.clusterId,
      ruleId,
      findings.filter((finding) => finding.ruleId === ruleId),
    );
    add(counts, testcaseSuite.counts);
    return testcaseSuite.xml;
  });
  return { counts, xml: suiteXml(cluster.clusterId, properties, counts, cases) };
}

function runSuite(report: Report): Suite | undefined {
  const reasons = runLevelReasons(report);
  if (reasons.length === 0 && report.notices.length === 0) return undefined;
  const counts = zero();
  const body: string[] = [];
  if (reasons.length > 0) {
    counts.tests = 1;
    counts.errors = 1;
    body.push(
      `    <testcase${attrs({ classname: RUN_SUITE, name: RUN_TESTCASE })}>`,
      ...reasons.map(
        (reason) =>
          `      <error${attrs({ message: reason, type: 'incomplete' })}>${xmlText(reason)}</error>`,
      ),
      '    </testcase>',
    );
  }
  if (report.notices.length > 0) {
    body.push(
      `    <system-out>${xmlText(report.notices.map((notice) => `notice: ${notice}`).join('\n'))}</system-out>`,
    );
  }
  return { counts, xml: suiteXml(RUN_SUITE, { runId: report.runId, mode: report.mode }, counts, body) };
}

function seconds(report: Report): string | undefined {
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? (ms / 1000).toFixed(3) : undefined;
}

export function formatJunit(report: Report): string {
  const ruleIds = reportRules(report).map((rule) => rule.id);
  const total = zero();
  const suites = clustersOf(report).map((cluster) => {
    const suite = clusterSuite(
      cluster,
      report.findings.filter((finding) => finding.clusterId === cluster.clusterId),
      ruleIds,
    );
    add(total, suite.counts);
    return suite.xml;
  });
  const run = runSuite(report);
  if (run) {
    add(total, run.counts);
    suites.push(run.xml);
  }
  const root = `<testsuites${attrs({
    name: `imagegw-audit ${report.mode} ${report.runId}`,
    ...total,
    time: seconds(report),
  })}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    suites.length > 0 ? `${root}>` : `${root}/>`,
    ...(suites.length > 0 ? [...suites, '</testsuites>'] : []),
    '',
  ].join('\n');
}
