import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policyJsonSchema } from '../../shared/policy/json-schema';
import { REPO, runCli } from '../helpers/cli';

describe('the policy JSON Schema', () => {
  it('is committed as policy.schema.json exactly as `policy schema` prints it', async () => {
    const printed = await runCli(['policy', 'schema']);
    expect(printed.code).toBe(0);
    expect(readFileSync(join(REPO, 'policy.schema.json'), 'utf8')).toBe(printed.stdout);
    expect(JSON.parse(printed.stdout)).toEqual(policyJsonSchema());
  });

  it('accepts the example policy and rejects a misspelt key, so editors flag it', () => {
    const validate = new Ajv2020({ strict: false }).compile(policyJsonSchema());
    expect(validate(parse(readFileSync(join(REPO, 'examples', 'policy.yaml'), 'utf8')))).toBe(true);
    expect(validate({ version: 1, transport: { requireHttp: true } })).toBe(false);
    expect(validate({ version: 1, timeouts: { pullUpdate: { min: '10 minutes' } } })).toBe(false);
    expect(validate({ version: 1, severity: { 'registry.not-alowed': 'high' } })).toBe(false);
    expect(validate({ version: 1, severity: { 'registry.invalid': 'low', 'custom.mine': 'info' } })).toBe(
      true,
    );
  });
});

describe('imagegw-audit policy validate', () => {
  it('prints every problem at once with file, line and column, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'registries:',
        '  allow: ["https://docker.io", docker.io/library, "user@quay.io"]',
        'timeouts:',
        '  pullUpdate: { min: 600, max: 10m }',
        '  imageExpiration: { min: 91d, max: 90d }',
        'severity:',
        '  registry.not-alowed: high',
        'waivers:',
        '  - { rule: transport.insecure, reason: short, expires: 2027-01-01 }',
        'tranport: {}',
        '',
      ].join('\n'),
    );
    const result = await runCli(['policy', 'validate', file]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    const keys = lines.map((line) => /^imagegw-audit: .*?:\d+:\d+: (\S+):/.exec(line)?.[1]);
    expect(keys).toEqual(
      expect.arrayContaining([
        'registries.allow[0]',
        'registries.allow[1]',
        'registries.allow[2]',
        'timeouts.pullUpdate.min',
        'timeouts.imageExpiration.min',
        'severity.registry.not-alowed',
        'waivers[0].reason',
        'tranport',
      ]),
    );
    expect(lines).toHaveLength(8);
    expect(result.stderr).toContain(`${file}:5:`);
  });

  it('says valid and exits 0 for a valid policy', async () => {
    const result = await runCli(['policy', 'validate', join(REPO, 'examples', 'policy.yaml')]);
    expect(result).toMatchObject({ code: 0, stdout: `${join(REPO, 'examples', 'policy.yaml')}: valid\n` });
  });
});
