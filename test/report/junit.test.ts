import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../shared/audit/types';
import { formatJunit } from '../../shared/report/junit';
import { RULES } from '../../shared/rules/index';
import { compliantReport, finding, HOSTILE_XML, hasControl, mixedReport, report } from './fixtures';
import { childrenNamed, descendantsNamed, parseXml, type XmlElement } from './xml';

const junit = (input: Report) => parseXml(formatJunit(input));

function counted(element: XmlElement) {
  const cases = descendantsNamed(element, 'testcase');
  return {
    tests: cases.length,
    failures: cases.filter((testcase) => childrenNamed(testcase, 'failure').length > 0).length,
    errors: cases.filter((testcase) => childrenNamed(testcase, 'error').length > 0).length,
    skipped: cases.filter((testcase) => childrenNamed(testcase, 'skipped').length > 0).length,
  };
}

function declared(element: XmlElement) {
  const number = (name: string) => Number(element.attributes[name]);
  return {
    tests: number('tests'),
    failures: number('failures'),
    errors: number('errors'),
    skipped: number('skipped'),
  };
}

function suite(root: XmlElement, name: string): XmlElement {
  const found = childrenNamed(root, 'testsuite').filter((candidate) => candidate.attributes.name === name);
  expect(found).toHaveLength(1);
  const [only] = found;
  if (!only) throw new Error(`no suite ${name}`);
  return only;
}

function testcase(parent: XmlElement, name: string): XmlElement {
  const found = childrenNamed(parent, 'testcase').filter((candidate) => candidate.attributes.name === name);
  expect(found).toHaveLength(1);
  const [only] = found;
  if (!only) throw new Error(`no testcase ${name}`);
  return only;
}

const property = (element: XmlElement, name: string) =>
  descendantsNamed(element, 'property').find((candidate) => candidate.attributes.name === name)?.attributes
    .value;

const ruleIds = [...RULES.map((rule) => rule.id), 'custom.require-mirror'];

