import { describe, expect, it } from 'vitest';
import {
  type AllowEntry,
  describeAllowEntry,
  matchesAllowEntry,
  matchesAnyAllowEntry,
  normaliseHost,
  parseAllowEntry,
  parseLocation,
  parseRegistryUrl,
  type RegistryAddress,
} from '../../shared/policy/registry';

// Expected values below come from spec/policy.md ("Registry identity"), worked out by hand.

function location(value: string): RegistryAddress {
  const parsed = parseLocation(value);
  if (!parsed.ok) throw new Error(`test setup: Location ${value} was rejected: ${parsed.reason}`);
  return parsed.value;
}

function urlAddress(value: string): RegistryAddress {
  const parsed = parseRegistryUrl(value);
  if (!parsed.ok) throw new Error(`test setup: URL ${value} was rejected: ${parsed.reason}`);
  return parsed.value.address;
}

function entry(text: string): AllowEntry {
  const parsed = parseAllowEntry(text);
  if (!parsed.ok) throw new Error(`test setup: allow entry ${text} was rejected: ${parsed.reason}`);
  return parsed.value;
}

const label63 = 'a'.repeat(63);
// 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters
const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`;

describe('parseLocation accepts a bare host or host:port', () => {
  it.each<[string, string, number | null, string]>([
    ['docker.io', 'docker.io', null, 'docker.io'],
    ['docker.io/', 'docker.io', null, 'docker.io'],
    ['docker.io//', 'docker.io', null, 'docker.io'],
    ['Docker.IO', 'docker.io', null, 'docker.io'],
    ['docker.io.', 'docker.io', null, 'docker.io'],
    ['DOCKER.IO./', 'docker.io', null, 'docker.io'],
    ['index.docker.io', 'index.docker.io', null, 'docker.io'],
    ['registry-1.docker.io', 'registry-1.docker.io', null, 'docker.io'],
    ['registry-1.docker.io:443', 'registry-1.docker.io', null, 'docker.io'],
    ['registry-1.docker.io:5000', 'registry-1.docker.io', 5000, 'registry-1.docker.io:5000'],
    ['docker.io:443', 'docker.io', null, 'docker.io'],
    ['docker.io:80', 'docker.io', 80, 'docker.io:80'],
    ['registry.example.com:5000', 'registry.example.com', 5000, 'registry.example.com:5000'],
    ['registry.example.com:5000/', 'registry.example.com', 5000, 'registry.example.com:5000'],
    [
      'registry.cn-hangzhou.cr.aliyuncs.com',
      'registry.cn-hangzhou.cr.aliyuncs.com',
      null,
      'registry.cn-hangzhou.cr.aliyuncs.com',
    ],
    ['bücher.example', 'xn--bcher-kva.example', null, 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'xn--bcher-kva.example', null, 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', null, 'xn--bcher-kva.example'],
    ['XN--BCHER-KVA.EXAMPLE:5000', 'xn--bcher-kva.example', 5000, 'xn--bcher-kva.example:5000'],
    ['localhost:5000', 'localhost', 5000, 'localhost:5000'],
    ['LOCALHOST', 'localhost', null, 'localhost'],
    ['10.0.0.5', '10.0.0.5', null, '10.0.0.5'],
    ['10.0.0.5:5000', '10.0.0.5', 5000, '10.0.0.5:5000'],
    ['[::1]', '[::1]', null, '[::1]'],
    ['[::1]:5000', '[::1]', 5000, '[::1]:5000'],
    ['[2001:DB8:0:0:0:0:0:1]:443', '[2001:db8::1]', null, '[2001:db8::1]'],
    ['registry:5000', 'registry', 5000, 'registry:5000'],
    ['a-b.c-d.example', 'a-b.c-d.example', null, 'a-b.c-d.example'],
    [`${label63}.example`, `${label63}.example`, null, `${label63}.example`],
    [name253, name253, null, name253],
    [`${name253}.`, name253, null, name253],
    ['registry.example.com:65535', 'registry.example.com', 65535, 'registry.example.com:65535'],
    ['registry.example.com:1', 'registry.example.com', 1, 'registry.example.com:1'],
  ])('%s', (value, host, port, identity) => {
    expect(parseLocation(value)).toEqual({ ok: true, value: { host, port, identity } });
  });
});

describe('parseLocation rejects what is not a bare registry address', () => {
  it.each<[string, RegExp]>([
    ['', /empty/],
    [' docker.io', /white space/],
    ['docker.io ', /white space/],
    ['\tdocker.io', /white space/],
    ['docker.io\n', /white space/],
    ['https://docker.io', /scheme.*bare host or host:port/],
    ['HTTPS://docker.io', /scheme/],
    ['http://registry.example.com:5000', /scheme/],
    ['http:docker.io', /scheme/],
    ['oci://docker.io', /scheme/],
    ['docker.io/library', /path.*bare host/],
    ['docker.io/library/', /path/],
    ['docker.io:5000/v2', /path/],
    ['//docker.io', /\/\//],
    ['/', /no host/],
    ['user:secret@docker.io', /user info/],
    ['docker.io@evil.example', /user info/],
    ['docker.io?x=1', /query/],
    ['docker.io#x', /fragment/],
    ['regi****.docker.io', /\*/],
    ['regi****.docker-cn.com', /\*/],
    ['*.example.com', /\*/],
    ['docker.io:', /empty port/],
    ['docker.io:0', /port/],
    ['docker.io:65536', /port/],
    ['docker.io:abc', /port/],
    ['docker.io:-1', /port/],
    ['docker.io:+80', /port/],
    ['docker.io:8o', /port/],
    ['docker.io:5000:1', /:/],
    ['::1', /IPv6.*brackets/],
    ['2001:db8::1', /brackets/],
    ['[::1', /\]/],
    ['[::1]5000', /IPv6/],
    ['[::1]:', /empty port/],
    ['[not-ipv6]', /IPv6/],
    ['[fe80::1%25eth0]', /IPv6/],
    ['-bad.example', /label/],
    ['bad-.example', /label/],
    ['a..b', /empty label/],
    ['.docker.io', /empty label/],
    ['docker.io..', /empty label/],
    ['under_score.example', /label/],
    ['docker io', /host/],
    ['docker%2Eio', /host/],
    ['docker.io\\library', /host/],
    [`${'a'.repeat(64)}.example`, /63/],
    [`${name253}a`, /253/],
    ['127.1', /dotted-decimal/],
    ['0x7f.0.0.1', /dotted-decimal/],
    ['010.0.0.1', /dotted-decimal/],
    ['600', /dotted-decimal/],
    ['256.0.0.1', /host/],
    ['1.2.3.4.5', /host/],
  ])('%j', (value, reason) => {
    const parsed = parseLocation(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('does not repeat credentials in the reason', () => {
    const parsed = parseLocation('admin:hunter2@docker.io');
    expect(parsed).toMatchObject({ ok: false });
    if (!parsed.ok) expect(parsed.reason).not.toContain('hunter2');
  });
});

describe('normaliseHost', () => {
  it.each<[string, string]>([
    ['Docker.IO', 'docker.io'],
    ['docker.io.', 'docker.io'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.EXAMPLE.', 'xn--bcher-kva.example'],
    ['localhost', 'localhost'],
    ['192.168.0.1', '192.168.0.1'],
    ['192.168.0.1.', '192.168.0.1'],
    ['[::FFFF:127.0.0.1]', '[::ffff:7f00:1]'],
    ['[2001:db8::1]', '[2001:db8::1]'],
  ])('%s → %s', (host, expected) => {
    expect(normaliseHost(host)).toEqual({ ok: true, value: expected });
  });

  it.each([
    '',
    'regi****.docker-cn.com',
    'regi****.docker.io',
    'docker.io..',
    'a_b.example',
    '-a.example',
    'a-.example',
    'docker.io:5000',
    'docker.io/x',
    'user@docker.io',
    'dock\ter.io',
    'docker%2eio',
    '[::1',
    '[::1]x',
    '127.1',
    'example.123',
  ])('rejects %j', (host) => {
    expect(normaliseHost(host).ok).toBe(false);
  });
});

describe('parseRegistryUrl', () => {
  it.each<[string, 'http' | 'https', string, number | null, string, boolean]>([
    ['https://docker.io', 'https', 'docker.io', null, 'docker.io', false],
    ['https://docker.io/', 'https', 'docker.io', null, 'docker.io', false],
    ['HTTPS://Docker.IO/v2/', 'https', 'docker.io', null, 'docker.io', false],
    ['HtTpS://docker.io', 'https', 'docker.io', null, 'docker.io', false],
    ['https://docker.io:443', 'https', 'docker.io', null, 'docker.io', false],
    ['https://docker.io.:443/', 'https', 'docker.io', null, 'docker.io', false],
    ['http://docker.io', 'http', 'docker.io', null, 'docker.io', false],
    ['http://docker.io:80/', 'http', 'docker.io', null, 'docker.io', false],
    [
      'http://registry.example.com:443',
      'http',
      'registry.example.com',
      443,
      'registry.example.com:443',
      false,
    ],
    [
      'https://registry.example.com:80',
      'https',
      'registry.example.com',
      80,
      'registry.example.com:80',
      false,
    ],
    [
      'https://registry.example.com:5000/v2/library',
      'https',
      'registry.example.com',
      5000,
      'registry.example.com:5000',
      false,
    ],
    ['https://index.docker.io/v1/', 'https', 'index.docker.io', null, 'docker.io', false],
    ['https://registry-1.docker.io', 'https', 'registry-1.docker.io', null, 'docker.io', false],
    ['https://registry-1.docker.io:443/v2/', 'https', 'registry-1.docker.io', null, 'docker.io', false],
    [
      'https://registry-1.docker.io:5000',
      'https',
      'registry-1.docker.io',
      5000,
      'registry-1.docker.io:5000',
      false,
    ],
    ['https://bücher.example', 'https', 'xn--bcher-kva.example', null, 'xn--bcher-kva.example', false],
    [
      'https://xn--bcher-kva.example/',
      'https',
      'xn--bcher-kva.example',
      null,
      'xn--bcher-kva.example',
      false,
    ],
    ['https://[::1]:5000/v2', 'https', '[::1]', 5000, '[::1]:5000', false],
    ['http://10.0.0.5:5000', 'http', '10.0.0.5', 5000, '10.0.0.5:5000', false],
    // user info: the checked host is the real one after '@'
    ['https://docker.io@evil.example', 'https', 'evil.example', null, 'evil.example', true],
    ['https://docker.io:443@evil.example/', 'https', 'evil.example', null, 'evil.example', true],
    [
      'https://user:secret@registry.example.com/',
      'https',
      'registry.example.com',
      null,
      'registry.example.com',
      true,
    ],
    ['https://a@b@evil.example', 'https', 'evil.example', null, 'evil.example', true],
    ['https://token@docker.io', 'https', 'docker.io', null, 'docker.io', true],
    // an '@' after the authority is path or query, not user info
    ['https://docker.io/library@evil.example', 'https', 'docker.io', null, 'docker.io', false],
    ['https://docker.io?next=@evil.example', 'https', 'docker.io', null, 'docker.io', false],
    ['https://docker.io#@evil.example', 'https', 'docker.io', null, 'docker.io', false],
  ])('%s', (value, scheme, host, port, identity, userInfo) => {
    expect(parseRegistryUrl(value)).toEqual({
      ok: true,
      value: { scheme, address: { host, port, identity }, userInfo },
    });
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['docker.io', /no scheme/],
    ['docker.io:5000', /no scheme/],
    ['registry.example.com/v2', /no scheme/],
    ['//docker.io', /no scheme/],
    ['ftp://docker.io', /scheme/],
    ['oci://docker.io', /scheme/],
    ['file:///etc/passwd', /scheme/],
    ['https:docker.io', /\/\//],
    ['https:/docker.io', /\/\//],
    ['https:///docker.io', /host/],
    ['https://', /host/],
    ['https://user@', /host/],
    ['https://regi****.docker-cn.com', /\*/],
    ['https://regi****.docker-cn.com/v2', /\*/],
    ['https://docker.io\\@evil.example', /\\/],
    [' https://docker.io', /white space/],
    ['https://docker.io ', /white space/],
    ['https://dock\ter.io', /white space/],
    ['https://docker.io:99999', /port/],
    ['https://docker.io:0', /port/],
    ['https://docker.io:http', /port/],
    ['https://127.1', /dotted-decimal/],
    ['https://docker%2Eio', /host/],
    ['https://::1/', /brackets/],
    ['https://bad_host.example', /label/],
  ])('rejects %j', (value, reason) => {
    const parsed = parseRegistryUrl(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('does not repeat credentials in the reason', () => {
    for (const value of [
      'https://admin:hunter2@',
      'https://admin:hunter2/x@docker.io',
      'ftp://admin:hunter2@x',
    ]) {
      const parsed = parseRegistryUrl(value);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).not.toContain('hunter2');
    }
  });
});

describe('Location and URL agree on identity', () => {
  it.each<[string, string]>([
    ['docker.io', 'https://registry-1.docker.io/'],
    ['index.docker.io', 'HTTPS://DOCKER.IO:443'],
    ['registry.example.com:5000', 'https://registry.example.com:5000/v2'],
    ['bücher.example', 'https://xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'https://bücher.example'],
    ['registry.example.com:80', 'https://registry.example.com:80'],
  ])('%s ≡ %s', (loc, url) => {
    expect(urlAddress(url).identity).toBe(location(loc).identity);
  });
});

describe('the E-HPC documentation example', () => {
  it('rejects the masked hosts and reads DefaultImageLocation as Docker Hub', () => {
    expect(parseLocation('regi****.docker.io').ok).toBe(false);
    expect(parseRegistryUrl('https://regi****.docker-cn.com').ok).toBe(false);
    expect(location('registry-1.docker.io').identity).toBe('docker.io');
  });
});

describe('parseAllowEntry', () => {
  it.each<[string, string]>([
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['Docker.IO/', 'docker.io'],
    ['docker.io//', 'docker.io'],
    ['docker.io.', 'docker.io'],
    ['docker.io:443', 'docker.io'],
    ['registry-1.docker.io:5000', 'registry-1.docker.io:5000'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['registry.example.com:80', 'registry.example.com:80'],
    ['*.cr.aliyuncs.com', '*.cr.aliyuncs.com'],
    ['*.CR.Aliyuncs.com./', '*.cr.aliyuncs.com'],
    ['*.example.com:5000', '*.example.com:5000'],
    ['*.example.com:443', '*.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.bücher.example', '*.xn--bcher-kva.example'],
    ['localhost:5000', 'localhost:5000'],
    ['10.0.0.5', '10.0.0.5'],
    ['[::1]:5000', '[::1]:5000'],
  ])('%s is described as %s', (text, description) => {
    expect(describeAllowEntry(entry(text))).toBe(description);
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    [' docker.io', /white space/],
    ['*', /\*\.example\.com/],
    ['*.', /domain/],
    ['*.:5000', /domain/],
    ['*docker.io', /\*\.example\.com/],
    ['**.example.com', /\*\.example\.com/],
    ['*.*.example.com', /\*\.example\.com/],
    ['docker.*', /\*\.example\.com/],
    ['registry.*.example.com', /\*\.example\.com/],
    ['a*.example.com', /\*\.example\.com/],
    ['*.example.com*', /\*\.example\.com/],
    ['*.example.com:*', /\*\.example\.com/],
    ['regi****.docker.io', /\*/],
    ['https://docker.io', /scheme.*host/],
    ['http://*.example.com', /scheme/],
    ['docker.io/library', /path.*host/],
    ['*.example.com/v2', /path/],
    ['user@docker.io', /user info/],
    ['user:pw@*.example.com', /user info/],
    ['*.10.0.0.1', /domain name/],
    ['*.[::1]', /domain name/],
    ['docker.io:', /port/],
    ['*.example.com:', /port/],
    ['*.example.com:0', /port/],
    ['docker.io:70000', /port/],
    ['under_score.example', /label/],
    ['*.under_score.example', /label/],
    ['::1', /brackets/],
    ['127.1', /dotted-decimal/],
  ])('rejects %j', (text, reason) => {
    const parsed = parseAllowEntry(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('matchesAllowEntry', () => {
  it.each<[string, RegistryAddress, boolean]>([
    // Docker Hub's three names are one registry
    ['docker.io', location('docker.io'), true],
    ['docker.io', location('index.docker.io'), true],
    ['docker.io', location('registry-1.docker.io'), true],
    ['docker.io', location('registry-1.docker.io:443'), true],
    ['docker.io', urlAddress('https://registry-1.docker.io/v2/'), true],
    ['index.docker.io', location('docker.io'), true],
    ['registry-1.docker.io', location('index.docker.io'), true],
    ['docker.io', location('DOCKER.IO.'), true],
    ['docker.io', location('hub.docker.io'), false],
    ['docker.io', location('registry-2.docker.io'), false],
    ['docker.io', location('docker.io:5000'), false],
    ['docker.io', location('registry-1.docker.io:5000'), false],
    ['docker.io', location('docker.io.evil.example'), false],
    ['docker.io', location('evil-docker.io'), false],
    ['docker.io', location('evildocker.io'), false],
    ['docker.io', location('docker.iox'), false],
    ['docker.io', urlAddress('https://docker.io@evil.example'), false],
    ['docker.io', urlAddress('https://docker.io.evil.example/'), false],
    // look-alikes of an exact entry
    ['registry.example.com', location('registry.example.com'), true],
    ['registry.example.com', location('REGISTRY.Example.COM.'), true],
    ['registry.example.com', location('registry.example.com.evil.io'), false],
    ['registry.example.com', location('evilregistry.example.com'), false],
    ['registry.example.com', location('evil.registry.example.com'), false],
    ['registry.example.com', location('registry.example.co'), false],
    ['registry.example.com', location('example.com'), false],
    ['registry.example.com', urlAddress('https://registry.example.com@evil.example'), false],
    ['registry.example.com', urlAddress('https://evil.example@registry.example.com'), true],
    // ports
    ['registry.example.com', urlAddress('https://registry.example.com:443'), true],
    ['registry.example.com', urlAddress('http://registry.example.com'), true],
    ['registry.example.com', urlAddress('http://registry.example.com:80'), true],
    ['registry.example.com', urlAddress('http://registry.example.com:443'), false],
    ['registry.example.com', location('registry.example.com:443'), true],
    ['registry.example.com', location('registry.example.com:80'), false],
    ['registry.example.com', location('registry.example.com:5000'), false],
    ['registry.example.com:5000', location('registry.example.com:5000'), true],
    ['registry.example.com:5000', urlAddress('https://registry.example.com:5000/v2'), true],
    ['registry.example.com:5000', urlAddress('http://registry.example.com:5000'), true],
    ['registry.example.com:5000', location('registry.example.com'), false],
    ['registry.example.com:5000', location('registry.example.com:5001'), false],
    ['registry.example.com:443', location('registry.example.com'), true],
    ['registry.example.com:80', location('registry.example.com:80'), true],
    ['registry.example.com:80', urlAddress('http://registry.example.com'), false],
    // wildcards
    ['*.cr.aliyuncs.com', location('registry.cn-hangzhou.cr.aliyuncs.com'), true],
    ['*.cr.aliyuncs.com', location('REGISTRY.CN-HANGZHOU.CR.ALIYUNCS.COM'), true],
    ['*.cr.aliyuncs.com', location('a.b.cr.aliyuncs.com'), true],
    ['*.cr.aliyuncs.com', urlAddress('https://registry.cn-hangzhou.cr.aliyuncs.com:443/v2'), true],
    ['*.cr.aliyuncs.com', location('cr.aliyuncs.com'), false],
    ['*.cr.aliyuncs.com', location('cr.aliyuncs.com.'), false],
    ['*.cr.aliyuncs.com', location('evilcr.aliyuncs.com'), false],
    ['*.cr.aliyuncs.com', location('cr.aliyuncs.com.evil.io'), false],
    ['*.cr.aliyuncs.com', location('registry.cn-hangzhou.cr.aliyuncs.com.evil.io'), false],
    ['*.cr.aliyuncs.com', location('registry.cn-hangzhou.cr.aliyuncs.com:5000'), false],
    ['*.cr.aliyuncs.com', urlAddress('https://registry.cn-hangzhou.cr.aliyuncs.com@evil.example'), false],
    ['*.example.com:5000', location('a.example.com:5000'), true],
    ['*.example.com:5000', location('a.example.com'), false],
    ['*.example.com:5000', location('example.com:5000'), false],
    // Docker Hub is matched by its identity, docker.io, which is the apex of *.docker.io
    ['*.docker.io', location('mirror.docker.io'), true],
    ['*.docker.io', location('docker.io'), false],
    ['*.docker.io', location('index.docker.io'), false],
    ['*.docker.io', location('registry-1.docker.io'), false],
    // Unicode and punycode
    ['bücher.example', location('xn--bcher-kva.example'), true],
    ['bücher.example', urlAddress('https://bücher.example'), true],
    ['bücher.example', urlAddress('https://BÜCHER.example/v2'), true],
    ['xn--bcher-kva.example', urlAddress('https://bücher.example'), true],
    ['bücher.example', location('bucher.example'), false],
    ['*.bücher.example', location('registry.xn--bcher-kva.example'), true],
    // IP literals
    ['10.0.0.5:5000', location('10.0.0.5:5000'), true],
    ['10.0.0.5:5000', location('10.0.0.5'), false],
    ['10.0.0.5', location('10.0.0.50'), false],
    ['[::1]:5000', location('[0:0::1]:5000'), true],
    ['[::1]:5000', urlAddress('https://[::1]:5000/'), true],
  ])('%s vs %j → %s', (text, address, expected) => {
    expect(matchesAllowEntry(address, entry(text))).toBe(expected);
  });
});

describe('matchesAnyAllowEntry and describeAllowEntry', () => {
  const policy = ['index.docker.io/', '*.CR.aliyuncs.com', 'registry.example.com:5000'].map(entry);

  it('describes the entries in normalised form', () => {
    expect(policy.map(describeAllowEntry).join(', ')).toBe(
      'docker.io, *.cr.aliyuncs.com, registry.example.com:5000',
    );
  });

  it.each<[RegistryAddress, boolean]>([
    [location('registry-1.docker.io'), true],
    [location('registry.cn-shanghai.cr.aliyuncs.com'), true],
    [location('registry.example.com:5000'), true],
    [location('registry.example.com'), false],
    [location('cr.aliyuncs.com'), false],
    [urlAddress('https://registry.example.com.evil.io'), false],
  ])('%j → %s', (address, expected) => {
    expect(matchesAnyAllowEntry(address, policy)).toBe(expected);
  });

  it('matches nothing with an empty list', () => {
    expect(matchesAnyAllowEntry(location('docker.io'), [])).toBe(false);
  });
});
