import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeAllowEntry,
  matchesAllowEntry,
  normaliseHost,
  parseAllowEntry,
  parseLocation,
  parseRegistryUrl,
} from '../../shared/policy/registry';

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Characters that matter to host and URL parsing, plus Unicode that IDNA maps or rejects. */
const trickyChar = fc.constantFrom(
  ...'aZ09.-_:/@[]*%\\?# \t\n\u0000'.split(''),
  'ü',
  'ß',
  '\u3002', // ideographic full stop, mapped to '.'
  '\uFF1A', // fullwidth colon
  '\u200B', // zero-width space
  '\u00AD', // soft hyphen
  'xn--',
  'docker.io',
  'https://',
  'HTTP://',
  ':443',
  ':80',
  '*.',
  '::',
);
const anyText = fc.oneof(
  fc.string({ unit: trickyChar, maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

const letter = 'abcdefghijklmnopqrstuvwxyz';
const labelChar = fc.constantFrom(...`${letter}0123456789-`.split(''));
const edgeChar = fc.constantFrom(...`${letter}0123456789`.split(''));
/** A DNS label of valid characters, not starting or ending with '-'. */
const label = fc
  .tuple(edgeChar, fc.string({ unit: labelChar, maxLength: 8 }), edgeChar)
  .map(([first, middle, last]) => `${first}${middle}${last}`);
/** The last label has a letter, so the WHATWG parser does not read the name as an IPv4 address. */
const topLabel = fc.string({ unit: fc.constantFrom(...letter.split('')), minLength: 1, maxLength: 6 });
const dnsName = fc
  .tuple(fc.array(label, { maxLength: 3 }), topLabel)
  .map(([labels, top]) => [...labels, top].join('.'));
const randomCase = (text: string) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((upper) => [...text].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join(''));
const writtenHost = fc.oneof(
  dnsName.chain(randomCase),
  fc.constantFrom(
    'docker.io',
    'index.docker.io',
    'Registry-1.Docker.IO',
    'bücher.example',
    'BÜCHER.example',
    'xn--bcher-kva.example',
    'localhost',
    '10.0.0.5',
    '[::1]',
    '[2001:DB8::1]',
    'registry.cn-hangzhou.cr.aliyuncs.com',
  ),
);
const trailingDot = fc.constantFrom('', '.');
const portSuffix = fc.option(fc.oneof(fc.constantFrom(80, 443, 5000), fc.integer({ min: 1, max: 65535 })), {
  nil: null,
});
const withPort = (port: number | null) => (port === null ? '' : `:${port}`);

describe('parsers never throw', () => {
  it('on any text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const parsed of [
          parseLocation(text),
          parseRegistryUrl(text),
          parseRegistryUrl(`https://${text}`),
          parseAllowEntry(text),
          parseAllowEntry(`*.${text}`),
          normaliseHost(text),
        ]) {
          expect(typeof parsed.ok).toBe('boolean');
          if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('on values that are not strings, which they reject', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((value) => typeof value !== 'string'),
        (value) => {
          // Config values come from JSON; a caller that skips the type check gets a failure, not a crash.
          const loose = value as string;
          expect(parseLocation(loose).ok).toBe(false);
          expect(parseRegistryUrl(loose).ok).toBe(false);
          expect(parseAllowEntry(loose).ok).toBe(false);
          expect(normaliseHost(loose).ok).toBe(false);
        },
      ),
    );
  });
});

