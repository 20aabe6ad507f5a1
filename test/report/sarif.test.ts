import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { formatSarif } from '../../shared/report/sarif';
import { RULE_DEFAULT_SEVERITY } from '../../shared/rules/ids';
import { RULES } from '../../shared/rules/index';
import { compliantReport, HOSTILE, hasControl, mixedReport } from './fixtures';
import { validateSarif } from './sarif-validator';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { logicalLocations: { name?: string; fullyQualifiedName: string; kind: string }[] }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: string; status?: string; justification?: string }[];
  properties: Record<string, unknown>;
}

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        rules: { id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }[];
      };
    };
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications: { level: string; message: { text: string } }[];
    }[];
    results: SarifResult[];
  }[];
}

const sarif = (report: Report) => JSON.parse(formatSarif(report)) as SarifLog;

function onlyRun(log: SarifLog) {
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0];
  if (!run) throw new Error('no run');
  return run;
}

describe('the SARIF validator of these tests', () => {
  const valid = () => sarif(mixedReport());

  it('accepts the formatter output', () => {
    expect(validateSarif(valid())).toEqual([]);
  });

  it('rejects a ruleIndex off by one', () => {
    const log = valid();
    for (const result of onlyRun(log).results) result.ruleIndex += 1;
    const problems = validateSarif(log);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/ruleIndex: \d+ (is outside|points at)/);
  });

  it('rejects an unknown level, suppression kind, missing message text and a nameless driver', () => {
    const log = valid();
    const run = onlyRun(log);
    const [first, second] = run.results;
    if (!first || !second) throw new Error('expected results');
    first.level = 'fatal';
    second.message = { text: undefined as unknown as string };
    const waived = run.results.find((result) => result.suppressions);
    if (!waived?.suppressions?.[0]) throw new Error('expected a suppressed result');
    waived.suppressions[0].kind = 'waiver';
    run.tool.driver.name = '';
    const problems = validateSarif(log).join('\n');
    expect(problems).toContain('results[0].level');
    expect(problems).toContain('results[1].message.text');
    expect(problems).toContain('suppressions[0].kind');
    expect(problems).toContain('tool.driver.name');
  });

  it('rejects a log without version or runs', () => {
    expect(validateSarif({ runs: [] })).toEqual(['$.version: must be "2.1.0"']);
    expect(validateSarif({ version: '2.1.0' })).toEqual(['$.runs: must be an array']);
  });
});

