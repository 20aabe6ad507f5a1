import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../shared/policy/errors';
import { baselinePolicy, loadPolicyFile, parsePolicy } from '../../shared/policy/load';

function issuesOf(text: string, file = 'policy.yaml') {
  try {
    parsePolicy(text, file);
  } catch (error) {
    if (error instanceof PolicyError) return error.issues;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy loading', () => {
  it('compiles durations to seconds and allow entries to identities', () => {
    const policy = parsePolicy(
      'version: 1\nregistries:\n  allow: [docker.io]\ntimeouts:\n  pullUpdate: { min: 1m, max: 1d12h }\n',
      'p.yaml',
    );
    expect(policy.timeouts.pullUpdate).toEqual({ min: 60, max: 129_600 });
    expect(policy.registries?.allow?.text).toEqual(['docker.io']);
    expect(policy.registries?.remoteTypes).toEqual(['dockerv2']);
    expect(policy.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names a misspelt key with its file, line and column', () => {
    const [issue, ...rest] = issuesOf('version: 1\ntransport:\n  requireHttp: true\n');
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ file: 'policy.yaml', line: 3, column: 3, key: 'transport.requireHttp' });
    expect(issue?.message).toMatch(/unknown key/);
  });

  it('rejects a unit-less duration with a message that asks for a unit', () => {
    for (const value of ['600', '"600"']) {
      const [issue] = issuesOf(`version: 1\ntimeouts:\n  pullUpdate: { min: ${value} }\n`);
      expect(issue?.key).toBe('timeouts.pullUpdate.min');
      expect(issue?.line).toBe(3);
      expect(issue?.message).toMatch(/unit/);
    }
  });

  it('rejects min above max', () => {
    const [issue] = issuesOf('version: 1\ntimeouts:\n  imageExpiration: { min: 91d, max: 90d }\n');
    expect(issue?.key).toBe('timeouts.imageExpiration.min');
    expect(issue?.message).toMatch(/greater than max/);
  });

  it.each([
    ['https://docker.io', /scheme/],
    ['docker.io/library', /path/],
    ['user@docker.io', /user info/],
    ['regi****.docker.io', /./],
    ['docker.*.io', /./],
  ])('rejects the allow entry %s, naming it', (entry, reason) => {
    const [issue] = issuesOf(`version: 1\nregistries:\n  allow:\n    - docker.io\n    - "${entry}"\n`);
    expect(issue).toMatchObject({ key: 'registries.allow[1]', line: 5 });
    expect(issue?.message).toMatch(reason);
  });

  it('rejects duplicate keys, a wrong version, unknown rule ids and bad severities', () => {
    expect(issuesOf('version: 1\nversion: 1\n')[0]?.message).toMatch(/unique|duplicate/i);
    expect(issuesOf('version: 2\n')[0]?.key).toBe('version');
    expect(issuesOf('transport: { requireHttps: true }\n')[0]).toMatchObject({
      key: 'version',
      message: expect.stringMatching(/required/),
    });
    const [unknownRule] = issuesOf('version: 1\nseverity:\n  registry.not-alowed: high\n');
    expect(unknownRule?.message).toMatch(/unknown rule id "registry.not-alowed"/);
    expect(issuesOf('version: 1\nseverity:\n  registry.invalid: urgent\n')[0]?.message).toMatch(
      /critical, high/,
    );
  });

  it('reports a duplicate key together with the other problems', () => {
    const issues = issuesOf(
      'version: 1\ntransport: {}\ntransport: {}\ntimeouts:\n  pullUpdate: { min: 5 }\n',
    );
    expect(issues.map((issue) => issue.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/duplicate key/),
        expect.stringMatching(/5 has no unit/),
      ]),
    );
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(
      'version: 1\ntransport: { requireHttps: yes-please }\ntimeouts:\n  pullUpdate: { min: 5 }\nextra: 1\n',
    );
    expect(issues.map((issue) => issue.key).sort()).toEqual([
      'extra',
      'timeouts.pullUpdate.min',
      'transport.requireHttps',
    ]);
  });

  it('reports YAML syntax errors and empty files with a place', () => {
    expect(issuesOf('version: 1\nregistries: [\n')[0]?.line).toBeGreaterThan(0);
    expect(issuesOf('')[0]?.message).toMatch(/empty/);
  });

  it('loads JSON policies with positions, and names a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, '{\n  "version": 1,\n  "transprt": {}\n}\n');
    await expect(loadPolicyFile(file)).rejects.toThrow(`${file}:3:3: transprt: unknown key`);
    await expect(loadPolicyFile(join(dir, 'absent.yaml'))).rejects.toThrow(/absent\.yaml: no such file/);
    writeFileSync(join(dir, 'policy.txt'), 'version: 1');
    await expect(loadPolicyFile(join(dir, 'policy.txt'))).rejects.toThrow(/\.yaml, \.yml or \.json/);
  });

  it('has a valid built-in baseline that requires https', () => {
    const policy = baselinePolicy();
    expect(policy.requireHttps).toBe(true);
    expect(policy.registries?.allow).toBeUndefined();
  });
});
