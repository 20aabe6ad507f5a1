import { parseRegistryUrl } from '../policy/registry';
import { registryOf } from './registry-fields';
import type { Rule, RuleFinding } from './rule';

/**
 * Two signals per location, each its own finding: the effective URL (the `URL`, or
 * `https://<Location>` when it is empty) and `Authentication`, whose missing value means `http`,
 * the default of the E-HPC API that writes it. A URL that does not parse is registry.invalid.
 */
export const transportInsecure: Rule = {
  id: 'transport.insecure',
  summary: 'Clear-text registry traffic lets anyone on the path swap the images a cluster runs',
  check(gateway, policy) {
    if (!policy.requireHttps) return [];
    return gateway.locations.flatMap((location) => {
      const findings: RuleFinding[] = [];
      const { URL, Authentication } = location.fields;
      if (typeof URL === 'string' && URL !== '') {
        const parsed = parseRegistryUrl(URL);
        if (parsed.ok && parsed.value.scheme !== 'https') {
          findings.push({
            field: `${location.path}.URL`,
            value: URL,
            // Normalised, so `http://Docker.io` and `http://docker.io/` are one problem, one fingerprint.
            identity: `${parsed.value.scheme}://${parsed.value.address.identity}`,
            expected: 'an https URL',
            message: `URL uses ${parsed.value.scheme}, not https`,
          });
        }
      }
      if (Authentication === undefined || Authentication === null || Authentication === '') {
        findings.push({
          field: `${location.path}.Authentication`,
          value: Authentication === '' ? '' : '(missing)',
          expected: 'https',
          message: 'Authentication is not set, which the E-HPC API treats as http',
        });
      } else if (typeof Authentication === 'string' && Authentication.toLowerCase() !== 'https') {
        findings.push({
          field: `${location.path}.Authentication`,
          value: Authentication,
          expected: 'https',
          message: `Authentication is "${Authentication}", not https`,
        });
      }
      // Each finding names the registry the location pulls from, so a waiver can name it.
      return findings.map((finding) => ({ ...finding, ...registryOf(location.fields) }));
    });
  },
};
