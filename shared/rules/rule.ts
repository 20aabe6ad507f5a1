import type { Gateway } from '../gateway/read';
import type { RuleSettings } from '../policy/policy';
import type { RuleId } from './ids';

/** What a rule reports; the engine adds cluster, region, severity and fingerprint. */
export interface RuleFinding {
  /** Path inside `Imagegw` in the wrapped form, e.g. `Locations.LocationInfo[0].URL`. */
  field: string;
  /** The offending value as text; secrets are masked by the engine before anything leaves it. */
  value?: string;
  /** The normalised value for the fingerprint (a registry identity, say); defaults to `value`. */
  identity?: string;
  expected?: string;
  message: string;
  /** The registry identity the finding is about, where there is one (waivers can name registries). */
  registry?: string;
}

export interface RuleContext {
  /** The run's clock: staleness is judged against it, never against the wall clock. */
  now: Date;
}

/** A rule is data plus a pure function (cdk-nag style). A rule that throws becomes a finding. */
export interface Rule {
  id: RuleId;
  /** One line: why the rule exists. */
  summary: string;
  check(gateway: Gateway, settings: RuleSettings, context: RuleContext): RuleFinding[];
}

/** Renders a config value for a finding: strings as they are, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return value;
  // A wrong-typed object or list is described, never quoted: its members may hold a password
  // (`"MongoDBURI": {"password": ...}`) where no URL masking would look.
  if (Array.isArray(value)) return `(a list of ${value.length})`;
  if (typeof value === 'object' && value !== null) return '(an object)';
  return JSON.stringify(value);
}
