/**
 * Reading `MongoDBURI` (spec/report.md, rules `mongodb.*`; spec/cloud-apis.md: "the pymongo
 * connection string the gateway uses"). One reader serves config.invalid, both mongodb rules and
 * the masking of every finding about the field, so they always agree on what the URI says.
 *
 * The gateway is Python, so the grammar is pymongo's (`uri_parser`): the options part starts at
 * the first `?`, the database at the first `/` before it, and the user info ends at the last `@`
 * of what remains. A URI is readable only when, in addition, MongoDB's own connection-string parser
 * (`mongodb-connection-string-url`, the one the official Node.js driver uses) accepts it and reads
 * the same hosts and user name, so no text reaches the rules with two readings.
 *
 * Decisions beyond the spec's text:
 * - `tls` and `ssl` are aliases; option names are case-insensitive (`SSL=true`), values are not:
 *   pymongo and the Node.js driver accept only `true` and `false`, so `SSL=TRUE` makes the URI
 *   unreadable (config.invalid), never compliant. `tls` and `ssl` with different values, too.
 *   A repeated option keeps its last value, as in pymongo.
 * - A password is the part after the first `:` of the user info, even an empty one (`user:@host`
 *   hands pymongo an empty password: still an inline credential, and a weak one). A user name
 *   alone (`admin@host`, as for X.509) is no password. Options that carry a secret count as
 *   passwords too: `proxyPassword`, `tlsCertificateKeyFilePassword` (and pymongo 3's
 *   `sslPEMKeyPassword`/`ssl_pem_passphrase`) and an `AWS_SESSION_TOKEN` in
 *   `authMechanismProperties`. All of them are masked wherever the URI is shown.
 * - Hosts are percent-decoded and lower-cased as pymongo does; a decoded host that ends with
 *   `.sock` is a unix domain socket (pymongo's rule). A percent-encoded `,` in a host is refused,
 *   because pymongo decodes before splitting the host list and the Node.js driver after.
 * - White space or control characters anywhere make the URI unreadable (pymongo refuses them in
 *   ports and database names; `%20` and `+` are how a value carries a space).
 * - Option values are only judged for the options the rules read (`tls`, `ssl`); an unknown
 *   option or a bad `connectTimeoutMS` is the driver's business, not an audit finding.
 * - The reasons never quote the user info or a secret option's value.
 */

import { ConnectionString } from 'mongodb-connection-string-url';
import { fail, ok, type Parsed } from '../policy/result';
import { maskSecretValue } from '../redact';

export type MongoHost =
  | {
      kind: 'socket';
      /** Decoded path, e.g. `/tmp/mongodb-27017.sock`. */
      path: string;
    }
  | {
      kind: 'ipv4' | 'ipv6' | 'name';
      /** Lower case; an IPv6 literal in its normalised form with brackets (`[::1]`). */
      host: string;
      port: number | null;
    };

export interface MongoUri {
  srv: boolean;
  hosts: MongoHost[];
  /** Where a secret is written inline, for messages: `the user info`, `proxyPassword`, … */
  secrets: string[];
  /** The `tls` or `ssl` option as written (name spelled as in the URI), when there is one. */
  tls: { option: string; value: boolean } | undefined;
  /** The URI as written, with the password and every secret option value replaced by `***`. */
  masked: string;
}

export const MONGODB_URI_EXAMPLE = 'mongodb://host[:port][,host[:port]…]/[database][?options]';

