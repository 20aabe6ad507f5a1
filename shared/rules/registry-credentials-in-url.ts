import { parseRegistryUrl } from '../policy/registry';
import { registryOf } from './registry-fields';
import type { Rule } from './rule';

/**
 * User info is judged on its own: a password in a URL is a defect even when the URL is otherwise
 * unreadable. When the URL does not parse (a `#` or a space in the password breaks it), any `@`
 * counts: a registry URL has no other use for one.
 */
function hasUserInfo(url: string): boolean {
  const parsed = parseRegistryUrl(url);
  return parsed.ok ? parsed.value.userInfo : url.includes('@');
}

export const registryCredentialsInUrl: Rule = {
  id: 'registry.credentials-in-url',
  summary: 'Credentials inside a registry URL leak through every copy of the configuration',
  check(gateway) {
    return gateway.locations.flatMap((location) => {
      const url = location.fields.URL;
      if (typeof url !== 'string' || !hasUserInfo(url)) return [];
      return [
        {
          field: `${location.path}.URL`,
          value: url,
          expected: 'a URL without user info; give registry credentials to the gateway another way',
          message: 'URL carries user info (credentials) before its host',
          ...registryOf(location.fields),
        },
      ];
    });
  },
};
