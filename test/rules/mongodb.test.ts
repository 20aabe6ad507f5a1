import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../shared/audit/fingerprint';
import type { Finding } from '../../shared/audit/types';
import { audit, compliantGateway, ruleFields } from '../helpers/audit';

const MONGO_POLICY = `
version: 1
mongodb:
  forbidInlineCredentials: true
  requireTls: true
`;

const TLS = 'mongodb.tls-disabled@MongoDBURI';
const CREDENTIALS = 'mongodb.inline-credentials@MongoDBURI';
const INVALID = 'config.invalid@MongoDBURI';

function findingsFor(uri: unknown, policy = MONGO_POLICY): Finding[] {
  return audit(compliantGateway({ MongoDBURI: uri }), policy);
}

function rulesFor(uri: unknown, policy = MONGO_POLICY): string[] {
  return ruleFields(findingsFor(uri, policy));
}

describe('mongodb.tls-disabled', () => {
  it.each([
    ['localhost', 'mongodb://localhost'],
    ['localhost with port and database', 'mongodb://localhost:27017/imagegw'],
    ['loopback address', 'mongodb://127.0.0.1:27017'],
    ['any address of 127.0.0.0/8', 'mongodb://127.0.0.2'],
    ['IPv6 loopback', 'mongodb://[::1]:27017'],
    ['unix domain socket', 'mongodb://%2Ftmp%2Fmongodb-27017.sock'],
    ['several loopback hosts', 'mongodb://localhost:27017,127.0.0.1:27018,%2Ftmp%2Fmongodb-27019.sock'],
    ['loopback with TLS explicitly off', 'mongodb://localhost/?tls=false'],
    ['tls=true', 'mongodb://mongo.internal:27017/imagegw?tls=true'],
    ['ssl=true', 'mongodb://db.example/?ssl=true'],
    ['ssl=true spelled SSL=true', 'mongodb://db.example/?SSL=true'],
    ['tls=true spelled TLS=true', 'mongodb://db.example/?TLS=true'],
    ['tls without a slash before the options', 'mongodb://db.example?tls=true'],
    ['tls=true after other options', 'mongodb://a.example,b.example/?replicaSet=rs0&tls=true'],
    ['options joined by ;', 'mongodb://db.example/imagegw?replicaSet=rs0;tls=true'],
    ['mongodb+srv:// (TLS on by default)', 'mongodb+srv://cluster0.example.com/'],
    ['mongodb+srv:// with tls=true', 'mongodb+srv://cluster0.example.com/?tls=true'],
  ])('accepts %s', (_name, uri) => {
    expect(rulesFor(uri)).toEqual([]);
  });

  it.each([
    ['a remote address', 'mongodb://10.0.0.5'],
    ['a remote name with a database', 'mongodb://db.example:27017/imagegw'],
    ['one remote host among loopback ones', 'mongodb://localhost:27017,db2.example:27017'],
    ['a remote IPv6 address', 'mongodb://[2001:db8::1]:27017'],
    ['tls=false', 'mongodb://db.example/?tls=false'],
    ['ssl=false', 'mongodb://db.example/?ssl=false'],
    ['authSource, but no tls', 'mongodb://db.example/?authSource=admin'],
    ['mongodb+srv:// with tls=false', 'mongodb+srv://cluster0.example.com/?tls=false'],
    ['mongodb+srv:// with SSL=false', 'mongodb+srv://cluster0.example.com/?SSL=false'],
    ['mongodb+srv:// naming localhost (its servers come from DNS)', 'mongodb+srv://localhost/?tls=false'],
    ['127.1, which only a resolver reads as loopback', 'mongodb://127.1'],
    ['localhost. with a trailing dot', 'mongodb://localhost.'],
    ['the last of a repeated option', 'mongodb://db.example/?tls=true&tls=false'],
  ])('flags %s', (_name, uri) => {
    expect(rulesFor(uri)).toEqual([TLS]);
  });

  it('names the remote hosts and why TLS is off', () => {
    const [finding] = findingsFor('mongodb://localhost:27017,db2.example:27017,10.0.0.5');
    expect(finding).toMatchObject({
      ruleId: 'mongodb.tls-disabled',
      severity: 'medium',
      field: 'MongoDBURI',
      value: 'mongodb://localhost:27017,db2.example:27017,10.0.0.5',
      message:
        'MongoDBURI reaches db2.example:27017, 10.0.0.5 without TLS: it has neither tls=true nor ssl=true',
    });
    expect(findingsFor('mongodb+srv://cluster0.example.com/?SSL=false')[0]?.message).toBe(
      'MongoDBURI reaches cluster0.example.com without TLS: it sets SSL=false',
    );
  });

  it.each([
    ['SSL=TRUE (pymongo and the driver accept only lower case)', 'mongodb://db.example/?SSL=TRUE'],
    ['tls=yes', 'mongodb://db.example/?tls=yes'],
    ['tls and ssl that disagree', 'mongodb://db.example/?tls=true&ssl=false'],
    ['an empty URI', ''],
    ['no scheme', 'db.example:27017'],
    ['a port that is not a number', 'mongodb://db.example:mongo'],
    ['mongodb+srv:// with a port', 'mongodb+srv://cluster0.example.com:27017/?tls=false'],
  ])('leaves %s to config.invalid, never compliant and never also tls-disabled', (_name, uri) => {
    expect(rulesFor(uri)).toEqual([INVALID]);
  });

  it('says why an unreadable URI cannot be read', () => {
    const [finding] = findingsFor('mongodb://db.example/?SSL=TRUE');
    expect(finding).toMatchObject({
      ruleId: 'config.invalid',
      value: 'mongodb://db.example/?SSL=TRUE',
      message: 'MongoDBURI has SSL=TRUE; MongoDB accepts only true or false, in lower case',
    });
  });

  it('is off without mongodb.requireTls', () => {
    expect(rulesFor('mongodb://10.0.0.5', 'version: 1\n')).toEqual([]);
    expect(
      rulesFor('mongodb://10.0.0.5', 'version: 1\nmongodb: { forbidInlineCredentials: true }\n'),
    ).toEqual([]);
    expect(rulesFor('mongodb://10.0.0.5', 'version: 1\nmongodb: { requireTls: false }\n')).toEqual([]);
  });

  it('takes a severity override', () => {
    const policy = `${MONGO_POLICY}severity:\n  mongodb.tls-disabled: critical\n`;
    expect(findingsFor('mongodb://10.0.0.5', policy)[0]?.severity).toBe('critical');
  });
});