describe('normalisation', () => {
  it('accepts every valid DNS name, in any case, with or without one trailing dot', () => {
    const written = dnsName.chain((name) => fc.tuple(fc.constant(name), randomCase(name)));
    fc.assert(
      fc.property(written, trailingDot, ([name, spelling], dot) => {
        expect(normaliseHost(`${spelling}${dot}`)).toEqual({ ok: true, value: name });
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent for hosts', () => {
    fc.assert(
      fc.property(fc.oneof(writtenHost, anyText), (host) => {
        const once = normaliseHost(host);
        if (once.ok) expect(normaliseHost(once.value)).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same identity when an accepted Location is parsed again', () => {
    fc.assert(
      fc.property(writtenHost, trailingDot, portSuffix, fc.nat(3), (host, dot, port, slashes) => {
        const value = `${host}${host.startsWith('[') ? '' : dot}${withPort(port)}${'/'.repeat(slashes)}`;
        const once = parseLocation(value);
        expect(once.ok).toBe(true);
        if (!once.ok) return;
        const again = parseLocation(once.value.identity);
        expect(again.ok && again.value.identity).toBe(once.value.identity);
        const fromParts = parseLocation(`${once.value.host}${withPort(once.value.port)}`);
        expect(fromParts.ok && fromParts.value.identity).toBe(once.value.identity);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same identity when an accepted URL is parsed again, and agrees with Location', () => {
    const scheme = fc.constantFrom('https', 'http', 'HTTPS', 'Http');
    const userInfo = fc.constantFrom('', 'user@', 'user:secret@', 'docker.io@');
    const path = fc.constantFrom('', '/', '/v2/', '/library/ubuntu', '?x=1', '#frag');
    fc.assert(
      fc.property(scheme, userInfo, writtenHost, portSuffix, path, (s, info, host, port, rest) => {
        const once = parseRegistryUrl(`${s}://${info}${host}${withPort(port)}${rest}`);
        expect(once.ok).toBe(true);
        if (!once.ok) return;
        expect(once.value.userInfo).toBe(info !== '');
        const again = parseRegistryUrl(`${once.value.scheme}://${once.value.address.identity}`);
        expect(again.ok && again.value.address.identity).toBe(once.value.address.identity);
        if (s.toLowerCase() === 'https') {
          const asLocation = parseLocation(`${host}${withPort(port)}`);
          expect(asLocation.ok && asLocation.value.identity).toBe(once.value.address.identity);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('describes an accepted allow entry in a form that parses to the same entry', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.oneof(writtenHost, anyText), portSuffix, (wildcard, host, port) => {
        const once = parseAllowEntry(`${wildcard ? '*.' : ''}${host}${withPort(port)}`);
        if (!once.ok) return;
        const again = parseAllowEntry(describeAllowEntry(once.value));
        expect(again.ok).toBe(true);
        if (again.ok) expect(describeAllowEntry(again.value)).toBe(describeAllowEntry(once.value));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('matching', () => {
  it('a wildcard entry never matches its own apex, but matches one label more', () => {
    fc.assert(
      fc.property(dnsName, portSuffix, label, (domain, port, sub) => {
        const wildcard = parseAllowEntry(`*.${domain}${withPort(port)}`);
        const apex = parseLocation(`${domain}${withPort(port)}`);
        const below = parseLocation(`${sub}.${domain}${withPort(port)}`);
        expect(wildcard.ok && apex.ok && below.ok).toBe(true);
        if (!wildcard.ok || !apex.ok || !below.ok) return;
        expect(matchesAllowEntry(apex.value, wildcard.value)).toBe(false);
        fc.pre(!DOCKER_HUB.has(`${sub}.${domain}`)); // index.docker.io is the apex docker.io
        expect(matchesAllowEntry(below.value, wildcard.value)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('a host never matches an exact entry that it merely starts or ends with', () => {
    const affix = fc.oneof(
      topLabel.map((l) => ({ before: '', after: `.${l}` })), // registry.example.com.evil.io
      label.map((l) => ({ before: '', after: l })), // registry.example.comevil
      label.map((l) => ({ before: `${l}.`, after: '' })), // evil.registry.example.com
      label.map((l) => ({ before: l, after: '' })), // evilregistry.example.com
      label.map((l) => ({ before: `${l}-`, after: '' })), // evil-registry.example.com
    );
    fc.assert(
      fc.property(dnsName, affix, portSuffix, (name, { before, after }, port) => {
        const candidate = `${before}${name}${after}`;
        fc.pre(candidate.length <= 253);
        // The only real aliases: Docker Hub's names are one registry.
        fc.pre(!(DOCKER_HUB.has(name) && DOCKER_HUB.has(candidate)));
        const exact = parseAllowEntry(`${name}${withPort(port)}`);
        const address = parseLocation(`${candidate}${withPort(port)}`);
        const viaUrl = parseRegistryUrl(`https://${name}@${candidate}${withPort(port)}/${name}`);
        expect(exact.ok && address.ok && viaUrl.ok).toBe(true);
        if (!exact.ok || !address.ok || !viaUrl.ok) return;
        expect(matchesAllowEntry(address.value, exact.value)).toBe(false);
        expect(matchesAllowEntry(viaUrl.value.address, exact.value)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('an exact entry matches its own host whatever the case, trailing dot or Unicode spelling', () => {
    fc.assert(
      fc.property(writtenHost, trailingDot, portSuffix, (host, dot, port) => {
        const exact = parseAllowEntry(`${host}${withPort(port)}`);
        const address = parseLocation(
          `${host.toUpperCase()}${host.startsWith('[') ? '' : dot}${withPort(port)}`,
        );
        expect(exact.ok && address.ok).toBe(true);
        if (exact.ok && address.ok) expect(matchesAllowEntry(address.value, exact.value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