describe('formatJunit', () => {
  it('is well-formed XML with a testsuites root', () => {
    const text = formatJunit(mixedReport());
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(parseXml(text).name).toBe('testsuites');
  });

  it('declares counts that agree with its testcases, on every suite and on the root', () => {
    const root = junit(mixedReport());
    expect(declared(root)).toEqual(counted(root));
    for (const each of childrenNamed(root, 'testsuite')) expect(declared(each)).toEqual(counted(each));
    expect(declared(root)).toEqual({ tests: 3 * ruleIds.length + 2, failures: 5, errors: 2, skipped: 1 });
    expect(root.attributes.time).toBe('1.250');
  });

  it('has one suite per cluster, with its region, and one testcase per built-in or reported rule', () => {
    const root = junit(mixedReport());
    expect(childrenNamed(root, 'testsuite').map((each) => each.attributes.name)).toEqual([
      'ehpc-hz-bad',
      'ehpc-hz-ok',
      'ehpc-hz-waived',
      'ehpc-sh-err',
      'imagegw-auditor',
    ]);
    for (const name of ['ehpc-hz-bad', 'ehpc-hz-ok', 'ehpc-hz-waived']) {
      const cluster = suite(root, name);
      expect(property(cluster, 'region')).toBe('cn-hangzhou');
      const cases = childrenNamed(cluster, 'testcase');
      expect(cases.map((each) => each.attributes.name)).toEqual(ruleIds);
      for (const each of cases) expect(each.attributes.classname).toBe(name);
    }
    expect(property(suite(root, 'ehpc-sh-err'), 'region')).toBe('cn-shanghai');
  });

  it('passes a compliant cluster on every rule', () => {
    const cluster = suite(junit(mixedReport()), 'ehpc-hz-ok');
    expect(declared(cluster)).toEqual({ tests: ruleIds.length, failures: 0, errors: 0, skipped: 0 });
    for (const each of childrenNamed(cluster, 'testcase')) expect(each.children).toEqual([]);
  });

  it('fails a rule with one failure holding every finding, typed by severity, listing field, value and expected', () => {
    const cluster = suite(junit(mixedReport()), 'ehpc-hz-bad');
    const transport = childrenNamed(testcase(cluster, 'transport.insecure'), 'failure');
    // The JUnit schema allows one <failure> per test case: both findings are in it.
    expect(transport).toHaveLength(1);
    expect(transport[0]?.attributes.message).toBe(
      '2 findings: Locations.LocationInfo[1].URL, Locations.LocationInfo[2].Authentication',
    );
    expect(transport[0]?.attributes.type).toBe('high');
    expect(transport[0]?.text).toContain('field: Locations.LocationInfo[1].URL');
    expect(transport[0]?.text).toContain('field: Locations.LocationInfo[2].Authentication');
    expect(transport[0]?.text).toContain('value: http://10.0.0.1');
    expect(transport[0]?.text).toContain(`expired waiver: lab registry ${HOSTILE_XML} (expired 2026-11-30)`);

    const timeout = childrenNamed(testcase(cluster, 'timeout.pull-update-out-of-bounds'), 'failure');
    expect(timeout).toHaveLength(1);
    expect(timeout[0]?.attributes.type).toBe('medium');
    expect(timeout[0]?.text.split('\n')).toEqual(
      expect.arrayContaining(['field: PullUpdateTimeout', 'value: 1', 'expected: between 5m and 2h']),
    );
    expect(childrenNamed(testcase(cluster, 'custom.require-mirror'), 'failure')[0]?.attributes.type).toBe(
      'low',
    );
    expect(childrenNamed(testcase(cluster, 'registry.invalid'), 'failure')).toEqual([]);
  });

  it('skips a rule whose findings are all waived, giving the reason', () => {
    const cluster = suite(junit(mixedReport()), 'ehpc-hz-waived');
    const waived = testcase(cluster, 'registry.not-allowed');
    expect(childrenNamed(waived, 'failure')).toEqual([]);
    const [skipped] = childrenNamed(waived, 'skipped');
    expect(skipped?.attributes.message).toBe(`waived: migration ticket OPS-1 ${HOSTILE_XML}`);
    expect(declared(cluster)).toEqual({ tests: ruleIds.length, failures: 0, errors: 0, skipped: 1 });
  });

  it('still fails a rule with an open finding next to a waived one', () => {
    const root = junit(
      report({
        clusters: [{ clusterId: 'c1', region: 'r1', status: 'violating' }],
        findings: [
          finding({ clusterId: 'c1', ruleId: 'registry.not-allowed', message: 'open' }),
          finding({
            clusterId: 'c1',
            ruleId: 'registry.not-allowed',
            field: 'DefaultImageLocation',
            message: 'waived one',
            waived: true,
            waiver: { reason: 'ok for now', expires: '2027-01-01' },
          }),
        ],
      }),
    );
    const both = testcase(suite(root, 'c1'), 'registry.not-allowed');
    expect(childrenNamed(both, 'failure').map((failure) => failure.attributes.message)).toEqual(['open']);
    expect(childrenNamed(both, 'skipped')).toEqual([]);
    expect(declared(root)).toEqual({ tests: RULES.length, failures: 1, errors: 0, skipped: 0 });
  });

  it('gives a cluster that could not be read a single testcase with its error code and message', () => {
    const cluster = suite(junit(mixedReport()), 'ehpc-sh-err');
    const cases = childrenNamed(cluster, 'testcase');
    expect(cases).toHaveLength(1);
    const [error] = childrenNamed(cases[0] as XmlElement, 'error');
    expect(error?.attributes.type).toBe('Forbidden.RAM');
    expect(error?.attributes.message).toBe(`Forbidden.RAM: no permission ${HOSTILE_XML}`);
    expect(error?.text).toContain('code: Forbidden.RAM');
    expect(error?.text).toContain('requestId: req-1');
    expect(declared(cluster)).toEqual({ tests: 1, failures: 0, errors: 1, skipped: 0 });
  });

  it('reports reasons for incompleteness that no cluster accounts for, and notices, in a run suite', () => {
    const run = suite(junit(mixedReport()), 'imagegw-auditor');
    const errors = descendantsNamed(run, 'error');
    expect(errors.map((error) => error.attributes.message)).toEqual([
      'cn-beijing: clusters could not be listed: Throttling.User',
    ]);
    expect(childrenNamed(run, 'system-out')[0]?.text).toContain(
      `expires 2027-01-31, in 5 days: "${HOSTILE_XML}"`,
    );
  });

  it('has no run suite when the audit is complete and there is nothing to notice', () => {
    const root = junit(compliantReport());
    expect(childrenNamed(root, 'testsuite').map((each) => each.attributes.name)).toEqual([
      'ehpc-a',
      'ehpc-b',
    ]);
    expect(declared(root)).toEqual({ tests: 2 * RULES.length, failures: 0, errors: 0, skipped: 0 });
  });

  it('is well-formed for a report without clusters', () => {
    const root = junit(report({ clusters: [], findings: [] }));
    expect(declared(root)).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0 });
  });

  it('escapes markup and strips characters XML 1.0 forbids', () => {
    const text = formatJunit(mixedReport());
    expect(text).not.toContain('<script>');
    expect(text).not.toContain(']]>');
    expect(hasControl(text)).toBe(false);
    expect(text.match(/<\/failure>/g)).toHaveLength(5);
    const failure = descendantsNamed(parseXml(text), 'failure')[0];
    // Attribute values keep their line break (as &#10;) and every special character.
    expect(failure?.attributes.message).toBe(`URL host is not an allowed registry: ${HOSTILE_XML}`);
  });

  it('stays well-formed and round-trips any text', () => {
    const tricky = fc.constantFrom(
      ...'<>&"\'|`\\]\n\r\t \u0000\u0001\u0008\u000b\u000c\u001f\u007f\uFFFE\uFFFF'.split(''),
      ']]>',
      '</failure>',
      '<![CDATA[',
      '&amp;',
      '\uD800',
      '\uDC00',
      '😀',
    );
    const text = fc.oneof(
      fc.string({ unit: tricky, maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    const legal = (value: string) =>
      value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
    fc.assert(
      fc.property(text, text, text, (clusterId, message, value) => {
        const root = junit(
          report({
            clusters: [{ clusterId, region: value, status: 'violating' }],
            findings: [finding({ clusterId, ruleId: 'custom.x', message, value, region: value })],
          }),
        );
        const [failure] = descendantsNamed(root, 'failure');
        expect(failure?.attributes.message).toBe(legal(message));
        expect(failure?.text).toContain(`value: ${legal(value)}`);
        expect(childrenNamed(root, 'testsuite')[0]?.attributes.name).toBe(legal(clusterId));
        expect(declared(root)).toEqual({ tests: RULES.length + 1, failures: 1, errors: 0, skipped: 0 });
      }),
    );
  });
});
