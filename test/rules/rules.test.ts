import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_DEFAULT_SEVERITY } from '../../shared/rules/ids';
import { RULES } from '../../shared/rules/index';
import { audit, compliantGateway, ruleFields, STRICT_POLICY, withLocation } from '../helpers/audit';

const URL1 = 'Locations.LocationInfo[1].URL';
const LOC1 = 'Locations.LocationInfo[1].Location';
const AUTH1 = 'Locations.LocationInfo[1].Authentication';

describe('rule table', () => {
  it('implements exactly the rule ids of the table, each with its default severity', () => {
    expect(RULES.map((rule) => rule.id).sort()).toEqual(Object.keys(RULE_DEFAULT_SEVERITY).sort());
    expect(RULE_DEFAULT_SEVERITY).toEqual({
      'registry.not-allowed': 'high',
      'registry.invalid': 'high',
      'registry.credentials-in-url': 'high',
      'registry.remote-type-not-allowed': 'medium',
      'registry.default-undefined': 'low',
      'transport.insecure': 'high',
      'timeout.pull-update-out-of-bounds': 'medium',
      'timeout.image-expiration-out-of-bounds': 'medium',
      'mongodb.inline-credentials': 'high',
      'mongodb.tls-disabled': 'medium',
      'config.invalid': 'high',
      'config.stale': 'low',
    });
  });

  it('finds nothing in a compliant gateway', () => {
    expect(audit(compliantGateway())).toEqual([]);
  });
});

describe('the E-HPC documentation example', () => {
  const example = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'describe-image-gateway-config.example.json'), 'utf8'),
  ) as unknown;

  it('is registry.invalid on its masked Location and URL, and nothing else', () => {
    expect(ruleFields(audit(example, STRICT_POLICY, false))).toEqual([
      'registry.invalid@Locations.LocationInfo[0].Location',
      'registry.invalid@Locations.LocationInfo[0].URL',
    ]);
  });
});

describe('registry.not-allowed and the traps allow-lists fall into', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['allowed ACR host', { Location: 'registry.cn-shanghai.cr.aliyuncs.com' }, []],
    [
      'host that merely ends with the allowed domain',
      { Location: 'evilcr.aliyuncs.com' },
      [`registry.not-allowed@${LOC1}`],
    ],
    ['wildcard apex', { Location: 'cr.aliyuncs.com' }, [`registry.not-allowed@${LOC1}`]],
    [
      'allowed name followed by another domain',
      { URL: 'https://docker.io.evil.example' },
      [`registry.not-allowed@${URL1}`],
    ],
    ['look-alike with a dash', { Location: 'evil-docker.io' }, [`registry.not-allowed@${LOC1}`]],
    [
      'user info before the real host',
      { URL: 'https://docker.io@evil.example' },
      [`registry.credentials-in-url@${URL1}`, `registry.not-allowed@${URL1}`],
    ],
    ['Docker Hub alias registry-1.docker.io', { Location: 'registry-1.docker.io' }, []],
    ['Docker Hub alias index.docker.io in a URL', { URL: 'https://index.docker.io/v2/' }, []],
    ['default https port written out', { Location: 'docker.io:443', URL: 'https://docker.io:443' }, []],
    [
      'non-default port on an entry without a port',
      { Location: 'docker.io:5000' },
      [`registry.not-allowed@${LOC1}`],
    ],
    ['the allowed port', { Location: 'registry.example.com:5000' }, []],
    [
      'another port than the allowed one',
      { Location: 'registry.example.com:5001' },
      [`registry.not-allowed@${LOC1}`],
    ],
    [
      'the host of a port-bound entry without a port',
      { Location: 'registry.example.com' },
      [`registry.not-allowed@${LOC1}`],
    ],
    ['upper-case host', { Location: 'DOCKER.IO', URL: 'HTTPS://Registry-1.Docker.IO' }, []],
    ['trailing slashes on a Location', { Location: 'docker.io//' }, []],
    ['trailing dot', { Location: 'docker.io.' }, []],
  ];
  it.each(cases)('%s', (_name, location, expected) => {
    expect(ruleFields(audit(withLocation(location)))).toEqual(expected.sort());
  });

  it('checks DefaultImageLocation against the allow-list too', () => {
    expect(ruleFields(audit(compliantGateway({ DefaultImageLocation: 'quay.io' })))).toEqual([
      'registry.default-undefined@DefaultImageLocation',
      'registry.not-allowed@DefaultImageLocation',
    ]);
  });

  it('matches Unicode and punycode spellings of the same host', () => {
    const policy = STRICT_POLICY.replace('docker.io,', 'docker.io, "bücher.example",');
    expect(audit(withLocation({ Location: 'xn--bcher-kva.example' }), policy)).toEqual([]);
    expect(audit(withLocation({ URL: 'https://BÜCHER.example/v2' }), policy)).toEqual([]);
  });

  it('reports the normalised host and the allow-list', () => {
    const [finding] = audit(withLocation({ Location: 'Evil.Example' }));
    expect(finding?.message).toContain('evil.example');
    expect(finding?.expected).toContain('docker.io');
    expect(finding?.expected).toContain('*.cr.aliyuncs.com');
  });

  it('checks nothing when registries.allow is absent, and allows nothing when it is empty', () => {
    const noAllow = 'version: 1\n';
    const emptyAllow = 'version: 1\nregistries:\n  allow: []\n';
    expect(audit(withLocation({ Location: 'anything.example' }), noAllow)).toEqual([]);
    // Every registry named is refused: the default, both Locations and the first location's URL.
    expect(ruleFields(audit(withLocation({ Location: 'docker.io' }), emptyAllow))).toEqual([
      'registry.not-allowed@DefaultImageLocation',
      'registry.not-allowed@Locations.LocationInfo[0].Location',
      'registry.not-allowed@Locations.LocationInfo[0].URL',
      `registry.not-allowed@${LOC1}`,
    ]);
  });
});

