import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli';

const SUITE = join(REPO, 'examples', 'policy-tests');
const POLICY = join(REPO, 'examples', 'policy.yaml');

function copySuite(): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-tests-'));
  cpSync(SUITE, dir, { recursive: true });
  return dir;
}

describe('imagegw-audit policy test', () => {
  it('passes the shipped example suite against the example policy', async () => {
    const result = await runCli(['policy', 'test', SUITE, '--policy', POLICY]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^(\d+) passed, 0 failed/m);
    expect(Number(/^(\d+) passed/m.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(6);
    expect(result.stdout).not.toMatch(/^FAIL/m);
  });

  it('fails, naming the case, when a case expects a finding that does not occur', async () => {
    const dir = copySuite();
    const file = join(dir, 'compliant-acr.case.yaml');
    const text = readFileSync(file, 'utf8').replace(
      'expect: []',
      'expect:\n  - { rule: transport.insecure, field: "Locations.LocationInfo[0].URL" }',
    );
    writeFileSync(file, text);
    const result = await runCli(['policy', 'test', dir, '--policy', POLICY]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL compliant-acr (${file})`);
    expect(result.stdout).toContain('expected, not found: transport.insecure@Locations.LocationInfo[0].URL');
    expect(result.stdout).toMatch(/, 1 failed/);
  });

  it('fails when a finding occurs that no case expected', async () => {
    const dir = copySuite();
    const file = join(dir, 'http-mirror.case.yaml');
    const text = readFileSync(file, 'utf8').replace(/expect:[\s\S]*$/, 'expect: []\n');
    writeFileSync(file, text);
    const result = await runCli(['policy', 'test', dir, '--policy', POLICY]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL http-mirror[\s\S]*found, not expected: transport\.insecure@/);
  });

  it('reports a malformed case or a missing policy as bad input (exit 2), naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-tests-bad-'));
    writeFileSync(
      join(dir, 'broken.case.yaml'),
      'config: x.json\nexpect: [ { rule: transport.insecure } ]\n',
    );
    const noPolicy = await runCli(['policy', 'test', dir]);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toContain('no policy.yaml in the directory; give --policy FILE');
    const broken = await runCli(['policy', 'test', dir, '--policy', POLICY]);
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim()).toMatch(/broken\.case\.yaml: expect\.0\.field: /);
    const empty = await runCli(['policy', 'test', mkdtempSync(join(tmpdir(), 'empty-')), '--policy', POLICY]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no test cases');
  });

  it('reports a case whose config is missing as bad input, and still runs the others', async () => {
    const dir = copySuite();
    writeFileSync(join(dir, 'aaa-missing.case.yaml'), 'config: configs/nope.json\nexpect: []\n');
    const result = await runCli(['policy', 'test', dir, '--policy', POLICY]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^ERROR aaa-missing /m);
    expect(result.stdout).toMatch(/^PASS compliant-acr$/m);
    expect(result.stdout).toMatch(/, 1 could not run/);
    expect(result.stderr).toContain('nope.json: no such file');
  });

  it('names a misspelt case key rather than the key it hides', async () => {
    const dir = copySuite();
    writeFileSync(join(dir, 'typo.case.yaml'), 'config: configs/compliant-acr.json\nexpct: []\n');
    const result = await runCli(['policy', 'test', dir, '--policy', POLICY]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/typo\.case\.yaml: expct: unknown key/);
  });
});
