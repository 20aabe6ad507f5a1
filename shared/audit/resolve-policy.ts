import { matchesAny } from '../policy/glob';
import { compileRuleSettings, type Policy, type RuleSettings } from '../policy/policy';
import { RULE_SECTION_NAMES, type RuleSections } from '../policy/schema';

export interface ClusterSettings {
  settings: RuleSettings;
  /** Labels of the overrides that applied, in order (`overrides[0]`); recorded in the report. */
  overrides: string[];
}

const cache = new WeakMap<Policy, Map<string, ClusterSettings>>();

/**
 * The rule settings for one cluster: the base policy with each matching override's sections
 * replacing the base's, in order, so a later match replaces a section again (spec/policy.md).
 */
export function settingsFor(policy: Policy, subject: { clusterId: string; region: string }): ClusterSettings {
  const matching = policy.overrides.filter(
    (override) =>
      (override.clusters !== undefined || override.regions !== undefined) &&
      matchesAny(override.clusters, subject.clusterId) &&
      matchesAny(override.regions, subject.region),
  );
  if (matching.length === 0) return { settings: policy, overrides: [] };
  const key = matching.map((override) => override.label).join(',');
  let byKey = cache.get(policy);
  if (!byKey) {
    byKey = new Map();
    cache.set(policy, byKey);
  }
  const cached = byKey.get(key);
  if (cached) return cached;
  const base = policy.baseSections;
  const merged: RuleSections = { ...base };
  for (const override of matching) {
    for (const name of RULE_SECTION_NAMES) {
      if (override.set[name] !== undefined) Object.assign(merged, { [name]: override.set[name] });
    }
  }
  const resolved = {
    settings: compileRuleSettings(merged),
    overrides: matching.map((override) => override.label),
  };
  byKey.set(key, resolved);
  return resolved;
}
