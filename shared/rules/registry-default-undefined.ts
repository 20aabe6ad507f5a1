import { parseLocation } from '../policy/registry';
import type { Rule } from './rule';

/**
 * DefaultImageLocation must be the identity of some Location: an image named without a location
 * prefix is pulled from the default, and a default that no Location defines cannot be pulled from
 * as configured. Identities come from the shared registry parser, so Docker Hub's three names are
 * one registry and a default port written out changes nothing.
 *
 * Decisions beyond the spec's text:
 * - On only when the policy has a `registries` section (any content, `registries: {}` included),
 *   like registry.remote-type-not-allowed. "A section that is absent switches its rules off", and
 *   the rules that always apply are listed there exhaustively (config.invalid, registry.invalid,
 *   registry.credentials-in-url); this one is not among them.
 * - Judged only when DefaultImageLocation and every Location can be read. An unreadable value is
 *   already registry.invalid or config.invalid, and it may well be the very Location the default
 *   names (the E-HPC documentation example masks `registry-1.docker.io` as `regi****.docker.io`),
 *   so a finding here would only echo that one. The same holds when `Locations` itself cannot be
 *   read or is missing. An empty list (`LocationInfo: []`) defines no Location: a finding.
 * - Locations are compared, not URLs: a URL only says where a Location is pulled from.
 */
export const registryDefaultUndefined: Rule = {
  id: 'registry.default-undefined',
  summary: 'Images named without a location come from the default, which no Location defines',
  check(gateway, policy) {
    if (!policy.registries) return [];
    const raw = gateway.imagegw?.DefaultImageLocation;
    if (typeof raw !== 'string') return [];
    const parsed = parseLocation(raw);
    if (!parsed.ok) return [];
    const locationsUnreadable =
      gateway.imagegw?.Locations === undefined ||
      gateway.imagegw.Locations === null ||
      gateway.problems.some((problem) => problem.field.startsWith('Locations'));
    if (locationsUnreadable) return [];
    const identities: string[] = [];
    for (const location of gateway.locations) {
      const value = location.fields.Location;
      const address = typeof value === 'string' ? parseLocation(value) : undefined;
      if (!address?.ok) return [];
      if (!identities.includes(address.value.identity)) identities.push(address.value.identity);
    }
    const identity = parsed.value.identity;
    if (identities.includes(identity)) return [];
    return [
      {
        field: 'DefaultImageLocation',
        value: raw,
        identity,
        registry: identity,
        expected:
          identities.length === 0
            ? 'the Location of a defined location (there are none)'
            : `one of the Locations: ${identities.join(', ')}`,
        message: `DefaultImageLocation ${identity} is not the Location of any defined location`,
      },
    ];
  },
};
