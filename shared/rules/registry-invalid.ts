import { registryFields } from './registry-fields';
import type { Rule } from './rule';

export const registryInvalid: Rule = {
  id: 'registry.invalid',
  summary: 'A registry address that cannot be read cannot be trusted or allow-listed',
  check(gateway) {
    return registryFields(gateway).flatMap(({ field, kind, raw, parsed }) =>
      parsed.ok
        ? []
        : [
            {
              field,
              value: raw,
              expected:
                kind === 'URL'
                  ? 'an absolute http(s) URL with a valid host'
                  : 'a bare registry host or host:port',
              message: `${kind} "${raw}" is not a valid registry address: ${parsed.reason}`,
            },
          ],
    );
  },
};