describe('registry.invalid', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['masked host in a Location', { Location: 'regi****.docker.io' }, [`registry.invalid@${LOC1}`]],
    [
      'masked host in a URL (the WHATWG parser accepts it)',
      { URL: 'https://regi****.docker-cn.com' },
      [`registry.invalid@${URL1}`],
    ],
    ['a scheme inside Location', { Location: 'https://docker.io' }, [`registry.invalid@${LOC1}`]],
    ['a path inside Location', { Location: 'docker.io/library' }, [`registry.invalid@${LOC1}`]],
    ['an empty Location', { Location: '' }, [`registry.invalid@${LOC1}`]],
    ['white space around a Location', { Location: ' docker.io' }, [`registry.invalid@${LOC1}`]],
    ['a URL without a scheme', { URL: 'docker.io' }, [`registry.invalid@${URL1}`]],
    ['a URL with another scheme', { URL: 'ftp://docker.io' }, [`registry.invalid@${URL1}`]],
  ];
  it.each(cases)('%s', (_name, location, expected) => {
    expect(ruleFields(audit(withLocation(location)))).toEqual(expected);
  });

  it('never also reports an invalid value as not allowed', () => {
    const findings = audit(compliantGateway({ DefaultImageLocation: 'not a host' }));
    expect(ruleFields(findings)).toEqual(['registry.invalid@DefaultImageLocation']);
  });

  it('treats an empty URL as https://<Location>', () => {
    expect(audit(withLocation({ URL: '' }))).toEqual([]);
  });
});

describe('registry.credentials-in-url', () => {
  it('flags user info and masks the password everywhere in the finding', () => {
    const findings = audit(
      withLocation({ URL: 'https://robot:s3cr3t-pass@registry.cn-hangzhou.cr.aliyuncs.com' }),
    );
    expect(ruleFields(findings)).toEqual([`registry.credentials-in-url@${URL1}`]);
    expect(JSON.stringify(findings)).not.toContain('s3cr3t-pass');
    expect(findings[0]?.value).toBe('https://robot:***@registry.cn-hangzhou.cr.aliyuncs.com');
  });

  it('flags credentials even when the host is invalid', () => {
    const findings = audit(withLocation({ URL: 'https://u:p4ss@regi****.docker.io' }));
    expect(ruleFields(findings)).toEqual([`registry.credentials-in-url@${URL1}`, `registry.invalid@${URL1}`]);
    expect(JSON.stringify(findings)).not.toContain('p4ss');
  });
});

