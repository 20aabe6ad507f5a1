import { evaluateGateway } from '../../shared/audit/evaluate';
import type { Finding } from '../../shared/audit/types';
import { parsePolicy } from '../../shared/policy/load';

export const STRICT_POLICY = `
version: 1
registries:
  allow: [docker.io, "*.cr.aliyuncs.com", "registry.example.com:5000"]
transport:
  requireHttps: true
timeouts:
  pullUpdate: { min: 60s, max: 1h }
  imageExpiration: { min: 1d, max: 90d }
`;

/** A compliant gateway under STRICT_POLICY; tests change one field at a time. */
export function compliantGateway(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    UpdateDateTime: '2026-11-01T00:00:00',
    ImageExpirationTimeout: '30:00:00:00',
    MongoDBURI: 'mongodb://localhost',
    DefaultImageLocation: 'registry.cn-hangzhou.cr.aliyuncs.com',
    PullUpdateTimeout: 300,
    Locations: {
      LocationInfo: [
        {
          URL: 'https://registry.cn-hangzhou.cr.aliyuncs.com',
          RemoteType: 'dockerv2',
          Location: 'registry.cn-hangzhou.cr.aliyuncs.com',
          Authentication: 'https',
        },
      ],
    },
    ...overrides,
  };
}

/**
 * A compliant gateway plus the location under test, second (`Locations.LocationInfo[1]`), so the
 * compliant first location keeps DefaultImageLocation defined whatever the test does to its own.
 */
export function withLocation(location: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const base = compliantGateway();
  const first = (base.Locations as { LocationInfo: unknown[] }).LocationInfo[0];
  return compliantGateway({
    Locations: {
      LocationInfo: [
        first,
        { URL: '', RemoteType: 'dockerv2', Location: 'docker.io', Authentication: 'https', ...location },
      ],
    },
    ...overrides,
  });
}

export const TEST_NOW = new Date('2026-12-03T12:00:00Z');

export function audit(imagegw: unknown, policyText = STRICT_POLICY, wrap = true, now = TEST_NOW): Finding[] {
  const policy = parsePolicy(policyText, 'test-policy.yaml');
  const document = wrap ? { RequestId: 'r', Imagegw: imagegw } : imagegw;
  return evaluateGateway({ clusterId: 'ehpc-hz-test', region: 'cn-hangzhou' }, document, policy, { now })
    .findings;
}

/** `ruleId@field` pairs, sorted: what a test compares against its expectation. */
export function ruleFields(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.field}`).sort();
}
