/**
 * The built-in baseline policy: what `check` and `run` apply without `--policy`. It cannot know an
 * organisation's registries, so it leaves names unchecked and enforces what is a defect anywhere:
 * clear-text transport, Shifter-only remote types and timeouts far from the defaults.
 * Documented in docs/policy-baseline.md; keep the two in step.
 */
export const BASELINE_POLICY_SOURCE = 'built-in baseline';

export const BASELINE_POLICY_YAML = `version: 1
registries:
  remoteTypes: [dockerv2]
transport:
  requireHttps: true
timeouts:
  pullUpdate: { min: 60s, max: 1h }
  imageExpiration: { min: 1d, max: 90d }
`;
