import { inlineSecrets, maskMongoUri, parseMongoUri } from './mongodb-uri';
import type { Rule } from './rule';

/**
 * Only a password counts (spec/report.md: "MongoDBURI contains a password"): a user name alone, as
 * with X.509 (`mongodb://admin@host`), or `authSource` is no secret. An empty password
 * (`user:@host`) is one, and so are the options that carry a secret (see mongodb-uri.ts). A URI
 * that cannot be read is config.invalid and still judged here, as registry URLs are: a password
 * in the configuration leaks through every copy of it whether or not the rest parses.
 *
 * The value, the message and the fingerprint see only the masked URI, so a finding never carries
 * the password and a changed password is still the same finding.
 */
export const mongodbInlineCredentials: Rule = {
  id: 'mongodb.inline-credentials',
  summary: 'A database password inside the configuration leaks through every copy of it',
  check(gateway, policy) {
    if (!policy.mongodb?.forbidInlineCredentials) return [];
    const uri = gateway.imagegw?.MongoDBURI;
    if (typeof uri !== 'string') return [];
    const secrets = inlineSecrets(uri);
    if (secrets.length === 0) return [];
    const masked = maskMongoUri(uri);
    const unreadable = parseMongoUri(uri).ok ? '' : ', as far as it can be read,';
    return [
      {
        field: 'MongoDBURI',
        value: masked,
        identity: masked,
        expected: 'a MongoDBURI without a password; give the gateway its database credentials another way',
        message: `MongoDBURI${unreadable} carries a secret in ${secrets.join(', ')}`,
      },
    ];
  },
};