describe('registry.remote-type-not-allowed', () => {
  it('allows dockerv2 by default and flags others exactly', () => {
    expect(ruleFields(audit(withLocation({ RemoteType: 'dockerhub' })))).toEqual([
      'registry.remote-type-not-allowed@Locations.LocationInfo[1].RemoteType',
    ]);
    expect(ruleFields(audit(withLocation({ RemoteType: 'DockerV2' })))).toEqual([
      'registry.remote-type-not-allowed@Locations.LocationInfo[1].RemoteType',
    ]);
  });
});

describe('transport.insecure', () => {
  it('flags an http URL and an http Authentication as two findings', () => {
    expect(ruleFields(audit(withLocation({ URL: 'http://docker.io', Authentication: 'http' })))).toEqual([
      `transport.insecure@${AUTH1}`,
      `transport.insecure@${URL1}`,
    ]);
  });

  it('judges each signal on its own when they disagree', () => {
    expect(ruleFields(audit(withLocation({ URL: 'https://docker.io', Authentication: 'http' })))).toEqual([
      `transport.insecure@${AUTH1}`,
    ]);
    expect(ruleFields(audit(withLocation({ URL: 'HTTP://docker.io', Authentication: 'HTTPS' })))).toEqual([
      `transport.insecure@${URL1}`,
    ]);
  });

  it('counts a missing or empty Authentication as http', () => {
    const location = { URL: '', RemoteType: 'dockerv2', Location: 'docker.io' };
    const onlyLocation = compliantGateway({
      DefaultImageLocation: 'docker.io',
      Locations: { LocationInfo: [location] },
    });
    expect(ruleFields(audit(onlyLocation))).toEqual([
      'transport.insecure@Locations.LocationInfo[0].Authentication',
    ]);
    expect(ruleFields(audit(withLocation({ Authentication: '' })))).toEqual([`transport.insecure@${AUTH1}`]);
  });

  it('is off without requireHttps', () => {
    expect(audit(withLocation({ URL: 'http://docker.io', Authentication: 'http' }), 'version: 1\n')).toEqual(
      [],
    );
  });
});

describe('timeouts', () => {
  it('accepts a numeric string and checks PullUpdateTimeout bounds', () => {
    expect(audit(compliantGateway({ PullUpdateTimeout: '300' }))).toEqual([]);
    expect(ruleFields(audit(compliantGateway({ PullUpdateTimeout: '7200' })))).toEqual([
      'timeout.pull-update-out-of-bounds@PullUpdateTimeout',
    ]);
    expect(ruleFields(audit(compliantGateway({ PullUpdateTimeout: 59 })))).toEqual([
      'timeout.pull-update-out-of-bounds@PullUpdateTimeout',
    ]);
    expect(audit(compliantGateway({ PullUpdateTimeout: 3600 }))).toEqual([]);
  });

  it('reads four fields as D:H:M:S', () => {
    expect(audit(compliantGateway({ ImageExpirationTimeout: '90:00:00:00' }))).toEqual([]);
    expect(ruleFields(audit(compliantGateway({ ImageExpirationTimeout: '91:00:00:00' })))).toEqual([
      'timeout.image-expiration-out-of-bounds@ImageExpirationTimeout',
    ]);
  });

  it('reads three fields per threeFieldFormat and says which it assumed', () => {
    expect(audit(compliantGateway({ ImageExpirationTimeout: '90:00:00' }))).toEqual([]);
    const hms = STRICT_POLICY.replace('max: 90d }', 'max: 90d, threeFieldFormat: "H:M:S" }');
    const findings = audit(compliantGateway({ ImageExpirationTimeout: '12:00:00' }), hms);
    expect(ruleFields(findings)).toEqual(['timeout.image-expiration-out-of-bounds@ImageExpirationTimeout']);
    expect(findings[0]?.message).toContain('H:M:S');
    expect(audit(compliantGateway({ ImageExpirationTimeout: '90:00:00' }), hms)).toEqual([]);
  });
});

