import type { Gateway } from '../gateway/read';
import { maskUrlUserInfo, maskUrlValue } from '../redact';
import { maskMongoUri } from '../rules/mongodb-uri';

/**
 * Every secret-bearing value of one configuration (MongoDBURI, every Location, URL and
 * DefaultImageLocation), paired with its masked form, so any text about the configuration —
 * a built-in finding, a custom rule quoting a whole object, a message — can be scrubbed of every
 * copy, plain or JSON-escaped, whatever rule produced it.
 */
export function secretMasker(gateway: Gateway): (text: string) => string {
  const pairs: [string, string][] = [];
  const add = (raw: unknown, mask: (value: string) => string) => {
    if (typeof raw !== 'string' || raw === '') return;
    const masked = mask(raw);
    if (masked === raw) return;
    pairs.push([raw, masked]);
    const escapedRaw = JSON.stringify(raw).slice(1, -1);
    if (escapedRaw !== raw) pairs.push([escapedRaw, JSON.stringify(masked).slice(1, -1)]);
  };
  add(gateway.imagegw?.MongoDBURI, maskMongoUri);
  add(gateway.imagegw?.DefaultImageLocation, maskUrlValue);
  for (const location of gateway.locations) {
    add(location.fields.Location, maskUrlValue);
    add(location.fields.URL, maskUrlValue);
  }
  // Longest first, so a value that contains another is replaced whole.
  pairs.sort((a, b) => b[0].length - a[0].length);
  return (text) =>
    maskUrlUserInfo(pairs.reduce((result, [raw, masked]) => result.split(raw).join(masked), text));
}