describe('formatSarif', () => {
  it('is a SARIF 2.1.0 log with one run of this tool', () => {
    const log = sarif(mixedReport());
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    const run = onlyRun(log);
    expect(run.tool.driver.name).toBe('imagegw-auditor');
    expect(run.tool.driver.version).toBe('9.8.7');
    expect(validateSarif(log)).toEqual([]);
  });

  it('lists every built-in rule, then the other rule ids the findings name', () => {
    const { rules } = onlyRun(sarif(mixedReport())).tool.driver;
    const builtIn = Object.keys(RULE_DEFAULT_SEVERITY);
    expect(rules.map((rule) => rule.id)).toEqual([...RULES.map((rule) => rule.id), 'custom.require-mirror']);
    expect(
      rules
        .slice(0, builtIn.length)
        .map((rule) => rule.id)
        .sort(),
    ).toEqual([...builtIn].sort());
    for (const rule of RULES) {
      const entry = rules.find((candidate) => candidate.id === rule.id);
      expect(entry?.shortDescription.text).toBe(rule.summary);
    }
    const level = (id: string) => rules.find((rule) => rule.id === id)?.defaultConfiguration.level;
    expect(level('registry.not-allowed')).toBe('error');
    expect(level('timeout.pull-update-out-of-bounds')).toBe('warning');
    expect(level('custom.require-mirror')).toBe('note');
    expect(level('config.stale')).toBe('note');
    expect(rules.find((rule) => rule.id === 'custom.require-mirror')?.shortDescription.text).toContain(
      'custom.require-mirror',
    );
  });

  it('lists the built-in rules even when there is nothing to report', () => {
    const run = onlyRun(sarif(compliantReport()));
    expect(run.tool.driver.rules.map((rule) => rule.id).sort()).toEqual(
      Object.keys(RULE_DEFAULT_SEVERITY).sort(),
    );
    expect(run.results).toEqual([]);
    expect(run.invocations[0]?.executionSuccessful).toBe(true);
    expect(run.invocations[0]?.toolExecutionNotifications).toEqual([]);
  });

  it('has one result per finding, pointing at its rule, cluster and field', () => {
    const report = mixedReport();
    const run = onlyRun(sarif(report));
    expect(run.results).toHaveLength(report.findings.length);
    report.findings.forEach((finding, i) => {
      const result = run.results[i];
      if (!result) throw new Error(`no result ${i}`);
      expect(result.ruleId).toBe(finding.ruleId);
      expect(run.tool.driver.rules[result.ruleIndex]?.id).toBe(finding.ruleId);
      expect(result.message.text).toBe(finding.message);
      expect(result.properties.severity).toBe(finding.severity);
      expect(result.partialFingerprints).toEqual({ 'imagegwFingerprint/v1': finding.fingerprint });
      expect(result.locations[0]?.logicalLocations[0]).toMatchObject({
        fullyQualifiedName: `${finding.clusterId}/${finding.field}`,
        kind: 'member',
      });
    });
  });

  it('maps severities to SARIF levels', () => {
    const run = onlyRun(sarif(mixedReport()));
    const levels = Object.fromEntries(
      run.results.map((result) => [String(result.properties.severity), result.level]),
    );
    expect(levels).toEqual({
      critical: 'error',
      high: 'error',
      medium: 'warning',
      low: 'note',
      info: 'note',
    });
  });

  it('names the field exactly, e.g. ehpc-hz-bad/Locations.LocationInfo[0].URL', () => {
    const run = onlyRun(sarif(mixedReport()));
    expect(run.results[0]?.locations[0]?.logicalLocations[0]?.fullyQualifiedName).toBe(
      'ehpc-hz-bad/Locations.LocationInfo[0].URL',
    );
  });

  it('suppresses waived findings with the waiver reason, and only those', () => {
    const report = mixedReport();
    const run = onlyRun(sarif(report));
    report.findings.forEach((finding, i) => {
      const result = run.results[i];
      if (finding.waived) {
        expect(result?.suppressions).toEqual([
          expect.objectContaining({ kind: 'external', justification: finding.waiver?.reason }),
        ]);
      } else {
        expect(result?.suppressions).toBeUndefined();
      }
    });
    const expired = run.results.find((result) => result.properties.expiredWaiver);
    expect(expired?.suppressions).toBeUndefined();
    expect(expired?.properties.expiredWaiver).toEqual({
      reason: `lab registry ${HOSTILE}`,
      expires: '2026-11-30',
    });
  });

  it('reports unreadable clusters and other reasons as error notifications of an unsuccessful invocation', () => {
    const run = onlyRun(sarif(mixedReport()));
    const invocation = run.invocations[0];
    expect(invocation?.executionSuccessful).toBe(false);
    const errors = invocation?.toolExecutionNotifications.filter(
      (notification) => notification.level === 'error',
    );
    expect(errors).toHaveLength(2);
    expect(errors?.[0]?.message.text).toContain('ehpc-sh-err');
    expect(errors?.[0]?.message.text).toContain('Forbidden.RAM');
    expect(errors?.[1]?.message.text).toBe('cn-beijing: clusters could not be listed: Throttling.User');
    const notes = invocation?.toolExecutionNotifications.filter(
      (notification) => notification.level === 'note',
    );
    expect(notes?.map((note) => note.message.text)).toEqual(mixedReport().notices);
  });

  it('carries hostile text through JSON unchanged', () => {
    const text = formatSarif(mixedReport());
    const run = onlyRun(JSON.parse(text) as SarifLog);
    expect(run.results[0]?.message.text).toBe(`URL host is not an allowed registry: ${HOSTILE}`);
    // JSON escapes the control characters; none appear raw.
    expect(hasControl(text)).toBe(false);
  });
});
