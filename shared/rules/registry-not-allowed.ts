import { describeAllowEntry, matchesAnyAllowEntry } from '../policy/registry';
import { registryFields } from './registry-fields';
import type { Rule } from './rule';

export const registryNotAllowed: Rule = {
  id: 'registry.not-allowed',
  summary: 'Images pulled from a registry outside the allow-list may be untrusted',
  check(gateway, policy) {
    const allow = policy.registries?.allow;
    if (!allow) return [];
    const expected =
      allow.entries.length === 0
        ? 'no registry (registries.allow is empty)'
        : `one of: ${allow.entries.map(describeAllowEntry).join(', ')}`;
    return registryFields(gateway).flatMap(({ field, kind, raw, parsed }) => {
      if (!parsed.ok || matchesAnyAllowEntry(parsed.value, allow.entries)) return [];
      const what = kind === 'URL' ? 'URL host' : kind;
      return [
        {
          field,
          value: raw,
          identity: parsed.value.identity,
          registry: parsed.value.identity,
          expected,
          message: `${what} ${parsed.value.identity} is not an allowed registry`,
        },
      ];
    });
  },
};
