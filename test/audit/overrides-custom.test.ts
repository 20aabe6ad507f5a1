import { describe, expect, it } from 'vitest';
import { evaluateGateway } from '../../shared/audit/evaluate';
import { PolicyError } from '../../shared/policy/errors';
import { parsePolicy } from '../../shared/policy/load';
import { fieldFromInstancePath } from '../../shared/rules/custom';
import { audit, compliantGateway, ruleFields, STRICT_POLICY, TEST_NOW, withLocation } from '../helpers/audit';

const SLOW_PULLS = compliantGateway({ PullUpdateTimeout: 7200 });

function evaluate(policyText: string, clusterId: string, region: string, gateway = SLOW_PULLS) {
  const policy = parsePolicy(policyText, 'p.yaml');
  return evaluateGateway({ clusterId, region }, { Imagegw: gateway }, policy, { now: TEST_NOW });
}

describe('overrides', () => {
  const policy = `${STRICT_POLICY}overrides:
  - clusters: ["ehpc-sh-*"]
    set:
      timeouts: { pullUpdate: { min: 60s, max: 4h } }
  - regions: [cn-beijing]
    set:
      timeouts: { pullUpdate: { max: 30m } }
      transport: { requireHttps: false }
  - clusters: ["ehpc-sh-gpu*"]
    set:
      timeouts: { pullUpdate: { max: 1h } }
`;

  it('replaces whole sections for matching clusters and records which overrides applied', () => {
    const shanghai = evaluate(policy, 'ehpc-sh-cfd01', 'cn-shanghai');
    expect(shanghai.findings).toEqual([]);
    expect(shanghai.overrides).toEqual(['overrides[0]']);
    // The override replaced the whole timeouts section: imageExpiration bounds are gone for it.
    const longExpiry = evaluate(
      policy,
      'ehpc-sh-cfd01',
      'cn-shanghai',
      compliantGateway({ ImageExpirationTimeout: '365:00:00:00' }),
    );
    expect(longExpiry.findings).toEqual([]);
  });

  it('applies in order, a later match replacing a section again', () => {
    const gpu = evaluate(policy, 'ehpc-sh-gpu01', 'cn-shanghai');
    expect(gpu.overrides).toEqual(['overrides[0]', 'overrides[2]']);
    expect(ruleFields(gpu.findings)).toEqual(['timeout.pull-update-out-of-bounds@PullUpdateTimeout']);
  });

  it('matches by region and leaves other clusters on the base policy', () => {
    const beijing = evaluate(
      policy,
      'ehpc-bj-x',
      'cn-beijing',
      withLocation({ URL: 'http://docker.io' }, { PullUpdateTimeout: 3000 }),
    );
    expect(beijing.overrides).toEqual(['overrides[1]']);
    expect(ruleFields(beijing.findings)).toEqual(['timeout.pull-update-out-of-bounds@PullUpdateTimeout']);
    const hangzhou = evaluate(policy, 'ehpc-hz-x', 'cn-hangzhou');
    expect(hangzhou.overrides).toEqual([]);
    expect(ruleFields(hangzhou.findings)).toEqual(['timeout.pull-update-out-of-bounds@PullUpdateTimeout']);
  });

  it('rejects an override without a condition, or one that sets an unknown section', () => {
    expect(() =>
      parsePolicy(`${STRICT_POLICY}overrides:\n  - set: { transport: { requireHttps: false } }\n`, 'p.yaml'),
    ).toThrow(/overrides\[0\]: give clusters, regions or both/);
    expect(() =>
      parsePolicy(`${STRICT_POLICY}overrides:\n  - clusters: [x]\n    set: { waivers: [] }\n`, 'p.yaml'),
    ).toThrow(/overrides\[0\]\.set\.waivers: unknown key/);
  });
});

