import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli';
import { runCommand } from '../../bin/commands/run';
import { type Finding, type Report, SEVERITIES } from '../../shared/audit/types';
import { readRunHistory } from '../../shared/report/history';
import { formatHtml } from '../../shared/report/html';
import { formatForFile, formatReport } from '../../shared/report/index';
import { FileStateStore } from '../../shared/state/file-store';
import { generateFleet } from '../emulator/ehpc/fleet';
import { STRICT_POLICY, withLocation } from '../helpers/audit';
import { useEhpcEmulator } from '../helpers/emulator';
import { compliantReport } from './fixtures';
import {
  EVIL_CLUSTER,
  EVIL_MESSAGE,
  EVIL_NAME,
  EVIL_REGION,
  EVIL_RULE,
  EVIL_VALUE,
  pageHistory,
  pageReport,
} from './html-fixtures';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

/** The markup of one chart, `<svg data-chart=NAME …>…</svg>` (charts do not nest). */
function chart(html: string, name: string): string {
  const start = html.indexOf(`<svg data-chart="${name}"`);
  expect(start, `chart ${name}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length);
}

/** `data-value`s of the bars of a chart, in document order (attribute order is the page's own). */
const values = (svg: string) =>
  [...svg.matchAll(/<rect [^>]*data-value="(\d+)"/g)].map((match) => Number(match[1]));

/** What the page text of `value` must be: escaped, and in no other form. */
const escaped = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const open = (report: Report) => report.findings.filter((finding: Finding) => !finding.waived);

describe('formatHtml: untrusted text', () => {
  const report = pageReport();
  const html = formatHtml(report, { history: pageHistory() });

  it('escapes every hostile value: no markup of the report survives', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</script><script>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<script>window');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<b>bold');
    expect(html).not.toContain('<i>x');
    expect(html).not.toMatch(/"><script/);
    expect(html).toContain(escaped(EVIL_CLUSTER));
    expect(html).toContain(escaped(EVIL_MESSAGE));
    expect(html).toContain(escaped(EVIL_RULE));
    // Quotes inside an attribute value are entities, so `data-name` holds the whole name and no more.
    expect(html).toContain(`data-name="${escaped(EVIL_NAME)}"`);
    expect(html).toContain(`data-region="${escaped(EVIL_REGION)}"`);
    expect(html).toContain('&#39;no&#39;');
  });

  it('shows bidi controls as code points and drops line separators and control characters', () => {
    for (const char of ['\u2028', '\u2029', '\u202E', '\u202C', '\u0000']) expect(html).not.toContain(char);
    expect(html).toContain('[U+202E]evil[U+202C]');
    expect(html).toContain('&quot;yes&quot; and &#39;no&#39; next para');
  });

  it('has exactly one script, allowed by hash in a strict Content-Security-Policy', () => {
    expect(count(html, /<script/gi)).toBe(1);
    expect(count(html, /<style/gi)).toBe(1);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).not.toContain('unsafe');
    // The CSP meta comes before anything it governs.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    // The script and style sheet are constants: no report value reaches them.
    expect(script).not.toContain('ehpc-');
    expect(style).not.toContain('ehpc-');
  });

  it('loads nothing from anywhere: URLs appear only as escaped report text', () => {
    expect(html).not.toMatch(/\b(src|href|action|xlink:href|poster|srcset)\s*=\s*["']?\s*(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|@font-face|url\((?!#)/i);
    expect(html).not.toMatch(
      /<(link|iframe|object|embed|img|audio|video|source|base)\b(?![^>]*href="data:,")/i,
    );
    // The report's own URLs are text; without them, the page holds no URL at all.
    const withoutReportText = html
      .split(escaped(EVIL_VALUE))
      .join('')
      .split('https://evil.example')
      .join('')
      .split('http://10.0.0.1')
      .join('');
    expect(withoutReportText).not.toMatch(/https?:\/\//);
    expect(formatHtml(compliantReport())).not.toMatch(/https?:\/\//);
  });
});

describe('formatHtml: charts', () => {
  const report = pageReport();
  const html = formatHtml(report, { history: pageHistory() });

  it('draws one bar per severity with the open findings of each', () => {
    const expected = SEVERITIES.map(
      (severity) => open(report).filter((finding) => finding.severity === severity).length,
    );
    expect(values(chart(html, 'severity'))).toEqual(expected);
    expect(expected).toEqual([1, 2, 2, 1, 1]);
  });

  it('stacks compliant, violating and error clusters per region', () => {
    const regions = [...new Set(report.clusters.map((cluster) => cluster.region))].sort();
    const expected = regions.flatMap((region) =>
      (['compliant', 'violating', 'error'] as const).map(
        (status) =>
          report.clusters.filter((cluster) => cluster.region === region && cluster.status === status).length,
      ),
    );
    const svg = chart(html, 'compliance');
    expect(values(svg)).toEqual(expected);
    expect(count(svg, /<g data-region=/g)).toBe(4);
    expect(svg).toContain('<title id="chart-compliance-title">');
    expect(svg).toMatch(/role="img" aria-labelledby="chart-compliance-title chart-compliance-desc"/);
  });

  it('draws one bar per rule with open findings, most first', () => {
    const byRule = new Map<string, number>();
    for (const finding of open(report)) byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + 1);
    const svg = chart(html, 'rules');
    expect(values(svg)).toEqual([...byRule.values()].sort((a, b) => b - a));
    expect(values(svg)).toHaveLength(byRule.size);
    expect(svg).toContain(`data-label="${escaped(EVIL_RULE)}"`);
  });

  it('draws the trend in finishedAt order, this run last, incomplete runs marked', () => {
    const history = pageHistory();
    const svg = chart(html, 'trend');
    const runs = [...svg.matchAll(/data-run="([^"]+)"/g)].map((match) => match[1]);
    const ordered = [...history].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    expect(runs).toEqual([...ordered.map((run) => run.runId), report.runId]);
    expect(values(svg)).toEqual([...ordered.map((run) => run.summary.findings), open(report).length]);
    // Two incomplete runs: the 25th, and this one.
    expect(count(svg, /data-incomplete="true"/g)).toBe(2);
    expect(count(svg, /class="bar run incomplete current"/g)).toBe(1);
  });

  it('keeps the last 30 runs and replaces a stored record of this run', () => {
    const report = pageReport();
    const [base] = pageHistory();
    if (!base) throw new Error('no history fixture');
    const history = Array.from({ length: 40 }, (_, index) => ({
      ...base,
      runId: `run-${String(index).padStart(2, '0')}`,
      finishedAt: new Date(Date.UTC(2026, 9, 1 + index)).toISOString(),
    }));
    // A record of this run as the notifier wrote it, with other numbers: the report wins.
    history.push({ ...base, runId: report.runId, finishedAt: report.finishedAt });
    const svg = chart(formatHtml(report, { history }), 'trend');
    const runs = [...svg.matchAll(/data-run="([^"]+)"/g)].map((match) => match[1]);
    expect(runs).toHaveLength(30);
    expect(runs.filter((run) => run === report.runId)).toHaveLength(1);
    expect(runs.at(-1)).toBe(report.runId);
    expect(runs.at(0)).toBe('run-11');
    expect(values(svg).at(-1)).toBe(open(report).length);
    expect(base.summary.findings).not.toBe(open(report).length);
  });

  it('gives every chart a title, a description and a data table', () => {
    for (const name of ['severity', 'compliance', 'rules', 'trend']) {
      const svg = chart(html, name);
      expect(svg).toContain(`<title id="chart-${name}-title">`);
      expect(svg).toContain(`<desc id="chart-${name}-desc">`);
      expect(count(svg, /<rect [^>]*data-value="\d+"[^>]*><title>/g)).toBe(values(svg).length);
      expect(html).toMatch(
        new RegExp(`<figure id="figure-${name}">[\\s\\S]*?<details><summary>Data</summary><table`),
      );
    }
  });
});

describe('formatHtml: page content', () => {
  it('has the run, policy, status, incomplete reasons, errors and notices', () => {
    const report = pageReport();
    const html = formatHtml(report);
    expect(html).toContain('<span class="badge bad" id="status">INCOMPLETE</span>');
    expect(html).toContain('3 violating clusters');
    expect(html).toContain(`<code>${report.runId}</code>`);
    expect(html).toContain(report.startedAt);
    expect(html).toContain(`title="${report.policy.sha256}">${report.policy.sha256.slice(0, 12)}</code>`);
    expect(html).toMatch(/<ul class="reasons" id="incomplete-reasons"><li>ehpc-bj-err \(cn-beijing\)/);
    expect(html).toMatch(
      /<table id="errors"[\s\S]*?ehpc-bj-err[\s\S]*?Forbidden\.RAM[\s\S]*?403[\s\S]*?req-1/,
    );
    expect(html).toMatch(/<section id="notices-section"><h2>Notices<\/h2><ul><li>waivers\[0\] expires soon/);
  });

  it('lists every finding, waived ones with their waiver and expiry, expired waivers marked', () => {
    const report = pageReport();
    const html = formatHtml(report);
    expect(count(html, /<tr data-cluster=/g)).toBe(report.findings.length);
    expect(html).toContain(`${report.findings.length} of ${report.findings.length} findings shown`);
    expect(count(html, /<tr [^>]*class="is-waived"/g)).toBe(report.findings.filter((f) => f.waived).length);
    expect(html).toMatch(
      /<span class="badge waived">waived<\/span> lab registry <span class="expiry">until 2027-03-01/,
    );
    expect(html).toMatch(
      /<span class="badge expired">waiver expired<\/span> [^<]*<span class="expiry">expired 2026-11-30/,
    );
    // Filters: hidden until the script shows them, one option per rule and severity plus "all".
    expect(html).toContain('<form id="filters" class="filters" hidden>');
    const rules = new Set(report.findings.map((finding) => finding.ruleId));
    const ruleSelect = /<select id="filter-rule">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect(count(ruleSelect, /<option/g)).toBe(rules.size + 1);
    const severitySelect = /<select id="filter-severity">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect(count(severitySelect, /<option/g)).toBe(SEVERITIES.length + 1);
  });

  it('is the same for the same input, whatever the order of findings and clusters', () => {
    const report = pageReport();
    const shuffled = {
      ...report,
      findings: [...report.findings].reverse(),
      clusters: [...report.clusters].reverse(),
    };
    const history = pageHistory();
    expect(formatHtml(report, { history })).toBe(formatHtml(shuffled, { history: [...history].reverse() }));
    expect(formatHtml(report)).not.toMatch(/Generated/);
    expect(formatHtml(report, { generatedAt: new Date('2026-12-03T16:00:00Z') })).toContain(
      'Generated 2026-12-03T16:00:00.000Z.',
    );
    expect(formatHtml(report, { title: 'Fleet <audit>' })).toContain('<title>Fleet &lt;audit&gt;</title>');
  });

  it('renders through formatReport with no history: this run only, no earlier runs', () => {
    const report = compliantReport();
    const html = formatReport(report, 'html');
    expect(html).toBe(formatHtml(report));
    expect(values(chart(html, 'trend'))).toEqual([0]);
    expect(values(chart(html, 'rules'))).toEqual([]);
    expect(html).toContain('No earlier runs recorded');
    expect(html).toContain('<span class="badge ok" id="status">complete</span>');
    expect(html).not.toContain('id="errors-section"');
    expect(formatReport(report, 'html', { history: pageHistory() })).toBe(
      formatHtml(report, { history: pageHistory() }),
    );
  });

  it('is picked by the .html and .htm extensions of --out', () => {
    expect(formatForFile('out/report.html', 'json')).toBe('html');
    expect(formatForFile('REPORT.HTM', 'table')).toBe('html');
  });
});

describe('readRunHistory', () => {
  it('reads the runs of a file store in finishedAt order, skipping malformed entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagegw-history-'));
    const store = new FileStateStore(dir);
    const history = pageHistory();
    for (const run of history)
      await store.put(`runs/${run.runId.replace(/:/g, '_3a_')}.json`, JSON.stringify(run));
    await store.put('runs/broken.json', '{"runId": "half');
    await store.put('runs/wrong-shape.json', JSON.stringify({ runId: 'x', finishedAt: 'yesterday' }));
    await store.put('runs/no-summary.json', JSON.stringify({ ...history[0], runId: 'y', summary: null }));
    await store.put('notify/memory.json', '{}');
    const runs = await readRunHistory(store);
    const expected = [...history].sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
    expect(runs).toEqual(expected);
    expect((await readRunHistory(store, 2)).map((run) => run.runId)).toEqual(
      expected.slice(-2).map((run) => run.runId),
    );
    expect(await readRunHistory(new FileStateStore(join(dir, 'absent')))).toEqual([]);
  });
});

describe('imagegw-audit --format html', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('check prints the page and writes the same page to --out report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagegw-html-cli-'));
    const saved = join(dir, 'saved.json');
    writeFileSync(
      saved,
      JSON.stringify({
        ClusterId: 'ehpc-hz-Html001',
        ...withLocation(
          { URL: 'http://docker.io', Authentication: 'http' },
          { MongoDBURI: 'mongodb://admin:SuperSecret123@db' },
        ),
      }),
    );
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `${STRICT_POLICY}mongodb:\n  forbidInlineCredentials: true\n`);
    const out = join(dir, 'report.html');
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    const code = await main([
      'node',
      'imagegw-audit',
      'check',
      '--policy',
      policy,
      '--format',
      'html',
      '--out',
      out,
      saved,
    ]);
    vi.restoreAllMocks();
    expect(stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe(stdout);
    expect(stdout).toContain('data-cluster="ehpc-hz-Html001"');
    expect(stdout).toContain('No earlier runs recorded');
    // Values come masked from the engine; the page prints nothing else.
    expect(stdout).toContain('mongodb://admin:***@db');
    expect(stdout).not.toContain('SuperSecret123');
    expect(code).toBe(1);
  });

  const startEhpc = useEhpcEmulator();

  it('run --dry-run --state DIR draws the trend from the runs recorded in the state store', async () => {
    const key = { accessKeyId: 'LTAIhtmlTestKey001', accessKeySecret: 'html-test-secret' };
    const ehpc = await startEhpc({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 2) },
      credentials: [key],
    });
    const dir = mkdtempSync(join(tmpdir(), 'imagegw-html-run-'));
    const channels = join(dir, 'channels.yaml');
    writeFileSync(
      channels,
      'channels:\n  - name: ops\n    type: dingtalk\n    url: http://127.0.0.1:9/robot/send?access_token=t\n',
    );
    const state = join(dir, 'state');
    const store = new FileStateStore(state);
    for (const run of pageHistory())
      await store.put(`runs/${run.runId.replace(/:/g, '_3a_')}.json`, JSON.stringify(run));
    const out = join(dir, 'page.htm');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await runCommand(
      {
        regions: 'cn-hangzhou',
        endpoint: ehpc.endpoints['cn-hangzhou'] ?? '',
        dryRun: true,
        channels,
        state,
        format: 'json',
        out,
        failOn: 'low',
      },
      { ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret },
    );
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    const runs = [...chart(html, 'trend').matchAll(/data-run="([^"]+)"/g)].map((match) => match[1]);
    expect(runs).toHaveLength(pageHistory().length + 1);
    expect(runs.slice(0, -1)).toEqual(
      [...pageHistory()].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)).map((run) => run.runId),
    );
    expect(html).not.toContain('No earlier runs recorded');
  });
});
