import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/audit/types';
import { audit, compliantGateway, ruleFields, STRICT_POLICY } from '../helpers/audit';

/** A `registries` section that switches the rule on without checking names. */
const REGISTRIES_POLICY = 'version: 1\nregistries: {}\n';
const DEFAULT_UNDEFINED = 'registry.default-undefined@DefaultImageLocation';

function location(Location: unknown, URL: unknown = ''): Record<string, unknown> {
  return { Location, URL, RemoteType: 'dockerv2', Authentication: 'https' };
}

function gateway(defaultLocation: unknown, locations: unknown[]): Record<string, unknown> {
  return compliantGateway({ DefaultImageLocation: defaultLocation, Locations: { LocationInfo: locations } });
}

function findingsFor(defaultLocation: unknown, locations: unknown[], policy = REGISTRIES_POLICY): Finding[] {
  return audit(gateway(defaultLocation, locations), policy);
}

function rulesFor(defaultLocation: unknown, locations: unknown[], policy = REGISTRIES_POLICY): string[] {
  return ruleFields(findingsFor(defaultLocation, locations, policy));
}

describe('registry.default-undefined', () => {
  it.each([
    ['the same name', 'registry.cn-hangzhou.cr.aliyuncs.com', ['registry.cn-hangzhou.cr.aliyuncs.com']],
    ['Docker Hub under another of its names', 'registry-1.docker.io', ['docker.io']],
    ['Docker Hub, the other way round', 'docker.io', ['index.docker.io']],
    ['the default https port written out', 'docker.io', ['registry-1.docker.io:443']],
    ['a trailing slash', 'docker.io/', ['docker.io']],
    ['another case and a trailing dot', 'Registry.Example.COM.', ['registry.example.com']],
    ['the same non-default port', 'registry.example.com:5000', ['registry.example.com:5000']],
    ['the second of two Locations', 'docker.io', ['registry.example.com:5000', 'docker.io']],
    ['a Unicode name and its punycode', 'bücher.example', ['xn--bcher-kva.example']],
  ])('accepts %s', (_name, defaultLocation, locations) => {
    expect(
      rulesFor(
        defaultLocation,
        locations.map((each) => location(each)),
      ),
    ).toEqual([]);
  });

  it.each([
    ['another registry', 'docker.io', ['registry.example.com']],
    ['another port', 'registry.example.com', ['registry.example.com:5000']],
    ['a port where the Location has none', 'registry.example.com:5000', ['registry.example.com']],
    ['a look-alike of Docker Hub', 'docker.io.evil.example', ['docker.io']],
    ['a subdomain of a Location', 'mirror.registry.example.com', ['registry.example.com']],
  ])('flags %s', (_name, defaultLocation, locations) => {
    expect(
      rulesFor(
        defaultLocation,
        locations.map((each) => location(each)),
      ),
    ).toEqual([DEFAULT_UNDEFINED]);
  });

  it('compares Locations, not the URLs they are pulled from', () => {
    expect(rulesFor('mirror.example.com', [location('docker.io', 'https://mirror.example.com')])).toEqual([
      DEFAULT_UNDEFINED,
    ]);
  });

  it('flags a default when the configuration defines no Location at all', () => {
    const [finding] = findingsFor('docker.io', []);
    expect(finding).toMatchObject({
      ruleId: 'registry.default-undefined',
      expected: 'the Location of a defined location (there are none)',
    });
  });

  it('reports the identities, names the registry for waivers, and fingerprints the identity', () => {
    const [finding] = findingsFor('registry-1.docker.io', [location('quay.io'), location('QUAY.io')]);
    expect(finding).toMatchObject({
      ruleId: 'registry.default-undefined',
      severity: 'low',
      field: 'DefaultImageLocation',
      value: 'registry-1.docker.io',
      registry: 'docker.io',
      expected: 'one of the Locations: quay.io',
      message: 'DefaultImageLocation docker.io is not the Location of any defined location',
    });
    const [alias] = findingsFor('index.docker.io', [location('quay.io')]);
    expect(alias?.fingerprint).toBe(finding?.fingerprint);
  });

  it('can be waived by registry, matched like registries.allow', () => {
    const policy = `${REGISTRIES_POLICY}waivers:
  - rule: registry.default-undefined
    registries: [docker.io]
    reason: "default set by the cluster template, OPS-9"
    expires: 2027-01-31
`;
    const [finding] = findingsFor('registry-1.docker.io', [location('quay.io')], policy);
    expect(finding).toMatchObject({ waived: true });
  });

  describe('leaves unreadable values to registry.invalid and config.invalid', () => {
    it.each([
      [
        'a default with a scheme',
        'https://docker.io',
        [location('docker.io')],
        ['registry.invalid@DefaultImageLocation'],
      ],
      [
        'a default that is not a string',
        42,
        [location('docker.io')],
        ['config.invalid@DefaultImageLocation'],
      ],
      [
        'a Location that cannot be read (the masked documentation example)',
        'registry-1.docker.io',
        [location('regi****.docker.io')],
        ['registry.invalid@Locations.LocationInfo[0].Location'],
      ],
      [
        'a Location that is not a string',
        'docker.io',
        [location(['docker.io'])],
        ['config.invalid@Locations.LocationInfo[0].Location'],
      ],
      [
        'a location that is not an object',
        'docker.io',
        [location('quay.io'), 'docker.io'],
        ['config.invalid@Locations.LocationInfo[1]'],
      ],
    ])('%s', (_name, defaultLocation, locations, expected) => {
      expect(rulesFor(defaultLocation, locations)).toEqual(expected);
    });

    it('a missing or unreadable Locations', () => {
      const missing = compliantGateway({ DefaultImageLocation: 'docker.io' });
      delete missing.Locations;
      expect(ruleFields(audit(missing, REGISTRIES_POLICY))).toEqual(['config.invalid@Locations']);
      const unreadable = compliantGateway({ DefaultImageLocation: 'docker.io', Locations: 'docker.io' });
      expect(ruleFields(audit(unreadable, REGISTRIES_POLICY))).toEqual(['config.invalid@Locations']);
    });
  });

  it('is on whenever the policy has a registries section, and off without one', () => {
    const locations = [location('quay.io')];
    expect(rulesFor('docker.io', locations, 'version: 1\n')).toEqual([]);
    expect(rulesFor('docker.io', locations, 'version: 1\ntransport: { requireHttps: true }\n')).toEqual([]);
    expect(rulesFor('docker.io', locations, 'version: 1\nregistries: { remoteTypes: [dockerv2] }\n')).toEqual(
      [DEFAULT_UNDEFINED],
    );
    expect(
      rulesFor('docker.io', locations, 'version: 1\nregistries: { allow: [docker.io, quay.io] }\n'),
    ).toEqual([DEFAULT_UNDEFINED]);
  });

  it('comes with registry.not-allowed when the default is both undefined and not allowed', () => {
    expect(rulesFor('quay.io', [location('docker.io')], STRICT_POLICY)).toEqual([
      DEFAULT_UNDEFINED,
      'registry.not-allowed@DefaultImageLocation',
    ]);
  });
});
