import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMarkdown } from '../../shared/report/markdown';
import { compliantReport, finding, HOSTILE, hasControl, mixedReport, report } from './fixtures';

/** What a reader should see of a value: one line, no control characters, no outer spaces. */
const shown = (value: string) =>
  value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the formatter strips these
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '')
    .replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ')
    .trim();

/** Undoes Markdown escaping the way a CommonMark renderer does for text: `\X` is X, then entities. */
const unescapeMd = (cell: string) =>
  cell
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** A GFM table row split on the pipes that are not escaped. */
function cells(line: string): string[] {
  expect(line.startsWith('| ') && line.endsWith(' |')).toBe(true);
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

interface Table {
  header: string[];
  rows: string[][];
}

/** Every table in the text, with the lines before them (to tell them apart). */
function tables(text: string): Table[] {
  const found: Table[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i]?.startsWith('|')) continue;
    const block: string[] = [];
    while (lines[i]?.startsWith('|')) {
      block.push(lines[i] as string);
      i += 1;
    }
    const [header, delimiter, ...rows] = block.map(cells);
    if (!header || !delimiter) throw new Error('table without header');
    expect(delimiter.every((cell) => /^:?-{3,}:?$/.test(cell))).toBe(true);
    found.push({ header, rows });
  }
  return found;
}

function tableWith(text: string, firstHeader: string, after?: string): Table {
  const from = after === undefined ? text : text.slice(text.indexOf(after));
  const table = tables(from).find((candidate) => candidate.header[0] === firstHeader);
  if (!table) throw new Error(`no table starting with ${firstHeader}`);
  return table;
}

function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? text.length : end);
}

