import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

describe('imagegw-audit demo (what npm start runs)', () => {
  it('audits the demo fleet over several pages and two regions, prints the report and the delivered summary, exits 0', async () => {
    const result = await runCli(['demo']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [, runId] = /^imagegw-audit demo (\S+): INCOMPLETE/m.exec(result.stdout) ?? [];
    expect(runId).toBeDefined();

    const clusterRows = result.stdout
      .split('\n')
      .filter((line) => /^cn-\S+\s+ehpc-\S+\s+(COMPLIANT|VIOLATING|ERROR)\b/.test(line));
    expect(clusterRows.length).toBeGreaterThanOrEqual(12);
    expect(new Set(clusterRows.map((row) => row.split(/\s+/)[0])).size).toBeGreaterThanOrEqual(2);
    expect(clusterRows.some((row) => / COMPLIANT/.test(row))).toBe(true);
    expect(clusterRows.some((row) => / VIOLATING/.test(row))).toBe(true);
    expect(result.stdout).toMatch(/ehpc-hz-Broken01\s+ERROR\s+AgentError\.Image\.DescribeImagegwFailed/);
    expect(result.stdout).toMatch(
      /ehpc-hz-Docs0001\s+registry\.invalid\s+Locations\.LocationInfo\[0\]\.Location/,
    );

    const [, pages] = /\((\d+) ListClusters pages\)/.exec(result.stdout) ?? [];
    expect(Number(pages)).toBeGreaterThan(2);

    const summaryText = result.stdout.slice(
      result.stdout.indexOf('\n{'),
      result.stdout.indexOf('\n\nThe run is INCOMPLETE'),
    );
    const summary = JSON.parse(summaryText) as {
      runId: string;
      complete: boolean;
      errors: { code: string }[];
    };
    expect(summary.runId).toBe(runId);
    expect(summary.complete).toBe(false);
    expect(summary.errors.map((error) => error.code)).toEqual(['AgentError.Image.DescribeImagegwFailed']);
    // The demo fleet has a password inside a registry URL; it is masked everywhere.
    expect(result.stdout).not.toContain('demo-password-123');
  });

  it('masks the password of a registry URL in the JSON report', async () => {
    const result = await runCli(['demo', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"value": "https://robot:***@registry.cn-hangzhou.cr.aliyuncs.com"');
    expect(result.stdout).not.toContain('demo-password-123');
    expect(result.stderr).not.toContain('demo-password-123');
  });

  it('prints only the report on stdout with --format json, the demo story on stderr', async () => {
    const result = await runCli(['demo', '--format', 'json']);
    const report = JSON.parse(result.stdout) as { summary: { clusters: number } };
    expect(report.summary.clusters).toBe(14);
    expect(result.stderr).toContain('The DingTalk robot emulator accepted 1 signed message(s)');
    expect(result.stderr).toContain('Next: check saved configurations offline');
  });
});
