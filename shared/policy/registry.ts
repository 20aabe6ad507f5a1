/**
 * Registry identity (spec/policy.md, "Registry identity"): one parser for config values
 * (Location, URL, DefaultImageLocation), policy allow entries and waiver conditions, so that all
 * three always agree on what a registry is.
 *
 * Decisions beyond the spec's text, each one made to keep the host we check equal to the host the
 * gateway contacts:
 * - Hosts go through the WHATWG host parser (IDNA to ASCII, lower case), then the spec's explicit
 *   DNS-name check, because the WHATWG parser accepts names such as `regi****.docker-cn.com`.
 * - An IPv4 address must already be in dotted-decimal form (`10.0.0.1`). The WHATWG parser would
 *   turn `127.1`, `0x7f.0.0.1`, `010.0.0.1` or even `600` into an address; such text is rejected
 *   rather than silently reinterpreted.
 * - Percent signs, white space, control characters and backslashes are rejected in hosts: the
 *   WHATWG parser decodes `%2E`, drops tabs and newlines, and reads `\` as `/`, while other URL
 *   parsers (the gateway is Python) do not, so `https://docker.io\@evil.example` has two readings.
 * - URL: `https:docker.io` and `https:///docker.io` (which the WHATWG parser repairs) are
 *   invalid; an empty port (`https://host:/`) means the default, as in the URL standard; an `@`
 *   anywhere in the authority counts as user info, even when empty (`https://@host`).
 * - Location and allow entries: an empty port (`host:`) is invalid; entries are read like a
 *   Location (https default), so `host:443` is the same entry as `host`.
 * - Docker Hub: `host` keeps the name that was written; only `identity` collapses to `docker.io`.
 *   A wildcard is matched against the identity, so `*.docker.io` never matches Docker Hub (whose
 *   identity is the apex `docker.io`), whichever of its three names a value uses.
 */
import { fail, ok, type Parsed } from './result';

export interface RegistryAddress {
  /** ASCII, lower-case, no trailing dot; an IPv6 literal keeps its brackets (`[::1]`). */
  host: string;
  /** The port, or null when it is the scheme's default (443 for https, 80 for http). */
  port: number | null;
  /** `host` or `host:port`; Docker Hub's three names (default port) collapse to `docker.io`. */
  identity: string;
}

export interface RegistryUrl {
  scheme: 'http' | 'https';
  /** The real host, after any user info. */
  address: RegistryAddress;
  /** The URL carries user info (`user:password@`): a `registry.credentials-in-url` finding. */
  userInfo: boolean;
}

/** A parsed `registries.allow` (or waiver `registries`) entry. */
export type AllowEntry =
  | { kind: 'host'; address: RegistryAddress }
  | { kind: 'wildcard' /** normalised, without the leading `*.` */; domain: string; port: number | null };

export const DOCKER_HUB_IDENTITY = 'docker.io';
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);

const DEFAULT_PORT = { http: 80, https: 443 } as const;