const SCHEMES = ['mongodb://', 'mongodb+srv://'] as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is rejected
const WHITE_SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/u;
/** Strict dotted decimal, as in shared/policy/registry.ts: `127.1` or `0177.0.0.1` are names here. */
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const NOT_IN_HOST = /[/\\?#@[\]%,:]/;
/** Options whose value is a secret (pymongo 4's names, and pymongo 3's for the key password). */
const SECRET_OPTION_NAMES = [
  'proxyPassword',
  'tlsCertificateKeyFilePassword',
  'sslPEMKeyPassword',
  'ssl_pem_passphrase',
] as const;
const SECRET_OPTIONS: ReadonlySet<string> = new Set(SECRET_OPTION_NAMES.map((name) => name.toLowerCase()));
/** A secret option's value, wherever it stands in text of any shape (it ends at `&` or `;`). */
const SECRET_OPTION_VALUE = new RegExp(`(^|[^A-Za-z0-9_])(${SECRET_OPTION_NAMES.join('|')})=[^&;]*`, 'gi');
const SESSION_TOKEN = /AWS_SESSION_TOKEN/i;
const SESSION_TOKEN_VALUE = /(AWS_SESSION_TOKEN(?::|%3A))[^,&;]*/gi;
/** How findings name a password in the user info. */
const USER_INFO = 'the user info';
const MASK = '***';

/** Reads a MongoDBURI value; a failure's reason follows the value (`MongoDBURI … ${reason}`). */
export function parseMongoUri(value: unknown): Parsed<MongoUri> {
  const reading = readAsPymongo(value);
  if (!reading.ok) return reading;
  // MongoDB's own parser must accept the text too, and read the same hosts and user name.
  let driver: ConnectionString;
  try {
    driver = new ConnectionString(value as string);
  } catch {
    // Its messages may quote the URI, user info included: never pass them on.
    return fail(
      "is not a connection string that MongoDB's drivers accept; percent-encode reserved characters",
    );
  }
  const { uri, hostList, user } = reading.value;
  if (
    driver.isSRV !== uri.srv ||
    driver.hosts.join(',') !== hostList ||
    // The WHATWG parser percent-encodes some characters of a user name; compare decoded.
    percentDecode(driver.username) !== percentDecode(user ?? '')
  ) {
    return fail('is read differently by MongoDB drivers; percent-encode reserved characters');
  }
  return ok(uri);
}

/**
 * The text of any MongoDBURI value with its secrets masked, readable or not. An unreadable value
 * is masked conservatively: everything from the first `:` after the scheme up to the last `@` (the
 * whole user info when it has no `:`), and every secret option's value. Conservatively, because
 * `mongodb://admin:12345/ss@host` is host `admin`, port 12345 and database `ss@host` to pymongo,
 * yet most likely a password with an unescaped `/`; the driver's parser refuses every `@` outside
 * the user info, so a readable URI has none of these ambiguities.
 */
export function maskMongoUri(text: string): string {
  const parsed = parseMongoUri(text);
  // Even a readable URI may have an '@' after its user info (`admin:Qx@aa/Zq@host` reads as host
  // `aa`, database `Zq@host`); an '@' there is far more likely part of a password, so mask to it.
  if (parsed.ok) return maskSecretValue(parsed.value.masked);
  // Secret options first: an '@' inside their value must not pass for the end of the user info.
  const masked = maskSecretOptions(text);
  const info = conservativeUserInfo(masked);
  if (info === undefined) return masked;
  const { start, at, colon } = info;
  const user = colon === undefined ? undefined : masked.slice(start, colon);
  // A user part that looks like more than a name (a path or options) is masked whole.
  const shown = user !== undefined && !/[/?#&;=]/.test(user) ? `${user}:${MASK}` : MASK;
  // Last, the general rule for any unreadable URL: everything up to the last '@' is user info,
  // so an '@' and a '?' both inside the password cannot end the mask early.
  return maskSecretValue(`${masked.slice(0, start)}${shown}${masked.slice(at)}`);
}

/**
 * Where a MongoDBURI value carries a secret, readable or not; empty when it carries none. An
 * unreadable value counts when what `maskMongoUri` masks as its user info has a `:`: a password is
 * a finding even in a URI that cannot be read, as for registry URLs.
 */
export function inlineSecrets(text: string): string[] {
  const parsed = parseMongoUri(text);
  if (parsed.ok) return parsed.value.secrets;
  const secrets = conservativeUserInfo(maskSecretOptions(text))?.colon === undefined ? [] : [USER_INFO];
  for (const match of text.matchAll(SECRET_OPTION_VALUE)) secrets.push(match[2] ?? '');
  if (SESSION_TOKEN.test(text)) secrets.push(`authMechanismProperties (AWS_SESSION_TOKEN)`);
  return secrets;
}

interface PymongoReading {
  uri: MongoUri;
  /** The host list as written, and the user name as written (for the cross-check). */
  hostList: string;
  user: string | undefined;
}

/** pymongo's reading of the text, without the driver's cross-check. */
function readAsPymongo(value: unknown): Parsed<PymongoReading> {
  if (typeof value !== 'string') return fail('is not a string');
  if (value === '') return fail(`is empty; write ${MONGODB_URI_EXAMPLE}`);
  if (WHITE_SPACE_OR_CONTROL.test(value)) {
    return fail('contains white space or control characters; percent-encode them (%20)');
  }
  const scheme = SCHEMES.find((prefix) => value.startsWith(prefix));
  if (scheme === undefined) return fail('does not start with mongodb:// or mongodb+srv://');
  const srv = scheme === 'mongodb+srv://';
  const parts = splitUri(value.slice(scheme.length));

  let password = false;
  if (parts.userInfo !== undefined) {
    const userInfo = readUserInfo(parts.userInfo);
    if (!userInfo.ok) return userInfo;
    password = userInfo.value;
  }
  const hosts = readHosts(parts.hostList, srv, value.includes('@', scheme.length + parts.hostPartLength));
  if (!hosts.ok) return hosts;
  if (parts.database !== undefined) {
    const database = readDatabase(parts.database);
    if (!database.ok) return database;
  }
  const options = readOptions(parts.options ?? '');
  if (!options.ok) return options;

  const user = parts.userInfo?.split(':')[0];
  const masked =
    scheme +
    (parts.userInfo === undefined ? '' : `${password ? `${user}:${MASK}` : MASK}@`) +
    parts.hostList +
    (parts.database === undefined ? '' : `/${parts.database}`) +
    (parts.options === undefined ? '' : `?${maskOptionValues(parts.options)}`);
  return ok({
    uri: {
      srv,
      hosts: hosts.value,
      secrets: [...(password ? [USER_INFO] : []), ...options.value.secrets],
      tls: options.value.tls,
      masked: maskSecretOptions(masked),
    },
    hostList: parts.hostList,
    user,
  });
}

/**
 * A loopback host: `localhost`, 127.0.0.0/8 in dotted decimal, `[::1]` (and 127.0.0.0/8 mapped
 * into IPv6), or a unix domain socket. Anything else, including spellings that only a resolver
 * would map to loopback (`127.1`, `localhost.`), counts as remote: the safe side for a TLS rule.
 */
export function isLoopback(host: MongoHost): boolean {
  switch (host.kind) {
    case 'socket':
      return true;
    case 'name':
      return host.host === 'localhost';
    case 'ipv4':
      return host.host.startsWith('127.');
    case 'ipv6':
      return host.host === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host.host);
  }
}

export function describeHost(host: MongoHost): string {
  if (host.kind === 'socket') return host.path;
  return host.port === null ? host.host : `${host.host}:${host.port}`;
}

interface UriParts {
  /** Before the last `@` of the host part, when there is one. */
  userInfo: string | undefined;
  hostList: string;
  /** Length of user info, `@` and host list together. */
  hostPartLength: number;
  /** After the first `/` of the part before `?`, when there is one. */
  database: string | undefined;
  /** After the first `?`, when there is one. */
  options: string | undefined;
}

/** pymongo's split: `?` first, then `/`, then the last `@`. */
function splitUri(rest: string): UriParts {
  const question = rest.indexOf('?');
  const hostAndDatabase = question < 0 ? rest : rest.slice(0, question);
  const slash = hostAndDatabase.indexOf('/');
  const hostPart = slash < 0 ? hostAndDatabase : hostAndDatabase.slice(0, slash);
  const at = hostPart.lastIndexOf('@');
  return {
    userInfo: at < 0 ? undefined : hostPart.slice(0, at),
    hostList: hostPart.slice(at + 1),
    hostPartLength: hostPart.length,
    database: slash < 0 ? undefined : hostAndDatabase.slice(slash + 1),
    options: question < 0 ? undefined : rest.slice(question + 1),
  };
}

/** True when the user info has a password (possibly empty). Never quotes the user info. */
function readUserInfo(userInfo: string): Parsed<boolean> {
  const fix = 'percent-encode them (%40 for @, %3A for :)';
  if (userInfo.includes('@')) return fail(`has an '@' in its user info; ${fix}`);
  if (userInfo.split(':').length > 2) return fail(`has more than one ':' in its user info; ${fix}`);
  if (/[[\]#]/.test(userInfo)) return fail(`has reserved characters in its user info; ${fix}`);
  if (!percentDecodes(userInfo)) return fail('has a malformed percent-encoding in its user info');
  const colon = userInfo.indexOf(':');
  if ((colon < 0 ? userInfo : userInfo.slice(0, colon)) === '') return fail('has an empty user name');
  return ok(colon >= 0);
}

/** `atLater`: an `@` follows the host list, the trace of a password with an unescaped `/` or `?`. */
function readHosts(hostList: string, srv: boolean, atLater: boolean): Parsed<MongoHost[]> {
  if (hostList === '') return fail(`has no host; write ${MONGODB_URI_EXAMPLE}`);
  const hosts: MongoHost[] = [];
  for (const raw of hostList.split(',')) {
    if (raw === '') return fail('has an empty host (or an extra comma in its host list)');
    const decoded = percentDecode(raw);
    if (decoded === undefined) return fail('has a malformed percent-encoding in a host');
    if (decoded.includes(',')) return fail("has a percent-encoded ',' in a host");
    const host = readHost(decoded);
    if (!host.ok) {
      return atLater
        ? fail(`${host.reason}; if a user name or password holds / ? @ or :, percent-encode it`)
        : host;
    }
    hosts.push(host.value);
  }
  if (srv) {
    const [only, ...others] = hosts;
    if (only === undefined || others.length > 0) return fail('is mongodb+srv:// with more than one host');
    if (only.kind !== 'name')
      return fail('is mongodb+srv:// with an IP address or a socket; it needs a DNS name');
    if (only.port !== null) return fail('is mongodb+srv:// with a port; an SRV record gives the ports');
  }
  return ok(hosts);
}

function readHost(entity: string): Parsed<MongoHost> {
  if (entity.startsWith('[')) {
    const close = entity.indexOf(']');
    if (close < 0) return fail("has an IPv6 address without its closing ']'");
    const literal = entity.slice(0, close + 1);
    const after = entity.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return fail('has text after an IPv6 address');
    const port = readPort(after === '' ? null : after.slice(1));
    if (!port.ok) return port;
    const invalid = 'has an invalid IPv6 address; write it in brackets, as in [2001:db8::1]';
    if (!/^\[[0-9A-Fa-f:.]+\]$/.test(literal)) return fail(invalid);
    try {
      return ok({ kind: 'ipv6', host: new URL(`http://${literal}/`).hostname, port: port.value });
    } catch {
      return fail(invalid);
    }
  }
  if (entity.endsWith('.sock')) return ok({ kind: 'socket', path: entity });
  const pieces = entity.split(':');
  if (pieces.length > 2) return fail("has more than one ':' in a host; write an IPv6 address in brackets");
  const [name = '', portText] = pieces;
  if (name === '') return fail('has an empty host name');
  if (WHITE_SPACE_OR_CONTROL.test(name) || NOT_IN_HOST.test(name)) {
    return fail('has a host name with characters that cannot appear in one');
  }
  const port = readPort(portText ?? null);
  if (!port.ok) return port;
  const host = name.toLowerCase();
  return ok({ kind: IPV4.test(host) ? 'ipv4' : 'name', host, port: port.value });
}

function readPort(text: string | null): Parsed<number | null> {
  if (text === null) return ok(null);
  const port = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) return fail('has a port that is not a decimal number from 1 to 65535');
  return ok(port);
}

/** pymongo refuses `/`, space, `"` and `$` in the (decoded) database name. */
function readDatabase(text: string): Parsed<string> {
  const decoded = percentDecode(text.replaceAll('+', ' ')) ?? text;
  const name = decoded.split('.')[0] ?? '';
  if (/[/ "$]/.test(name)) return fail('has a database name with /, space, " or $');
  return ok(decoded);
}

interface OptionReading {
  tls: { option: string; value: boolean } | undefined;
  secrets: string[];
}

/** pymongo's options: `key=value` pairs joined by `&` or `;` (not both), names case-insensitive. */
function readOptions(text: string): Parsed<OptionReading> {
  if (text === '') return ok({ tls: undefined, secrets: [] });
  const pairs = splitOptions(text);
  if (!pairs.ok) return pairs;
  const byName = new Map<string, { name: string; value: string }>();
  for (const [name, raw] of pairs.value) {
    byName.set(name.toLowerCase(), { name, value: percentDecode(raw.replaceAll('+', ' ')) ?? raw });
  }
  const flags: { option: string; value: boolean }[] = [];
  for (const key of ['tls', 'ssl']) {
    const option = byName.get(key);
    if (option === undefined) continue;
    if (option.value !== 'true' && option.value !== 'false') {
      const shown = option.value.length > 20 ? `${option.value.slice(0, 20)}…` : option.value;
      return fail(`has ${option.name}=${shown}; MongoDB accepts only true or false, in lower case`);
    }
    flags.push({ option: option.name, value: option.value === 'true' });
  }
  const [tls, ssl] = flags;
  if (tls && ssl && tls.value !== ssl.value) {
    return fail(`sets ${tls.option} and ${ssl.option} to different values`);
  }
  const secrets: string[] = [];
  for (const [key, { name, value }] of byName) {
    if (SECRET_OPTIONS.has(key)) secrets.push(name);
    if (key === 'authmechanismproperties' && SESSION_TOKEN.test(value)) {
      secrets.push(`${name} (AWS_SESSION_TOKEN)`);
    }
  }
  return ok({ tls, secrets });
}

function splitOptions(text: string): Parsed<[string, string][]> {
  const notPairs = 'has options that are not key=value pairs joined by &';
  if (text.includes('&') && text.includes(';')) return fail("mixes '&' and ';' between options");
  const pairs: [string, string][] = [];
  for (const piece of text.split(text.includes(';') ? ';' : '&')) {
    const [name, value, ...extra] = piece.split('=');
    if (name === undefined || name === '' || value === undefined || extra.length > 0) return fail(notPairs);
    pairs.push([name, value]);
  }
  return ok(pairs);
}

function maskOptionValues(text: string): string {
  const separator = text.includes(';') ? ';' : '&';
  return text
    .split(separator)
    .map((piece) => {
      const equals = piece.indexOf('=');
      if (equals < 0) return piece;
      const name = piece.slice(0, equals);
      const value = piece.slice(equals + 1);
      const key = name.toLowerCase();
      const secret =
        SECRET_OPTIONS.has(key) ||
        (key === 'authmechanismproperties' &&
          SESSION_TOKEN.test(percentDecode(value.replaceAll('+', ' ')) ?? value));
      return secret ? `${name}=${MASK}` : piece;
    })
    .join(separator);
}

/** The last line of defence for text of any shape: secret option values and session tokens. */
function maskSecretOptions(text: string): string {
  return text.replace(SECRET_OPTION_VALUE, `$1$2=${MASK}`).replace(SESSION_TOKEN_VALUE, `$1${MASK}`);
}

/**
 * The user info of text that may not parse: from after `://` (or the start, without a scheme)
 * to the last `@`, with the position of its first `:`; undefined without an `@`.
 */
function conservativeUserInfo(text: string): { start: number; at: number; colon?: number } | undefined {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  const start = scheme ? scheme[0].length : 0;
  const at = text.lastIndexOf('@');
  if (at < start) return undefined;
  const colon = text.indexOf(':', start);
  return colon >= 0 && colon < at ? { start, at, colon } : { start, at };
}

function percentDecodes(text: string): boolean {
  return percentDecode(text) !== undefined;
}

function percentDecode(text: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
