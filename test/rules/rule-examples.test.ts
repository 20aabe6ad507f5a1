import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_DEFAULT_SEVERITY } from '../../shared/rules/ids';
import { RULES } from '../../shared/rules/index';
import { audit, compliantGateway, TEST_NOW } from '../helpers/audit';

const EXAMPLE_POLICY = readFileSync(join(__dirname, '..', '..', 'examples', 'policy.yaml'), 'utf8');
const DOCS = readFileSync(join(__dirname, '..', '..', 'docs', 'policy.md'), 'utf8');

const acr = 'registry.cn-hangzhou.cr.aliyuncs.com';
const location = (fields: Record<string, unknown>) => ({
  URL: `https://${acr}`,
  RemoteType: 'dockerv2',
  Location: acr,
  Authentication: 'https',
  ...fields,
});
const withOne = (fields: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
  compliantGateway({ Locations: { LocationInfo: [location(fields)] }, ...overrides });

/** The violating and fixed example of every rule, as docs/policy.md gives them. */
const EXAMPLES: Record<string, { violating: Record<string, unknown>; fixed: Record<string, unknown> }> = {
  'registry.not-allowed': {
    violating: withOne({ Location: `${acr}.evil.io`, URL: '' }),
    fixed: withOne({ Location: acr, URL: '' }),
  },
  'registry.invalid': {
    violating: withOne({ Location: 'https://docker.io', URL: 'https://regi****.docker-cn.com' }),
    fixed: withOne(
      { Location: 'docker.io', URL: 'https://registry-1.docker.io' },
      { DefaultImageLocation: 'docker.io' },
    ),
  },
  'registry.credentials-in-url': {
    violating: withOne({ URL: `https://robot:s3cret@${acr}` }),
    fixed: withOne({ URL: `https://${acr}` }),
  },
  'registry.remote-type-not-allowed': {
    violating: withOne({ RemoteType: 'dockerhub' }),
    fixed: withOne({ RemoteType: 'dockerv2' }),
  },
  'registry.default-undefined': {
    violating: withOne({ Location: 'docker.io', URL: '' }, { DefaultImageLocation: 'quay.io' }),
    fixed: withOne({ Location: 'docker.io', URL: '' }, { DefaultImageLocation: 'registry-1.docker.io' }),
  },
  'transport.insecure': {
    violating: withOne({ URL: `http://${acr}`, Authentication: 'http' }),
    fixed: withOne({ URL: `https://${acr}`, Authentication: 'https' }),
  },
  'timeout.pull-update-out-of-bounds': {
    violating: compliantGateway({ PullUpdateTimeout: 7200 }),
    fixed: compliantGateway({ PullUpdateTimeout: 300 }),
  },
  'timeout.image-expiration-out-of-bounds': {
    violating: compliantGateway({ ImageExpirationTimeout: '180:00:00:00' }),
    fixed: compliantGateway({ ImageExpirationTimeout: '30:00:00:00' }),
  },
  'mongodb.inline-credentials': {
    violating: compliantGateway({ MongoDBURI: 'mongodb://imagegw:s3cret@10.0.0.5:27017/imagegw?tls=true' }),
    fixed: compliantGateway({ MongoDBURI: 'mongodb://10.0.0.5:27017/imagegw?tls=true' }),
  },
  'mongodb.tls-disabled': {
    violating: compliantGateway({ MongoDBURI: 'mongodb://10.0.0.5:27017/imagegw' }),
    fixed: compliantGateway({ MongoDBURI: 'mongodb://10.0.0.5:27017/imagegw?tls=true' }),
  },
  'config.invalid': {
    violating: compliantGateway({ ImageExpirationTimeout: 'ninety days' }),
    fixed: compliantGateway({ ImageExpirationTimeout: '90:00:00:00' }),
  },
  'config.stale': {
    violating: compliantGateway({ UpdateDateTime: '2018-07-18T17:46:47' }),
    fixed: compliantGateway({ UpdateDateTime: '2026-11-20T08:00:00' }),
  },
};

describe('every rule, on its documented examples, under the example policy', () => {
  it('has an example for exactly the rules of the table', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(RULE_DEFAULT_SEVERITY).sort());
  });

  it.each(Object.entries(EXAMPLES))(
    '%s fires on its violating example and stays silent on the fixed one',
    (ruleId, example) => {
      const violating = audit(example.violating, EXAMPLE_POLICY, true, TEST_NOW);
      expect(violating.map((finding) => finding.ruleId)).toContain(ruleId);
      const fixed = audit(example.fixed, EXAMPLE_POLICY, true, TEST_NOW);
      expect(fixed).toEqual([]);
    },
  );
});

describe('docs/policy.md', () => {
  it('documents every rule with its default severity and a violating and fixed example', () => {
    for (const rule of RULES) {
      const section = DOCS.split(/^### /m).find((part) => part.startsWith(`${rule.id}\n`));
      expect(section, `docs/policy.md has no "### ${rule.id}" section`).toBeDefined();
      const severity = RULE_DEFAULT_SEVERITY[rule.id];
      const capitalised = `${severity.charAt(0).toUpperCase()}${severity.slice(1)}`;
      // Each section opens with the default severity: "High." or "Medium, under …".
      expect(section).toMatch(new RegExp(`^${rule.id.replace(/\./g, '\\.')}\\n\\n${capitalised}[.,]`));
      expect(section).toMatch(/Violating/);
      expect(section).toMatch(/Fixed/);
    }
  });

  it('documents every top-level policy key', () => {
    for (const key of [
      'version',
      'registries',
      'transport',
      'timeouts',
      'mongodb',
      'config',
      'severity',
      'waivers',
      'overrides',
      'custom',
    ]) {
      expect(DOCS).toContain(`\n${key}:`);
    }
  });
});