const LOCATION_FIX = 'give a bare host or host:port';
const ENTRY_FIX = 'list a bare host, host:port, *.domain or *.domain:port';
const MISPLACED_STAR =
  "has '*' somewhere other than a leading '*.' label; write *.example.com to allow every subdomain of example.com";

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * Characters that would make `new URL('http://' + host)` read something other than the whole text
 * as the host, or that it silently removes or decodes; `:` because an IPv6 literal needs brackets.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const NOT_IN_HOST = /[\s\u0000-\u001f\u007f/\\?#@:[\]%]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const WHITE_SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/u;

/**
 * Converts a host to the ASCII form used for comparison, or says why it is not a registry host.
 * Accepts a DNS name (Unicode or punycode, any case, one optional trailing dot), `localhost`, a
 * dotted-decimal IPv4 address or a bracketed IPv6 address.
 */
export function normaliseHost(host: string): Parsed<string> {
  if (typeof host !== 'string') return fail('host is not a string');
  if (host === '') return fail('has an empty host');
  if (host.startsWith('[')) return normaliseIpv6(host);
  if (host.includes('*'))
    return fail("host contains '*'; a masked or wildcard name is not a registry address");
  if (NOT_IN_HOST.test(host)) {
    return fail(
      host.includes(':')
        ? "host contains ':'; write an IPv6 address in brackets, as in [2001:db8::1]"
        : 'host contains characters that cannot appear in a host name (white space, %, /, \\, ?, #, @, [ or ])',
    );
  }
  let ascii: string;
  try {
    ascii = new URL(`http://${host}/`).hostname;
  } catch {
    return fail('host is not a valid host name (it cannot be converted to ASCII)');
  }
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (IPV4.test(ascii)) {
    const written = host.toLowerCase().replace(/\.$/, '');
    return written === ascii
      ? ok(ascii)
      : fail('host is not a dotted-decimal IPv4 address; write four decimal numbers, as in 10.0.0.1');
  }
  if (ascii === 'localhost') return ok(ascii);
  if (ascii.length > 253) return fail('host name is longer than 253 characters');
  for (const label of ascii.split('.')) {
    if (label === '') return fail('host name has an empty label (a leading dot or two dots in a row)');
    if (label.length > 63) return fail('host name has a label longer than 63 characters');
    if (!DNS_LABEL.test(label)) {
      return fail(
        "host name has a label with characters other than a-z, 0-9 and '-', or that starts or ends with '-'",
      );
    }
  }
  return ok(ascii);
}

function normaliseIpv6(host: string): Parsed<string> {
  const invalid = 'host is not a valid IPv6 address; write it in brackets, as in [2001:db8::1]';
  if (!/^\[[0-9A-Fa-f:.]+\]$/.test(host)) return fail(invalid);
  try {
    return ok(new URL(`http://${host}/`).hostname);
  } catch {
    return fail(invalid);
  }
}

/**
 * Reads a `Location` or `DefaultImageLocation`: a bare `host` or `host:port`, trailing `/`
 * ignored. Without a port it means https's default port, so `:443` is dropped and `:80` is kept.
 */
export function parseLocation(value: string): Parsed<RegistryAddress> {
  const bare = readBare(value, LOCATION_FIX);
  if (!bare.ok) return bare;
  return readHostPort(bare.value, 'https', 'fail');
}

/**
 * Reads a `URL`: an absolute http or https URL. The checked host is the one after any user info;
 * the path, query and fragment are not considered. An empty `URL` means `https://<Location>`; that
 * is the caller's decision, so an empty string fails here.
 */
export function parseRegistryUrl(value: string): Parsed<RegistryUrl> {
  const example = 'write an absolute URL such as https://registry.example.com';
  if (typeof value !== 'string') return fail(`is not a string; ${example}`);
  if (value === '') return fail(`is empty; ${example}`);
  if (WHITE_SPACE_OR_CONTROL.test(value))
    return fail(`contains white space or control characters; ${example}`);
  if (value.includes('\\')) return fail(`contains '\\', which URL parsers read differently; ${example}`);
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(value);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === undefined || !rest.startsWith('//')) {
    return scheme === 'http' || scheme === 'https'
      ? fail(`has no '//' after '${scheme}:'; ${example}`)
      : fail(`has no scheme; ${example}`);
  }
  if (scheme !== 'http' && scheme !== 'https') {
    return fail(`uses the scheme '${scheme}'; only http and https are allowed`);
  }
  const afterSlashes = rest.slice(2);
  const end = afterSlashes.search(/[/?#]/);
  const authority = end < 0 ? afterSlashes : afterSlashes.slice(0, end);
  // The WHATWG parser, like RFC 3986 readers, takes the host after the last '@'.
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  if (hostPort === '') return fail(`has no host; ${example}`);
  const address = readHostPort(hostPort, scheme, 'default');
  if (!address.ok) return address;

  // Cross-check with the WHATWG parser, so that no text reaches the rules with two readings.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`is not a valid URL; ${example}`);
  }
  const whatwgHost = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const whatwgPort = url.port === '' ? null : Number(url.port);
  if (whatwgHost !== address.value.host || whatwgPort !== address.value.port) {
    return fail(`is read differently by URL parsers; ${example}`);
  }
  return ok({ scheme, address: address.value, userInfo: at >= 0 });
}

/**
 * Reads an allow entry: `host`, `host:port`, `*.domain` or `*.domain:port`, normalised like a
 * Location. A bad entry is a policy error, never an entry that silently matches nothing.
 */
export function parseAllowEntry(entry: string): Parsed<AllowEntry> {
  const bare = readBare(entry, ENTRY_FIX);
  if (!bare.ok) return bare;
  const text = bare.value;
  if (!text.startsWith('*.')) {
    if (text.includes('*')) return fail(MISPLACED_STAR);
    const address = readHostPort(text, 'https', 'fail');
    return address.ok ? ok({ kind: 'host', address: address.value }) : address;
  }
  const rest = text.slice(2);
  if (rest.includes('*')) return fail(MISPLACED_STAR);
  if (rest === '' || rest.startsWith(':')) return fail("has no domain after '*.'; write *.example.com");
  const split = splitHostPort(rest);
  if (!split.ok) return split;
  const notIp = "puts '*.' before an IP address; a wildcard needs a domain name, as in *.example.com";
  if (split.value.host.startsWith('[')) return fail(notIp);
  const domain = normaliseHost(split.value.host);
  if (!domain.ok) return domain;
  if (IPV4.test(domain.value)) return fail(notIp);
  const port = readPort(split.value.port, 'fail');
  if (!port.ok) return port;
  return ok({
    kind: 'wildcard',
    domain: domain.value,
    port: port.value === DEFAULT_PORT.https ? null : port.value,
  });
}

/** The entry in its normalised form, for `expected: one of: …` and error messages. */
export function describeAllowEntry(entry: AllowEntry): string {
  if (entry.kind === 'host') return entry.address.identity;
  return entry.port === null ? `*.${entry.domain}` : `*.${entry.domain}:${entry.port}`;
}

/**
 * `host` entries match the identity exactly. `*.domain` matches a name that ends with `.domain`
 * on a label boundary and has at least one more label, never `domain` itself. An entry without a
 * port matches only addresses without a (non-default) port; an entry with a port, only that port.
 */
export function matchesAllowEntry(address: RegistryAddress, entry: AllowEntry): boolean {
  if (entry.kind === 'host') return address.identity === entry.address.identity;
  if (address.port !== entry.port) return false;
  // The identity, not the written host, so that Docker Hub's names all match or all do not.
  const name = address.port === null ? address.identity : address.host;
  // Labels are never empty, so a name that ends with `.domain` has at least one more label.
  return name.endsWith(`.${entry.domain}`);
}

export function matchesAnyAllowEntry(address: RegistryAddress, entries: readonly AllowEntry[]): boolean {
  return entries.some((entry) => matchesAllowEntry(address, entry));
}

/** Checks what a bare `host[:port]` must not have, and drops trailing `/`. */
function readBare(value: string, fix: string): Parsed<string> {
  if (typeof value !== 'string') return fail(`is not a string; ${fix}`);
  if (value === '') return fail(`is empty; ${fix}`);
  if (value.trim() !== value) return fail(`has white space around it; remove it and ${fix}`);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^https?:/i.test(value)) {
    return fail(`has a scheme; ${fix}`);
  }
  if (value.startsWith('//')) return fail(`starts with '//'; ${fix}`);
  const text = value.replace(/\/+$/, '');
  if (text === '') return fail(`has no host; ${fix}`);
  const slash = text.indexOf('/');
  const at = text.indexOf('@');
  if (at >= 0 && (slash < 0 || at < slash)) return fail(`has user info; ${fix}, without credentials`);
  if (slash >= 0) return fail(`has a path; ${fix}`);
  if (/[?#]/.test(text)) return fail(`has a query or fragment; ${fix}`);
  return ok(text);
}

function readHostPort(
  text: string,
  scheme: keyof typeof DEFAULT_PORT,
  emptyPort: 'default' | 'fail',
): Parsed<RegistryAddress> {
  const split = splitHostPort(text);
  if (!split.ok) return split;
  const host = normaliseHost(split.value.host);
  if (!host.ok) return host;
  const port = readPort(split.value.port, emptyPort);
  if (!port.ok) return port;
  return ok(makeAddress(host.value, port.value === DEFAULT_PORT[scheme] ? null : port.value));
}

function makeAddress(host: string, port: number | null): RegistryAddress {
  if (port !== null) return { host, port, identity: `${host}:${port}` };
  return { host, port, identity: DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_IDENTITY : host };
}

function splitHostPort(text: string): Parsed<{ host: string; port: string | null }> {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return fail("has an IPv6 address without its closing ']'");
    const host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest === '') return ok({ host, port: null });
    if (!rest.startsWith(':'))
      return fail('has text after the IPv6 address; write [address] or [address]:port');
    return ok({ host, port: rest.slice(1) });
  }
  const colon = text.indexOf(':');
  if (colon < 0) return ok({ host: text, port: null });
  if (text.includes(':', colon + 1)) {
    return fail("has more than one ':'; write an IPv6 address in brackets, as in [2001:db8::1]:5000");
  }
  return ok({ host: text.slice(0, colon), port: text.slice(colon + 1) });
}

function readPort(text: string | null, empty: 'default' | 'fail'): Parsed<number | null> {
  if (text === null) return ok(null);
  if (text === '')
    return empty === 'default' ? ok(null) : fail("has an empty port; remove the ':' or give a port");
  const port = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) return fail('has a port that is not a decimal number from 1 to 65535');
  return ok(port);
}
