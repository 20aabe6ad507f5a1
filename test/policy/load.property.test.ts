import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PolicyError } from '../../shared/policy/errors';
import { parsePolicy } from '../../shared/policy/load';

/** The loader's whole contract on bad input: a Policy or a PolicyError, never anything else. */
function loadsOrExplains(text: string): void {
  try {
    parsePolicy(text, 'fuzz.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    for (const issue of (error as PolicyError).issues) {
      expect(issue.file).toBe('fuzz.yaml');
      expect(issue.message.length).toBeGreaterThan(0);
      expect(issue.message).not.toContain('\n');
    }
  }
}

const keys = fc.constantFrom(
  'version',
  'registries',
  'allow',
  'remoteTypes',
  'transport',
  'requireHttps',
  'timeouts',
  'pullUpdate',
  'imageExpiration',
  'min',
  'max',
  'threeFieldFormat',
  'mongodb',
  'config',
  'maxAge',
  'severity',
  'waivers',
  'overrides',
  'custom',
  'rule',
  'reason',
  'expires',
  'set',
  'schema',
  'id',
  'registry.invalid',
);

// Policy-shaped JSON: the loader must get past YAML into zod and the compilers most of the time.
const policyish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.constantFrom(
      '60s',
      '1h',
      '90d',
      '600',
      'docker.io',
      '*.cr.aliyuncs.com',
      'https://x',
      '2027-01-01',
      'custom.x',
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
  ),
}));

describe('policy loader properties', () => {
  it('never throws anything but a PolicyError on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), loadsOrExplains), { numRuns: 400 });
  });

  it('never throws anything but a PolicyError on policy-shaped documents', () => {
    fc.assert(
      fc.property(
        fc.dictionary(keys, policyish.value, { maxKeys: 6 }),
        fc.boolean(),
        (document, withVersion) => {
          loadsOrExplains(stringify(withVersion ? { ...document, version: 1 } : document));
          loadsOrExplains(JSON.stringify(withVersion ? { ...document, version: 1 } : document));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['version: 1', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 12; level += 1) {
      bomb.push(
        `${'l'.repeat(level)}: &${'b'.repeat(level)} [${Array(10)
          .fill(level === 1 ? '*a' : `*${'b'.repeat(level - 1)}`)
          .join(',')}]`,
      );
    }
    expect(() => parsePolicy(bomb.join('\n'), 'bomb.yaml')).toThrow(PolicyError);
  });
});
