import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { compliantGateway } from '../helpers/audit';
import { REPO, runCli } from '../helpers/cli';

const EXAMPLE_POLICY = join(REPO, 'examples', 'policy.yaml');
const DOC_EXAMPLE = join(REPO, 'test', 'fixtures', 'describe-image-gateway-config.example.json');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'imagegw-check-'));
}

describe('imagegw-audit check', () => {
  it('reports the documentation example as registry.invalid on its masked Location and URL only', async () => {
    const result = await runCli(['check', '--policy', EXAMPLE_POLICY, '--format', 'json', DOC_EXAMPLE]);
    const report = JSON.parse(result.stdout) as Report;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(report.reportVersion).toBe(1);
    expect(report.mode).toBe('check');
    // The two masked registry names, and (the example policy has config.maxAge: 365d) its 2018 date.
    expect(report.findings.map((f) => `${f.ruleId}@${f.field}`).sort()).toEqual([
      'config.stale@UpdateDateTime',
      'registry.invalid@Locations.LocationInfo[0].Location',
      'registry.invalid@Locations.LocationInfo[0].URL',
    ]);
    expect(report.findings.some((f) => /^(mongodb|transport)\./.test(f.ruleId))).toBe(false);
    expect(report.clusters).toEqual([
      { clusterId: 'describe-image-gateway-config.example', region: 'offline', status: 'violating' },
    ]);
  });

  it('exits 0 on a compliant file, reads the Imagegw object alone and takes ClusterId from the file', async () => {
    const dir = tempDir();
    const file = join(dir, 'saved.json');
    writeFileSync(file, JSON.stringify({ ClusterId: 'ehpc-hz-Saved001', ...compliantGateway() }));
    const result = await runCli(['check', '--policy', EXAMPLE_POLICY, '--format', 'json', file]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.clusters[0]?.clusterId).toBe('ehpc-hz-Saved001');
    expect(report.summary).toMatchObject({ clusters: 1, compliant: 1, findings: 0 });
  });

  it('names a missing and a non-JSON file on stderr, still audits the others, and exits 2', async () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '<html>502 Bad Gateway</html>');
    const missing = join(dir, 'missing.json');
    const result = await runCli(['check', '--format', 'json', broken, missing, DOC_EXAMPLE]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`${broken}: not JSON`);
    expect(lines[1]).toContain(`${missing}: no such file`);
    expect((JSON.parse(result.stdout) as Report).summary.clusters).toBe(1);
  });

  it('fails on a policy typo with one line naming the file, line, column and key', async () => {
    const dir = tempDir();
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nregistries:\n  alow: [docker.io]\n');
    const result = await runCli(['check', '--policy', policy, DOC_EXAMPLE]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `imagegw-audit: ${policy}:3:3: registries.alow: unknown key; check its spelling (every key is listed in docs/policy.md)`,
    );
  });

  it('honours --fail-on, --cluster and --out with the format taken from the extension', async () => {
    const dir = tempDir();
    const out = join(dir, 'report.json');
    const result = await runCli([
      'check',
      '--policy',
      EXAMPLE_POLICY,
      '--fail-on',
      'critical',
      '--cluster',
      'ehpc-hz-Docs0001',
      '--format',
      'table',
      '--out',
      out,
      DOC_EXAMPLE,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ehpc-hz-Docs0001\s+VIOLATING/);
    const written = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(written.clusters[0]?.clusterId).toBe('ehpc-hz-Docs0001');
  });

  it('treats bad usage as exit 2 with a one-line error', async () => {
    const twoFiles = await runCli(['check', '--cluster', 'x', DOC_EXAMPLE, DOC_EXAMPLE]);
    expect(twoFiles.code).toBe(2);
    expect(twoFiles.stderr).toContain('--cluster applies to exactly one FILE');
    const badSeverity = await runCli(['check', '--fail-on', 'urgent', DOC_EXAMPLE]);
    expect(badSeverity.code).toBe(2);
    const badNow = await runCli(['check', '--now', 'tomorrow', DOC_EXAMPLE]);
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toContain('RFC 3339');
    expect(badNow.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes every format, picking the --out format from the extension', async () => {
    const dir = tempDir();
    const sarif = join(dir, 'report.sarif');
    const junit = join(dir, 'junit.xml');
    const markdown = await runCli([
      'check',
      '--policy',
      EXAMPLE_POLICY,
      '--format',
      'markdown',
      '--out',
      sarif,
      DOC_EXAMPLE,
    ]);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toMatch(/^# imagegw-audit check /);
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as {
      version: string;
      runs: { results: { ruleId: string }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results.map((result) => result.ruleId)).toContain('registry.invalid');
    await runCli(['check', '--policy', EXAMPLE_POLICY, '--format', 'json', '--out', junit, DOC_EXAMPLE]);
    expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml[^>]*\?>\s*<testsuites/);
  });

  it('reads a saved file with a byte order mark', async () => {
    const dir = tempDir();
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${readFileSync(DOC_EXAMPLE, 'utf8')}`);
    const result = await runCli(['check', '--format', 'json', file]);
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as Report).summary.clusters).toBe(1);
  });

  it('refuses two files for the same cluster, naming both, and audits the first', async () => {
    const dir = tempDir();
    const second = join(dir, 'copy.json');
    writeFileSync(
      second,
      JSON.stringify({ ClusterId: 'describe-image-gateway-config.example', ...compliantGateway() }),
    );
    const result = await runCli(['check', '--format', 'json', DOC_EXAMPLE, second]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `imagegw-audit: ${second}: cluster describe-image-gateway-config.example is already given by ${DOC_EXAMPLE}; give each file its own ClusterId`,
    );
    expect((JSON.parse(result.stdout) as Report).summary.clusters).toBe(1);
  });

  it('checks --out, --now, --cluster and option values before doing any work, in one line each', async () => {
    const dir = tempDir();
    const cases: [string[], RegExp][] = [
      [['--out', dir], /--out: .* is a directory/],
      [['--out', join(dir, 'missing', 'r.json')], /--out: cannot write into/],
      [['--now', '2026-02-30T00:00:00Z'], /--now: "2026-02-30T00:00:00Z" is not an RFC 3339 time/],
      [['--cluster', ''], /--cluster: give a cluster id/],
      [
        ['--format', 'xml'],
        /^imagegw-audit: option '--format <format>' argument 'xml' is invalid\. .* \(see --help\)$/,
      ],
    ];
    for (const [options, message] of cases) {
      const result = await runCli(['check', ...options, DOC_EXAMPLE]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
    }
  });
});