describe('custom rules', () => {
  const policy = `${STRICT_POLICY}custom:
  - id: custom.mirror-required
    severity: medium
    description: Every location must use the company mirror
    schema:
      type: object
      properties:
        Locations:
          type: array
          items: { properties: { URL: { pattern: "^https://mirror\\\\.example\\\\.com(/|$)" } } }
  - id: custom.pull-timeout-set
    severity: low
    description: PullUpdateTimeout is a number and MongoDBURI is required
    schema:
      type: object
      required: [MongoDBURI]
      properties: { PullUpdateTimeout: { type: number, maximum: 3600 } }
`;

  it('turns each schema error into a finding on the field its instance path names', () => {
    const gateway = compliantGateway({
      Locations: [
        {
          URL: 'https://mirror.example.com/v2',
          RemoteType: 'dockerv2',
          Location: 'mirror.example.com',
          Authentication: 'https',
        },
        {
          URL: 'https://registry.cn-hangzhou.cr.aliyuncs.com',
          RemoteType: 'dockerv2',
          Location: 'registry.cn-hangzhou.cr.aliyuncs.com',
          Authentication: 'https',
        },
      ],
    });
    delete gateway.MongoDBURI;
    const findings = audit(gateway, policy).filter((finding) => finding.ruleId.startsWith('custom.'));
    expect(findings.map((finding) => [finding.ruleId, finding.field, finding.severity])).toEqual([
      ['custom.mirror-required', 'Locations.LocationInfo[1].URL', 'medium'],
      ['custom.pull-timeout-set', 'MongoDBURI', 'low'],
    ]);
    expect(findings[0]?.value).toBe('https://registry.cn-hangzhou.cr.aliyuncs.com');
    expect(findings[0]?.message).toMatch(/^Every location must use the company mirror: /);
  });

  it('sees PullUpdateTimeout as a number even when the config has a numeric string', () => {
    expect(
      audit(compliantGateway({ PullUpdateTimeout: '300' }), policy).filter(
        (f) => f.ruleId === 'custom.pull-timeout-set',
      ),
    ).toEqual([]);
  });

  it('can be given a severity and waived like any rule', () => {
    const waived = `${policy}severity:\n  custom.mirror-required: critical\nwaivers:\n  - { rule: "custom.*", reason: "mirror not deployed yet", expires: 2099-01-01 }\n`;
    const findings = audit(compliantGateway(), waived).filter(
      (finding) => finding.ruleId === 'custom.mirror-required',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'critical', waived: true });
  });

  it('rejects a schema that does not compile and a duplicate or malformed id, naming the place', () => {
    const broken = `${STRICT_POLICY}custom:\n  - id: custom.broken\n    severity: low\n    description: broken\n    schema: { type: objekt }\n`;
    try {
      parsePolicy(broken, 'p.yaml');
      throw new Error('expected a PolicyError');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).issues[0]).toMatchObject({ key: 'custom[0].schema', line: 14 });
    }
    const duplicate = `${STRICT_POLICY}custom:\n  - { id: custom.a, severity: low, description: a, schema: {} }\n  - { id: custom.a, severity: low, description: b, schema: {} }\n`;
    expect(() => parsePolicy(duplicate, 'p.yaml')).toThrow(
      /custom\[1\]\.id: custom rule id "custom.a" is defined twice/,
    );
    expect(() =>
      parsePolicy(
        `${STRICT_POLICY}custom:\n  - { id: mine, severity: low, description: a, schema: {} }\n`,
        'p.yaml',
      ),
    ).toThrow(/custom\[0\]\.id/);
  });

  it('maps instance paths to wrapped field paths', () => {
    expect(fieldFromInstancePath('/Locations/3/URL')).toBe('Locations.LocationInfo[3].URL');
    expect(fieldFromInstancePath('')).toBe('Imagegw');
    expect(fieldFromInstancePath('', 'MongoDBURI')).toBe('MongoDBURI');
    expect(fieldFromInstancePath('/Locations/0', 'RemoteType')).toBe('Locations.LocationInfo[0].RemoteType');
    expect(fieldFromInstancePath('/a~1b')).toBe('a/b');
  });
});

describe('custom rules against hostile input', () => {
  const custom = (schema: string) =>
    `${STRICT_POLICY}custom:\n  - id: custom.x\n    severity: low\n    description: custom check\n    schema: ${schema}\n`;

  it('runs patterns in linear time: a catastrophic backtracking pattern cannot hang the audit', () => {
    const policy = custom('{ properties: { MongoDBURI: { pattern: "^(a+)+$" } } }');
    const findings = audit(compliantGateway({ MongoDBURI: `mongodb://${'a'.repeat(40)}!` }), policy);
    expect(findings.map((finding) => finding.ruleId)).toContain('custom.x');
  });

  it('supports the standard formats', () => {
    const policy = custom('{ properties: { UpdateDateTime: { format: date } } }');
    expect(audit(compliantGateway(), policy).filter((finding) => finding.ruleId === 'custom.x')).toHaveLength(
      1,
    );
  });

  it('gives each unexpected property its own finding', () => {
    const policy = custom('{ properties: { Extra1: true }, additionalProperties: { const: 0 } }');
    const fields = audit(compliantGateway({ Extra1: 1, Extra2: 2, Extra3: 3 }), policy)
      .filter((finding) => finding.ruleId === 'custom.x')
      .map((finding) => finding.field);
    expect(fields).toEqual(expect.arrayContaining(['Extra2', 'Extra3', 'MongoDBURI']));
  });

  it('masks secrets a custom rule quotes, whole objects included', () => {
    const uri = 'mongodb://admin:PwAdminX1@10.0.0.5/?tls=true&tlsCertificateKeyFilePassword=PwKSecret';
    for (const schema of ['{ properties: { MongoDBURI: { maxLength: 5 } } }', '{ not: {} }']) {
      const findings = audit(compliantGateway({ MongoDBURI: uri }), custom(schema)).filter(
        (f) => f.ruleId === 'custom.x',
      );
      expect(findings.length).toBeGreaterThan(0);
      expect(JSON.stringify(findings)).not.toMatch(/PwAdminX1|PwKSecret/);
    }
  });
});
