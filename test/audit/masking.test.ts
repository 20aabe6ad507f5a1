import { describe, expect, it } from 'vitest';
import { maskSecretValue } from '../../shared/redact';
import { audit, compliantGateway, withLocation } from '../helpers/audit';

const POLICY = `version: 1
registries: { allow: [docker.io] }
transport: { requireHttps: true }
mongodb: { forbidInlineCredentials: true, requireTls: true }
`;

/**
 * Passwords that break naive masks: an `@`, `#`, `?`, `/`, spaces or a tab inside them, no scheme,
 * a scheme without `//`. None of these may survive anywhere in a finding.
 */
const PASSWORDS = [
  'Secr@tPw6',
  'Sec#retPw8',
  'Sec?retPw9',
  'Sec/retPw7',
  'Sec retPw10',
  'Sec\tretPw11',
  'p%40ss:w0rd',
];

describe('no password survives in a finding', () => {
  it.each(PASSWORDS)('URL with password %j', (password) => {
    for (const url of [
      `https://user:${password}@registry-1.docker.io`,
      `user:${password}@docker.io`,
      `https:user:${password}@docker.io`,
    ]) {
      const findings = audit(withLocation({ URL: url }), POLICY);
      expect(findings.length).toBeGreaterThan(0);
      expect(JSON.stringify(findings)).not.toContain(password);
      expect(findings.some((finding) => finding.ruleId === 'registry.credentials-in-url')).toBe(true);
    }
  });

  it.each(PASSWORDS)('Location and DefaultImageLocation with password %j', (password) => {
    const findings = audit(
      withLocation(
        { Location: `user:${password}@docker.io` },
        { DefaultImageLocation: `u:${password}@docker.io` },
      ),
      POLICY,
    );
    expect(findings.map((finding) => finding.ruleId)).toContain('registry.invalid');
    expect(JSON.stringify(findings)).not.toContain(password);
  });

  it.each(PASSWORDS)('MongoDBURI with password %j', (password) => {
    const findings = audit(
      compliantGateway({ MongoDBURI: `mongodb://admin:${password}@10.0.0.5:27017/imagegw` }),
      POLICY,
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(findings)).not.toContain(password);
  });

  it('keeps the user name and the host readable', () => {
    expect(maskSecretValue('https://user:Secr@tPw6@registry-1.docker.io/v2')).toBe(
      'https://user:***@registry-1.docker.io/v2',
    );
    expect(maskSecretValue('mongodb://admin:a b@10.0.0.5/')).toBe('mongodb://admin:***@10.0.0.5/');
    expect(maskSecretValue('token@host')).toBe('***@host');
    expect(maskSecretValue('https://docker.io')).toBe('https://docker.io');
  });
});

describe('tokens in the query string of a registry URL', () => {
  it.each([
    'https://reg_istry.example?access_token=ChatLeakZZ7',
    'https://registry.cn-hangzhou.cr.aliyuncs.com/v2?access_token=ChatLeakZZ7&x=1',
  ])('never survive in a finding: %s', (url) => {
    const custom = `${POLICY}custom:\n  - { id: custom.no-query, severity: low, description: no query, schema: { properties: { Locations: { items: { properties: { URL: { maxLength: 5 } } } } } } }\n`;
    const findings = audit(withLocation({ URL: url }), custom);
    expect(findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(findings)).not.toContain('ChatLeakZZ7');
    expect(JSON.stringify(findings)).toContain('access_token=***');
  });
});
