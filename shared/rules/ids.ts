import type { Severity } from '../audit/types';

/**
 * Every rule id with its default severity (spec/report.md, "Rules"). Rule ids are an interface:
 * waivers, severity overrides and users' scripts name them. The policy loader validates ids
 * against this table, so it lives apart from the rule implementations.
 */
export const RULE_DEFAULT_SEVERITY = {
  'registry.not-allowed': 'high',
  'registry.invalid': 'high',
  'registry.credentials-in-url': 'high',
  'registry.remote-type-not-allowed': 'medium',
  'registry.default-undefined': 'low',
  'transport.insecure': 'high',
  'timeout.pull-update-out-of-bounds': 'medium',
  'timeout.image-expiration-out-of-bounds': 'medium',
  'mongodb.inline-credentials': 'high',
  'mongodb.tls-disabled': 'medium',
  'config.invalid': 'high',
  'config.stale': 'low',
} as const satisfies Record<string, Severity>;

export type RuleId = keyof typeof RULE_DEFAULT_SEVERITY;

export const RULE_IDS = Object.keys(RULE_DEFAULT_SEVERITY) as RuleId[];

export function isRuleId(value: string): value is RuleId {
  return Object.hasOwn(RULE_DEFAULT_SEVERITY, value);
}
