import { registryOf } from './registry-fields';
import type { Rule } from './rule';

export const registryRemoteTypeNotAllowed: Rule = {
  id: 'registry.remote-type-not-allowed',
  summary: 'Shifter implements only dockerv2; any other remote type is unsupported or deprecated',
  check(gateway, policy) {
    const allowed = policy.registries?.remoteTypes;
    if (!allowed) return [];
    return gateway.locations.flatMap((location) => {
      const remoteType = location.fields.RemoteType;
      if (typeof remoteType !== 'string' || allowed.includes(remoteType)) return [];
      return [
        {
          field: `${location.path}.RemoteType`,
          value: remoteType,
          expected: `one of: ${allowed.join(', ')}`,
          message: `RemoteType "${remoteType}" is not allowed`,
          ...registryOf(location.fields),
        },
      ];
    });
  },
};
