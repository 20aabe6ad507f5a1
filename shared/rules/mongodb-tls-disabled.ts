import { describeHost, isLoopback, parseMongoUri } from './mongodb-uri';
import type { Rule } from './rule';

/**
 * Under `mongodb.requireTls`, a MongoDBURI whose TLS is off must name only loopback hosts
 * (`localhost`, 127.0.0.0/8, `[::1]`, unix domain sockets): one remote host among several is
 * enough for a finding. TLS is on with `tls=true` or `ssl=true` (names in any case), and in a
 * `mongodb+srv://` URI unless it says `tls=false` or `ssl=false`.
 *
 * Decisions beyond the spec's text:
 * - A `mongodb+srv://` URI with TLS off is never exempt as loopback: its servers are the targets
 *   of a DNS SRV record, not the name written, so even `mongodb+srv://localhost` may be remote.
 * - An unreadable URI (including `SSL=TRUE`, which pymongo refuses) is config.invalid only: what
 *   cannot be read cannot be judged, and an invalid value gets no second finding on its field.
 */
export const mongodbTlsDisabled: Rule = {
  id: 'mongodb.tls-disabled',
  summary: 'Image metadata and database credentials cross the network in clear text without TLS',
  check(gateway, policy) {
    if (!policy.mongodb?.requireTls) return [];
    const parsed = parseMongoUri(gateway.imagegw?.MongoDBURI);
    if (!parsed.ok) return [];
    const uri = parsed.value;
    if (uri.tls?.value ?? uri.srv) return [];
    const remote = uri.srv ? uri.hosts : uri.hosts.filter((host) => !isLoopback(host));
    if (remote.length === 0) return [];
    const why = uri.tls ? `it sets ${uri.tls.option}=false` : 'it has neither tls=true nor ssl=true';
    const masked = uri.masked;
    return [
      {
        field: 'MongoDBURI',
        value: masked,
        identity: masked,
        expected: uri.srv
          ? 'a mongodb+srv:// URI without tls=false'
          : 'tls=true in MongoDBURI, or only loopback hosts (localhost, 127.0.0.0/8, [::1], a unix socket)',
        message: `MongoDBURI reaches ${remote.map(describeHost).join(', ')} without TLS: ${why}`,
      },
    ];
  },
};