describe('mongodb.inline-credentials', () => {
  it.each([
    ['a password', 'mongodb://admin:s3cret@10.0.0.5/?tls=true'],
    ['an empty password (pymongo authenticates with it)', 'mongodb://user:@db.example/?tls=true'],
    ['a percent-encoded @ in the password', 'mongodb://admin:p%40ss@h1:27017,h2:27018/?tls=true'],
    ['a password in a mongodb+srv:// URI', 'mongodb+srv://imagegw:s3cret@cluster0.example.com/'],
    ['a password to a loopback database', 'mongodb://imagegw:s3cret@localhost:27017/imagegw'],
    ['proxyPassword', 'mongodb://db.example/?tls=true&proxyHost=p&proxyPassword=s3cret'],
    ['tlsCertificateKeyFilePassword', 'mongodb://db.example/?tls=true&tlsCertificateKeyFilePassword=s3cret'],
  ])('flags %s', (_name, uri) => {
    expect(rulesFor(uri)).toEqual([CREDENTIALS]);
  });

  it.each([
    ['no user info', 'mongodb://localhost'],
    ['authSource without a password', 'mongodb://db.example/?tls=true&authSource=admin'],
    [
      'a user name without a password (X.509)',
      'mongodb://admin@db.example/?tls=true&authMechanism=MONGODB-X509',
    ],
  ])('accepts %s', (_name, uri) => {
    expect(rulesFor(uri)).toEqual([]);
  });

  it('judges a password even in a URI that cannot be read, and masks it in both findings', () => {
    for (const uri of [
      'mongodb://admin:Qx@Zq@localhost',
      'mongodb://admin:Qx/Zq@localhost',
      'mongodb://admin:Qx:Zq@localhost',
      'mongodb://admin:QxZq@localhost/?SSL=TRUE',
    ]) {
      const findings = findingsFor(uri);
      expect(ruleFields(findings)).toEqual([INVALID, CREDENTIALS]);
      for (const finding of findings) expect(finding.value).toMatch(/^mongodb:\/\/admin:\*\*\*@localhost/);
      expect(JSON.stringify(findings)).not.toMatch(/Qx|Zq/);
    }
  });

  it('reports a high finding whose value is the masked URI', () => {
    const [finding] = findingsFor('mongodb://admin:s3cret@10.0.0.5/?tls=true');
    expect(finding).toMatchObject({
      ruleId: 'mongodb.inline-credentials',
      severity: 'high',
      field: 'MongoDBURI',
      value: 'mongodb://admin:***@10.0.0.5/?tls=true',
      message: 'MongoDBURI carries a secret in the user info',
    });
  });

  it('is off without mongodb.forbidInlineCredentials', () => {
    const uri = 'mongodb://admin:s3cret@localhost';
    expect(rulesFor(uri, 'version: 1\n')).toEqual([]);
    expect(rulesFor(uri, 'version: 1\nmongodb: { requireTls: true }\n')).toEqual([]);
  });
});