describe('formatMarkdown', () => {
  const text = formatMarkdown(mixedReport());

  it('heads the report with run id, mode and INCOMPLETE with its reasons', () => {
    const [first] = text.split('\n');
    expect(first).toMatch(/^# /);
    expect(first).toContain('2026-12-03T15:00:00Z-7f3a');
    expect(first).toContain(' run ');
    expect(first).toContain('INCOMPLETE');
    const reasons = text
      .split('\n## ')[0]
      ?.split('\n')
      .filter((line) => line.startsWith('- '))
      .map((line) => unescapeMd(line.slice(2)));
    expect(reasons).toEqual(expect.arrayContaining(mixedReport().incompleteReasons));
    expect(text).toContain('\n- Tool: imagegw-auditor 9.8.7\n');
    expect(text).toContain(`\n- Policy: policy.yaml (sha256 ${'ab'.repeat(32)})\n`);
  });

  it('says complete, and nothing about incompleteness, for a complete run', () => {
    const complete = formatMarkdown(compliantReport());
    expect(complete.split('\n')[0]).toMatch(/: complete$/);
    expect(complete).not.toContain('INCOMPLETE');
    expect(complete).toContain('No open findings.');
    expect(complete).not.toContain('## Waived findings');
    expect(complete).not.toContain('## Expired waivers');
    expect(complete).not.toContain('## Notices');
  });

  it('keeps every table rectangular, whatever the values hold', () => {
    const all = tables(text);
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const table of all) {
      for (const row of table.rows) expect(row).toHaveLength(table.header.length);
    }
  });

  it('counts clusters by status and findings by severity', () => {
    const clusters = tableWith(text, 'Clusters');
    expect(clusters.header).toEqual(['Clusters', 'Compliant', 'Violating', 'Error']);
    expect(clusters.rows).toEqual([['4', '2', '1', '1']]);
    const findings = tableWith(text, 'Open findings');
    expect(findings.header).toEqual(['Open findings', 'Critical', 'High', 'Medium', 'Low', 'Info', 'Waived']);
    expect(findings.rows).toEqual([['6', '1', '2', '1', '1', '1', '1']]);
  });

  it('lists the clusters with region, status and detail, including the error code', () => {
    const clusters = tableWith(text, 'Region');
    expect(clusters.header).toEqual(['Region', 'Cluster', 'Status', 'Detail']);
    expect(clusters.rows.map((row) => [row[0], unescapeMd(row[1] ?? ''), unescapeMd(row[2] ?? '')])).toEqual(
      [
        ['cn-hangzhou', 'ehpc-hz-bad', 'violating'],
        ['cn-hangzhou', 'ehpc-hz-ok (prod login)', 'compliant'],
        ['cn-hangzhou', 'ehpc-hz-waived', 'compliant'],
        ['cn-shanghai', 'ehpc-sh-err', 'error'],
      ].map(([region, cluster, status]) => [region, cluster, expect.stringContaining(status as string)]),
    );
    const detail = (index: number) => unescapeMd(clusters.rows[index]?.[3] ?? '');
    expect(detail(0)).toContain('6 findings');
    expect(detail(0)).toContain('overrides[0]');
    expect(detail(2)).toContain('1 waived');
    expect(detail(3)).toContain(`Forbidden.RAM: ${shown(`no permission ${HOSTILE}`)}`);
    expect(detail(3)).toContain('HTTP 403');
  });

  it('groups open findings by cluster with severity, rule, field, message and expected', () => {
    const findings = section(text, 'Findings');
    expect(findings).toContain('### ehpc-hz-bad (cn-hangzhou)');
    expect(findings).not.toContain('ehpc-hz-ok');
    expect(findings).not.toContain('ehpc-hz-waived');
    const table = tableWith(findings, 'Severity');
    expect(table.header).toEqual(['Severity', 'Rule', 'Field', 'Message', 'Expected']);
    const open = mixedReport().findings.filter((item) => !item.waived);
    expect(table.rows).toHaveLength(open.length);
    open.forEach((item, i) => {
      const row = (table.rows[i] ?? []).map(unescapeMd);
      expect(row[0]).toBe(item.severity);
      expect(row[1]).toContain(item.ruleId);
      expect(row[2]).toBe(item.field);
      expect(row[3]).toBe(shown(item.message));
      expect(row[4]).toBe(shown(item.expected ?? ''));
    });
    expect(unescapeMd(table.rows[1]?.[1] ?? '')).toContain('expired waiver');
  });

  it('shows waived findings apart, with reason and expiry', () => {
    const waived = tableWith(section(text, 'Waived findings'), 'Cluster');
    expect(waived.header).toEqual([
      'Cluster',
      'Severity',
      'Rule',
      'Field',
      'Message',
      'Waiver reason',
      'Expires',
    ]);
    expect(waived.rows.map((row) => row.map(unescapeMd))).toEqual([
      [
        'ehpc-hz-waived',
        'high',
        'registry.not-allowed',
        'Locations.LocationInfo[0].URL',
        'quay.io is not an allowed registry',
        shown(`migration ticket OPS-1 ${HOSTILE}`),
        '2027-01-31',
      ],
    ]);
  });

  it('flags findings whose waiver has expired', () => {
    const expired = tableWith(section(text, 'Expired waivers'), 'Cluster');
    expect(expired.rows.map((row) => row.map(unescapeMd))).toEqual([
      [
        'ehpc-hz-bad',
        'transport.insecure',
        'Locations.LocationInfo[1].URL',
        shown(`lab registry ${HOSTILE}`),
        '2026-11-30',
      ],
    ]);
  });

  it('lists notices', () => {
    const notices = section(text, 'Notices')
      .split('\n')
      .filter((line) => line.startsWith('- '))
      .map((line) => unescapeMd(line.slice(2)));
    expect(notices).toEqual(mixedReport().notices.map(shown));
  });

  it('lets no hostile value inject HTML, code spans or lines', () => {
    expect(text).not.toContain('<');
    expect(text).not.toMatch(/(?<!\\)`/);
    expect(hasControl(text)).toBe(false);
    // The hostile value's second line never starts a line of its own.
    expect(text.split('\n').some((line) => line.startsWith('second line'))).toBe(false);
  });

  it('escapes a value that would start a list or a heading', () => {
    const risky = formatMarkdown(
      report({ clusters: [], findings: [], notices: ['- item', '1. item', '# head'] }),
    );
    const notices = section(risky, 'Notices')
      .split('\n')
      .filter((line) => line.startsWith('- '));
    expect(notices).toEqual(['- \\- item', '- 1\\. item', '- \\# head']);
  });

  it('keeps tables intact and values readable for any text', () => {
    const tricky = fc.constantFrom(
      ...'|`\\<>&*_[]()#!~-+.:\n\r\t \u0000\u0008\u2028'.split(''),
      '</td>',
      '<script>',
      '&lt;',
      '\\|',
      '1.',
    );
    const value = fc.oneof(
      fc.string({ unit: tricky, maxLength: 16 }),
      fc.string({ unit: 'grapheme', maxLength: 16 }),
    );
    fc.assert(
      fc.property(value, value, value, (clusterId, message, expected) => {
        const output = formatMarkdown(
          report({
            clusters: [{ clusterId, region: 'r1', status: 'violating' }],
            findings: [finding({ clusterId, ruleId: 'custom.x', message, expected })],
          }),
        );
        expect(output).not.toContain('<');
        const all = tables(output);
        for (const table of all) for (const row of table.rows) expect(row).toHaveLength(table.header.length);
        const findings = tableWith(output, 'Severity');
        expect(findings.rows).toHaveLength(1);
        expect(unescapeMd(findings.rows[0]?.[3] ?? '')).toBe(shown(message));
        expect(unescapeMd(findings.rows[0]?.[4] ?? '')).toBe(shown(expected));
        expect(unescapeMd(tableWith(output, 'Region').rows[0]?.[1] ?? '')).toBe(shown(clusterId));
      }),
    );
  });
});
