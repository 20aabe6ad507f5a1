import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskUrlUserInfo } from '../../shared/redact';
import {
  describeHost,
  inlineSecrets,
  isLoopback,
  maskMongoUri,
  parseMongoUri,
} from '../../shared/rules/mongodb-uri';

function parsed(text: string) {
  const result = parseMongoUri(text);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.reason}`);
  return result.value;
}

function reason(text: unknown): string {
  const result = parseMongoUri(text);
  if (result.ok) throw new Error(`expected ${String(text)} not to parse`);
  return result.reason;
}

describe('parseMongoUri: what pymongo and the driver both read', () => {
  it.each([
    ['mongodb://localhost', [['name', 'localhost', true]]],
    ['mongodb://LOCALHOST:27017/imagegw', [['name', 'localhost:27017', true]]],
    ['mongodb://127.0.0.1', [['ipv4', '127.0.0.1', true]]],
    ['mongodb://127.0.0.2:27017', [['ipv4', '127.0.0.2:27017', true]]],
    ['mongodb://127.255.255.254', [['ipv4', '127.255.255.254', true]]],
    ['mongodb://[::1]', [['ipv6', '[::1]', true]]],
    ['mongodb://[::1]:27017', [['ipv6', '[::1]:27017', true]]],
    ['mongodb://[0:0:0:0:0:0:0:1]', [['ipv6', '[::1]', true]]],
    ['mongodb://[::ffff:127.0.0.1]', [['ipv6', '[::ffff:7f00:1]', true]]],
    ['mongodb://%2Ftmp%2Fmongodb-27017.sock', [['socket', '/tmp/mongodb-27017.sock', true]]],
    ['mongodb://10.0.0.5', [['ipv4', '10.0.0.5', false]]],
    ['mongodb://[2001:db8::1]:27017', [['ipv6', '[2001:db8::1]:27017', false]]],
    // Spellings that only a resolver maps to loopback are remote: the safe side for a TLS rule.
    ['mongodb://127.1', [['name', '127.1', false]]],
    ['mongodb://localhost.', [['name', 'localhost.', false]]],
    ['mongodb://localhost.example.com', [['name', 'localhost.example.com', false]]],
    ['mongodb://128.0.0.1', [['ipv4', '128.0.0.1', false]]],
    [
      'mongodb://localhost:27017,db2.example:27017',
      [
        ['name', 'localhost:27017', true],
        ['name', 'db2.example:27017', false],
      ],
    ],
  ])('%s', (text, expected) => {
    expect(parsed(text).hosts.map((host) => [host.kind, describeHost(host), isLoopback(host)])).toEqual(
      expected,
    );
  });

  it('reads tls and ssl with names in any case, and the last of a repeated option', () => {
    expect(parsed('mongodb://h/?tls=true').tls).toEqual({ option: 'tls', value: true });
    expect(parsed('mongodb://h/?SSL=true').tls).toEqual({ option: 'SSL', value: true });
    expect(parsed('mongodb://h/?Tls=false').tls).toEqual({ option: 'Tls', value: false });
    expect(parsed('mongodb://h/?tls=true&ssl=true').tls).toEqual({ option: 'tls', value: true });
    expect(parsed('mongodb://h?tls=true').tls).toEqual({ option: 'tls', value: true });
    expect(parsed('mongodb://h/?tls=false&tls=true').tls).toEqual({ option: 'tls', value: true });
    expect(parsed('mongodb://h/db?replicaSet=rs0;tls=true').tls).toEqual({ option: 'tls', value: true });
    expect(parsed('mongodb://h/?authSource=admin').tls).toBeUndefined();
  });

  it('reads mongodb+srv:// with one DNS name and no port', () => {
    const uri = parsed('mongodb+srv://cluster0.example.com/imagegw?retryWrites=true');
    expect(uri.srv).toBe(true);
    expect(uri.hosts).toEqual([{ kind: 'name', host: 'cluster0.example.com', port: null }]);
  });

  it('finds passwords, empty ones included, and secret options, but no user name alone', () => {
    expect(parsed('mongodb://admin:s3cret@10.0.0.5/').secrets).toEqual(['the user info']);
    expect(parsed('mongodb://user:@host').secrets).toEqual(['the user info']);
    expect(parsed('mongodb://admin@host').secrets).toEqual([]);
    expect(parsed('mongodb://host/?authSource=admin&authMechanism=SCRAM-SHA-256').secrets).toEqual([]);
    expect(parsed('mongodb://h/?proxyHost=p&proxyPassword=x').secrets).toEqual(['proxyPassword']);
    expect(parsed('mongodb://h/?tls=true&TLSCertificateKeyFilePassword=x').secrets).toEqual([
      'TLSCertificateKeyFilePassword',
    ]);
    expect(
      parsed('mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:t0k').secrets,
    ).toEqual(['authMechanismProperties (AWS_SESSION_TOKEN)']);
  });

  it.each([
    [42, 'is not a string'],
    ['', 'is empty'],
    ['localhost', 'does not start with mongodb://'],
    ['MONGODB://localhost', 'does not start with mongodb://'],
    ['postgres://localhost', 'does not start with mongodb://'],
    ['mongodb://', 'has no host'],
    ['mongodb:///tmp/mongodb-27017.sock', 'has no host'],
    ['mongodb:// localhost', 'white space'],
    ['mongodb://localhost:27017 ', 'white space'],
    ['mongodb://a,,b', 'empty host'],
    ['mongodb://a,', 'empty host'],
    ['mongodb://h:0', 'port'],
    ['mongodb://h:65536', 'port'],
    ['mongodb://h:', 'port'],
    ['mongodb://h:abc', 'port'],
    ['mongodb://::1', "more than one ':'"],
    ['mongodb://[::1', "without its closing ']'"],
    ['mongodb://[::1]x', 'text after an IPv6 address'],
    ['mongodb://[not-ipv6]', 'invalid IPv6'],
    ['mongodb://h%2Ci', "percent-encoded ','"],
    ['mongodb://h%zz', 'malformed percent-encoding'],
    ['mongodb://admin:p@ss@host', "'@' in its user info"],
    ['mongodb://admin:pa:ss@host', "more than one ':'"],
    ['mongodb://admin:pa%zzss@host', 'malformed percent-encoding in its user info'],
    ['mongodb://:secret@host', 'empty user name'],
    ['mongodb://@host', 'empty user name'],
    ['mongodb://admin:pa/ss@host', 'percent-encode it'],
    ['mongodb://admin:12345/ss@host', "MongoDB's drivers"],
    ['mongodb://h/my$db', 'database name'],
    ['mongodb://h/?tls', 'key=value'],
    ['mongodb://h/?tls=true&', 'key=value'],
    ['mongodb://h/?a=b=c', 'key=value'],
    ['mongodb://h/?tls=true&ssl=true;w=1', "mixes '&' and ';'"],
    ['mongodb://h/?SSL=TRUE', 'only true or false, in lower case'],
    ['mongodb://h/?tls=1', 'only true or false, in lower case'],
    ['mongodb://h/?tls=', 'only true or false, in lower case'],
    ['mongodb://h/?tls=true&ssl=false', 'different values'],
    ['mongodb+srv://a.example.com,b.example.com', 'more than one host'],
    ['mongodb+srv://cluster0.example.com:27017', 'with a port'],
    ['mongodb+srv://10.0.0.5', 'IP address or a socket'],
  ])('refuses %j (%s)', (text, expected) => {
    expect(reason(text)).toContain(expected);
  });

  it('never quotes a password in a reason', () => {
    for (const text of [
      'mongodb://admin:Qx@Zq@host',
      'mongodb://admin:Qx/Zq@host',
      'mongodb://admin:12345/Zq@host',
      'mongodb://admin:Qx%zzZq@host',
      'mongodb://admin:Qx:Zq@host',
      'mongodb://adQx[Zq:pw@host',
    ]) {
      expect(reason(text)).not.toMatch(/Qx|Zq|12345/);
    }
  });
});

describe('maskMongoUri', () => {
  it.each([
    ['mongodb://admin:s3cret@10.0.0.5/', 'mongodb://admin:***@10.0.0.5/'],
    ['mongodb://admin:s3cret@10.0.0.5', 'mongodb://admin:***@10.0.0.5'],
    [
      'mongodb://admin:p%40ss%3Aw0rd@h1:27017,h2:27018,[::1]:27019/imagegw?replicaSet=rs0&tls=true',
      'mongodb://admin:***@h1:27017,h2:27018,[::1]:27019/imagegw?replicaSet=rs0&tls=true',
    ],
    ['mongodb://user:@host', 'mongodb://user:***@host'],
    ['mongodb://admin@host/?authMechanism=MONGODB-X509', 'mongodb://***@host/?authMechanism=MONGODB-X509'],
    ['mongodb+srv://imagegw:s3cret@cluster0.example.com/', 'mongodb+srv://imagegw:***@cluster0.example.com/'],
    ['mongodb://localhost', 'mongodb://localhost'],
    ['mongodb://h/?proxyPassword=s3cret&tls=true', 'mongodb://h/?proxyPassword=***&tls=true'],
    [
      'mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN:s3cret',
      'mongodb://h/?authMechanismProperties=***',
    ],
    // Unreadable values are masked conservatively, up to the last '@'.
    ['mongodb://admin:p@ss@host', 'mongodb://admin:***@host'],
    ['mongodb://admin:pa/ss@host/db', 'mongodb://admin:***@host/db'],
    ['mongodb://admin:pa?ss@host', 'mongodb://admin:***@host'],
    ['mongodb://admin:12345/ss@host', 'mongodb://admin:***@host'],
    ['mongodb://admin:s3cret@host/?SSL=TRUE', 'mongodb://admin:***@host/?SSL=TRUE'],
    ['admin:s3cret@host', 'admin:***@host'],
    ['mongodb://h/?a=b?proxyPassword=s3cret', 'mongodb://h/?a=b?proxyPassword=***'],
    [
      'mongodb://h/?tlsCertificateKeyFilePassword=s3cret&x',
      'mongodb://h/?tlsCertificateKeyFilePassword=***&x',
    ],
  ])('%s → %s', (text, masked) => {
    expect(maskMongoUri(text)).toBe(masked);
    // The engine masks again with the generic URL masking; that must leave the result alone.
    expect(maskUrlUserInfo(maskMongoUri(text))).toBe(masked);
  });

  it('counts what it masks as a password as a secret', () => {
    expect(inlineSecrets('mongodb://admin:p@ss@host')).toEqual(['the user info']);
    expect(inlineSecrets('mongodb://admin:pa/ss@host')).toEqual(['the user info']);
    expect(inlineSecrets('mongodb://h/?SSL=TRUE&proxyPassword=x')).toEqual(['proxyPassword']);
    expect(inlineSecrets('mongodb://admin@host/?SSL=TRUE')).toEqual([]);
    expect(inlineSecrets('mongodb://h/?SSL=TRUE')).toEqual([]);
  });
});

const passwordChar = fc.constantFrom(..."aZ09-_.~!$&'()*+,;=:/?#[]@% ".split(''), 'ü', '%40', '%3A');
const password = fc
  .string({ unit: passwordChar, minLength: 4, maxLength: 16 })
  // A mark that cannot occur in the rest of the URI, so that any leak of it is visible.
  .map((text) => `Qx${text}Zq`);
const hostText = fc.constantFrom(
  'localhost',
  '10.0.0.5:27017',
  'h1:27017,h2:27018',
  '[::1]:27017',
  '%2Ftmp%2Fmongodb-27017.sock',
  'db.example.com',
);
const tail = fc.constantFrom(
  '',
  '/',
  '/imagegw',
  '/?tls=true',
  '/imagegw?replicaSet=rs0&SSL=TRUE',
  '?tls=false',
);

describe('masking, property-based', () => {
  it('never lets a password through, escaped or not, readable or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('mongodb://', 'mongodb+srv://'),
        fc.constantFrom('admin', 'imagegw', 'a%40b'),
        password,
        fc.boolean(),
        hostText,
        tail,
        (scheme, user, secret, encoded, hosts, rest) => {
          const written = encoded ? encodeURIComponent(secret) : secret;
          const text = `${scheme}${user}:${written}@${hosts}${rest}`;
          const masked = maskMongoUri(text);
          expect(masked).not.toContain('Qx');
          expect(masked).not.toContain('Zq');
          expect(inlineSecrets(text)).toContain('the user info');
        },
      ),
    );
  });

  it('never lets a secret option through', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'proxyPassword',
          'PROXYPASSWORD',
          'tlsCertificateKeyFilePassword',
          'sslPEMKeyPassword',
        ),
        fc.string({ unit: fc.constantFrom(...'aZ09-_.~%!:/?@'.split('')), minLength: 1, maxLength: 12 }),
        fc.constantFrom('', '&tls=true', ';tls=true', '&SSL=TRUE'),
        (name, secret, after) => {
          const text = `mongodb://h/?${name}=Qx${secret}Zq${after}`;
          expect(maskMongoUri(text)).not.toMatch(/Qx|Zq/);
        },
      ),
    );
  });

  it('parses or refuses any text without throwing, and masks whatever it reads as a password', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'mongdb+sv:/@?&;=,.[]%2F1tlsTRUE '.split('')), maxLength: 40 }),
        (text) => {
          const result = parseMongoUri(text);
          if (result.ok) {
            expect(result.value.hosts.length).toBeGreaterThan(0);
            expect(result.value.masked).toBe(maskMongoUri(text));
          }
          expect(() => maskMongoUri(text)).not.toThrow();
        },
      ),
    );
  });
});
