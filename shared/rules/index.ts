import { configInvalid } from './config-invalid';
import type { RuleId } from './ids';
import { registryCredentialsInUrl } from './registry-credentials-in-url';
import { registryInvalid } from './registry-invalid';
import { registryNotAllowed } from './registry-not-allowed';
import { registryRemoteTypeNotAllowed } from './registry-remote-type-not-allowed';
import type { Rule } from './rule';
import { imageExpirationOutOfBounds, pullUpdateOutOfBounds } from './timeouts';
import { transportInsecure } from './transport-insecure';

/** Every built-in rule, in report order. A test pins this list against RULE_DEFAULT_SEVERITY. */
export const RULES: readonly Rule[] = [
  configInvalid,
  registryInvalid,
  registryCredentialsInUrl,
  registryNotAllowed,
  registryRemoteTypeNotAllowed,
  transportInsecure,
  pullUpdateOutOfBounds,
  imageExpirationOutOfBounds,
];

export function ruleById(id: RuleId): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
