import type { Gateway } from '../gateway/read';
import { parseLocation, parseRegistryUrl, type RegistryAddress } from '../policy/registry';
import type { Parsed } from '../policy/result';

/**
 * Every registry address a configuration names, with its parse result, so the registry rules
 * share one reading: DefaultImageLocation, each Location, and each non-empty URL. Values that
 * are not strings are left to config.invalid.
 */
export interface RegistryField {
  field: string;
  kind: 'DefaultImageLocation' | 'Location' | 'URL';
  raw: string;
  parsed: Parsed<RegistryAddress>;
  /** For URLs: the scheme, when the URL parsed. */
  scheme?: 'http' | 'https';
}

export function registryFields(gateway: Gateway): RegistryField[] {
  const fields: RegistryField[] = [];
  const defaultLocation = gateway.imagegw?.DefaultImageLocation;
  if (typeof defaultLocation === 'string') {
    fields.push({
      field: 'DefaultImageLocation',
      kind: 'DefaultImageLocation',
      raw: defaultLocation,
      parsed: parseLocation(defaultLocation),
    });
  }
  for (const location of gateway.locations) {
    const { Location, URL } = location.fields;
    if (typeof Location === 'string') {
      fields.push({
        field: `${location.path}.Location`,
        kind: 'Location',
        raw: Location,
        parsed: parseLocation(Location),
      });
    }
    if (typeof URL === 'string' && URL !== '') {
      const url = parseRegistryUrl(URL);
      fields.push({
        field: `${location.path}.URL`,
        kind: 'URL',
        raw: URL,
        parsed: url.ok ? { ok: true, value: url.value.address } : url,
        ...(url.ok ? { scheme: url.value.scheme } : {}),
      });
    }
  }
  return fields;
}

/**
 * The registry a location actually pulls from: its URL's host when a URL is given (it overrides
 * `https://<Location>`), else its Location. Undefined when that value cannot be read.
 */
export function locationRegistry(fields: Record<string, unknown>): string | undefined {
  const { Location, URL } = fields;
  if (typeof URL === 'string' && URL !== '') {
    const url = parseRegistryUrl(URL);
    return url.ok ? url.value.address.identity : undefined;
  }
  if (typeof Location !== 'string') return undefined;
  const location = parseLocation(Location);
  return location.ok ? location.value.identity : undefined;
}

/** `{ registry }` for a finding about this location, or nothing when its registry cannot be read. */
export function registryOf(fields: Record<string, unknown>): { registry?: string } {
  const registry = locationRegistry(fields);
  return registry === undefined ? {} : { registry };
}