describe('config.invalid', () => {
  const invalid = (overrides: Record<string, unknown>) => ruleFields(audit(compliantGateway(overrides)));

  it.each([
    ['PullUpdateTimeout', 'abc'],
    ['PullUpdateTimeout', -5],
    ['PullUpdateTimeout', 3.5],
    ['ImageExpirationTimeout', '90:00'],
    ['ImageExpirationTimeout', 'abc'],
    ['ImageExpirationTimeout', '-1:00:00:00'],
    ['ImageExpirationTimeout', ''],
    ['ImageExpirationTimeout', '1:24:00:00'],
    ['UpdateDateTime', 'yesterday'],
    ['UpdateDateTime', '2018-02-30T00:00:00'],
    ['MongoDBURI', ''],
    ['MongoDBURI', 42],
    ['DefaultImageLocation', 7],
  ])('%s = %j is config.invalid and nothing else', (field, value) => {
    expect(invalid({ [field]: value })).toEqual([`config.invalid@${field}`]);
  });

  it('reports a missing field by name', () => {
    const gateway = compliantGateway();
    delete gateway.PullUpdateTimeout;
    expect(ruleFields(audit(gateway))).toEqual(['config.invalid@PullUpdateTimeout']);
  });

  it('reports a missing or empty Imagegw, never compliant', () => {
    expect(ruleFields(audit({ RequestId: 'r' }, STRICT_POLICY, false))).toEqual(['config.invalid@Imagegw']);
    expect(ruleFields(audit({}))).toEqual(['config.invalid@Imagegw']);
    expect(ruleFields(audit(null))).toEqual(['config.invalid@Imagegw']);
  });

  it('reads both Locations shapes and a single object alike, with wrapped field paths', () => {
    const location = {
      URL: 'http://docker.io',
      RemoteType: 'dockerv2',
      Location: 'docker.io',
      Authentication: 'https',
    };
    const expected = ['transport.insecure@Locations.LocationInfo[0].URL'];
    const gateway = (locations: unknown) =>
      compliantGateway({ DefaultImageLocation: 'docker.io', Locations: locations });
    expect(ruleFields(audit(gateway([location])))).toEqual(expected);
    expect(ruleFields(audit(gateway({ LocationInfo: location })))).toEqual(expected);
    expect(ruleFields(audit(gateway({ LocationInfo: [location] })))).toEqual(expected);
  });

  it('flags wrong types inside a location and a location that is not an object', () => {
    expect(ruleFields(audit(withLocation({ URL: 5 })))).toEqual([`config.invalid@${URL1}`]);
    expect(ruleFields(audit(compliantGateway({ Locations: { LocationInfo: ['docker.io'] } })))).toEqual([
      'config.invalid@Locations.LocationInfo[0]',
    ]);
    expect(ruleFields(audit(compliantGateway({ Locations: 'docker.io' })))).toEqual([
      'config.invalid@Locations',
    ]);
  });
});

describe('severity overrides and fingerprints', () => {
  it('applies the policy severity over the default', () => {
    const policy = `${STRICT_POLICY}severity:\n  registry.not-allowed: critical\n`;
    const [finding] = audit(withLocation({ Location: 'quay.io' }), policy);
    expect(finding?.severity).toBe('critical');
  });

  it('gives the same problem the same fingerprint whatever the message or spelling of the host', () => {
    const [a] = audit(withLocation({ Location: 'quay.io' }));
    const [b] = audit(withLocation({ Location: 'QUAY.IO' }));
    const [c] = audit(withLocation({ Location: 'ghcr.io' }));
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(a?.fingerprint).not.toBe(c?.fingerprint);
  });
});

describe('break-test regressions', () => {
  it('does not read Locations with an unknown key as an empty list', () => {
    expect(ruleFields(audit(compliantGateway({ Locations: { Foo: [] } })))).toEqual([
      'config.invalid@Locations',
    ]);
  });

  it('gives spellings of the same clear-text URL one fingerprint', () => {
    const [a] = audit(withLocation({ URL: 'http://Docker.io' }));
    const [b] = audit(withLocation({ URL: 'http://docker.io/' }));
    expect(a?.ruleId).toBe('transport.insecure');
    expect(a?.fingerprint).toBe(b?.fingerprint);
  });
});
