import { describe, expect, it } from 'vitest';
import { waiverNotices } from '../../shared/audit/waivers';
import { parsePolicy } from '../../shared/policy/load';
import { audit, STRICT_POLICY, withLocation } from '../helpers/audit';

// One finding under test: transport.insecure on the http URL of docker.io, cluster ehpc-hz-test,
// region cn-hangzhou (the helper's subject).
const INSECURE_MIRROR = withLocation({
  Location: 'docker.io',
  URL: 'http://docker.io',
  Authentication: 'https',
});

function policyWith(waiver: string): string {
  return `${STRICT_POLICY}waivers:\n  - ${waiver.trim().split('\n').join('\n    ')}\n`;
}

const BASE = 'reason: "TLS mirror rollout, ticket OPS-42"\nexpires: 2026-12-31';

function outcome(waiver: string, now?: Date) {
  const findings = audit(INSECURE_MIRROR, policyWith(waiver), true, now);
  expect(findings).toHaveLength(1);
  const [finding] = findings;
  if (!finding) throw new Error('no finding');
  return finding;
}

describe('waivers', () => {
  it('leaves the finding a violation when no waiver applies', () => {
    const [finding] = audit(INSECURE_MIRROR);
    expect(finding).toMatchObject({ ruleId: 'transport.insecure', waived: false });
    expect(finding?.waiver).toBeUndefined();
  });

  it.each([
    ['the rule id alone', 'rule: transport.insecure', true],
    ['a family glob', 'rule: "transport.*"', true],
    ['another rule', 'rule: registry.not-allowed', false],
    ['another family', 'rule: "registry.*"', false],
    ['a matching cluster glob', 'rule: transport.insecure\nclusters: ["ehpc-hz-*"]', true],
    ['a cluster glob that does not match', 'rule: transport.insecure\nclusters: ["ehpc-sh-*"]', false],
    ['a matching region', 'rule: transport.insecure\nregions: [cn-hangzhou]', true],
    ['another region', 'rule: transport.insecure\nregions: [cn-shanghai]', false],
    ['a matching registry', 'rule: transport.insecure\nregistries: [docker.io]', true],
    [
      'a Docker Hub alias as the registry',
      'rule: transport.insecure\nregistries: [registry-1.docker.io]',
      true,
    ],
    [
      'a registry wildcard that does not cover the apex',
      'rule: transport.insecure\nregistries: ["*.docker.io"]',
      false,
    ],
    ['another registry', 'rule: transport.insecure\nregistries: [quay.io]', false],
    [
      'all conditions together',
      'rule: "transport.*"\nclusters: ["ehpc-hz-*"]\nregions: [cn-hangzhou]\nregistries: [docker.io]',
      true,
    ],
    [
      'all conditions but one',
      'rule: "transport.*"\nclusters: ["ehpc-hz-*"]\nregions: [cn-shanghai]\nregistries: [docker.io]',
      false,
    ],
  ])('%s', (_name, conditions, waived) => {
    const finding = outcome(`${conditions}\n${BASE}`, new Date('2026-12-03T00:00:00Z'));
    expect(finding.waived).toBe(waived);
    if (waived)
      expect(finding.waiver).toEqual({ reason: 'TLS mirror rollout, ticket OPS-42', expires: '2026-12-31' });
  });

  it('never matches a finding that has no registry with a waiver naming registries', () => {
    const policy = policyWith(`rule: "timeout.*"\nregistries: [docker.io]\n${BASE}`);
    const [finding] = audit(withLocation({}, { PullUpdateTimeout: 7200 }), policy);
    expect(finding).toMatchObject({ ruleId: 'timeout.pull-update-out-of-bounds', waived: false });
  });

  it('applies through the last moment of a date-only expiry and not after it', () => {
    const waiver = `rule: transport.insecure\n${BASE}`;
    expect(outcome(waiver, new Date('2026-12-31T23:59:59.999Z')).waived).toBe(true);
    const after = outcome(waiver, new Date('2027-01-01T00:00:00Z'));
    expect(after.waived).toBe(false);
    expect(after.expiredWaiver).toEqual({
      reason: 'TLS mirror rollout, ticket OPS-42',
      expires: '2026-12-31',
    });
    expect(after.waiver).toBeUndefined();
  });

  it('applies up to and including an RFC 3339 expiry instant', () => {
    const waiver =
      'rule: transport.insecure\nreason: "vendor fix due at noon"\nexpires: "2026-12-03T12:00:00+08:00"';
    expect(outcome(waiver, new Date('2026-12-03T04:00:00Z')).waived).toBe(true);
    expect(outcome(waiver, new Date('2026-12-03T04:00:00.001Z')).expiredWaiver?.expires).toBe(
      '2026-12-03T12:00:00+08:00',
    );
  });

  it('prefers an active waiver over an expired one for the same finding', () => {
    const policy = `${STRICT_POLICY}waivers:
  - { rule: transport.insecure, reason: "old exception from 2025", expires: 2025-06-30 }
  - { rule: transport.insecure, reason: "renewed exception, OPS-77", expires: 2027-06-30 }
`;
    const [finding] = audit(INSECURE_MIRROR, policy);
    expect(finding).toMatchObject({ waived: true, waiver: { reason: 'renewed exception, OPS-77' } });
  });

  it('gives a notice for a waiver expiring within 14 days, and none otherwise', () => {
    const policy = parsePolicy(
      `${STRICT_POLICY}waivers:
  - { rule: transport.insecure, reason: "expires soon, OPS-1", expires: 2026-12-10 }
  - { rule: transport.insecure, reason: "expires later, OPS-2", expires: 2027-03-31 }
  - { rule: transport.insecure, reason: "expired already, OPS-3", expires: 2026-11-30 }
`,
      'p.yaml',
    );
    const notices = waiverNotices(policy, new Date('2026-12-03T12:00:00Z'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/waivers\[0\].*2026-12-10.*in 8 days/);
    expect(waiverNotices(policy, new Date('2026-11-01T00:00:00Z'))).toEqual([]);
  });

  it.each([
    ['a missing reason', 'rule: transport.insecure\nexpires: 2027-01-01', 'waivers[0].reason'],
    [
      'a short reason',
      'rule: transport.insecure\nreason: "because"\nexpires: 2027-01-01',
      'waivers[0].reason',
    ],
    ['a missing expiry', 'rule: transport.insecure\nreason: "a long enough reason"', 'waivers[0].expires'],
    [
      'an impossible date',
      'rule: transport.insecure\nreason: "a long enough reason"\nexpires: 2027-02-30',
      'waivers[0].expires',
    ],
    [
      'an unknown rule',
      'rule: transport.insecur\nreason: "a long enough reason"\nexpires: 2027-01-01',
      'waivers[0].rule',
    ],
    [
      'an unknown family',
      'rule: "transprt.*"\nreason: "a long enough reason"\nexpires: 2027-01-01',
      'waivers[0].rule',
    ],
    [
      'a registry with a scheme',
      'rule: transport.insecure\nregistries: ["https://docker.io"]\nreason: "a long enough reason"\nexpires: 2027-01-01',
      'waivers[0].registries[0]',
    ],
  ])('rejects a waiver with %s, naming the key and line', (_name, waiver, key) => {
    expect(() => parsePolicy(policyWith(waiver), 'p.yaml')).toThrow(
      new RegExp(`p\\.yaml:\\d+:\\d+: ${key.replace(/[[\].]/g, '\\$&')}: `),
    );
  });
});

describe('waivers and the allow-list agree on addresses', () => {
  it('does not waive an http URL on port 443 that the allow-list entry without a port refuses', () => {
    const policy = `version: 1
registries: { allow: [mirror.example.com] }
waivers:
  - { rule: registry.not-allowed, registries: [mirror.example.com], reason: "the allow-list's own entry", expires: 2099-01-01 }
`;
    const findings = audit(
      withLocation({ Location: 'mirror.example.com', URL: 'http://mirror.example.com:443' }),
      policy,
    );
    const urlFinding = findings.find((finding) => finding.field === 'Locations.LocationInfo[1].URL');
    expect(urlFinding).toMatchObject({ ruleId: 'registry.not-allowed', waived: false });
  });
});
