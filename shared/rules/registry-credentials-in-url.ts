import { registryOf } from './registry-fields';
import type { Rule } from './rule';

/** User info is judged on its own: a password in a URL is a defect even when the host is invalid. */
function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    // Unparseable URLs are registry.invalid; an "@" before the first "/" after the scheme still
    // means credentials were written into it.
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  }
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