describe('secrets in findings about MongoDBURI', () => {
  const cases = [
    ['one host', 'mongodb://admin:Qx-s3cret-Zq@10.0.0.5/', 'mongodb://admin:***@10.0.0.5/'],
    [
      'several hosts and a percent-encoded @',
      'mongodb://admin:Qx%40s3cret%3AZq@10.0.0.5:27017,10.0.0.6:27017/imagegw?replicaSet=rs0',
      'mongodb://admin:***@10.0.0.5:27017,10.0.0.6:27017/imagegw?replicaSet=rs0',
    ],
    [
      'an unescaped @ in the password (unreadable)',
      'mongodb://admin:Qx@s3cret@Zq@10.0.0.5/',
      'mongodb://admin:***@10.0.0.5/',
    ],
    [
      'an unescaped / in the password (unreadable; generic URL masking misses it)',
      'mongodb://admin:Qx/s3cret/Zq@10.0.0.5/',
      'mongodb://admin:***@10.0.0.5/',
    ],
    [
      'a secret option',
      'mongodb://10.0.0.5/?proxyHost=p&proxyPassword=Qx-s3cret-Zq',
      'mongodb://10.0.0.5/?proxyHost=p&proxyPassword=***',
    ],
  ] as const;

  it.each(cases)('%s: never in value, message, expected or fingerprint input', (_name, uri, masked) => {
    const findings = findingsFor(uri);
    expect(findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(findings)).not.toMatch(/Qx|Zq|s3cret/);
    for (const finding of findings) {
      expect(finding.value).toBe(masked);
      // The fingerprint's normalised value is the masked URI, nothing that holds the password.
      expect(finding.fingerprint).toBe(fingerprint('ehpc-hz-test', finding.ruleId, 'MongoDBURI', masked));
    }
  });

  it('keeps the fingerprint when only the password changes', () => {
    const before = findingsFor('mongodb://admin:old-s3cret@10.0.0.5/');
    const after = findingsFor('mongodb://admin:new-s3cret@10.0.0.5/');
    expect(ruleFields(before)).toEqual([CREDENTIALS, TLS]);
    expect(after.map((finding) => finding.fingerprint)).toEqual(before.map((finding) => finding.fingerprint));
  });

  it('masks an unreadable URI under any policy, since config.invalid always applies', () => {
    const findings = findingsFor('mongodb://admin:Qx/s3cret/Zq@10.0.0.5/', 'version: 1\n');
    expect(ruleFields(findings)).toEqual([INVALID]);
    expect(findings[0]?.value).toBe('mongodb://admin:***@10.0.0.5/');
    expect(JSON.stringify(findings)).not.toMatch(/Qx|Zq|s3cret/);
  });
});
