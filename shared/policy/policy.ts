import type { ValidateFunction } from 'ajv';
import type { Severity } from '../audit/types';
import { parsePolicyDuration } from './duration';
import { parseExpiry } from './expiry';
import { globMatcher } from './glob';
import { type AllowEntry, parseAllowEntry } from './registry';
import { type PolicyDocument, RULE_SECTION_NAMES, type RuleSections } from './schema';

export type ThreeFieldFormat = 'D:H:M' | 'H:M:S';

export interface DurationBounds {
  /** Seconds. */
  min?: number;
  max?: number;
}

export interface Waiver {
  /** `waivers[2]`: how reports and notices name it. */
  label: string;
  rule: string;
  clusters?: ((text: string) => boolean)[];
  regions?: ((text: string) => boolean)[];
  registries?: AllowEntry[];
  reason: string;
  /** As written in the policy. */
  expires: string;
  /** The last instant (ms since epoch) at which the waiver applies. */
  lastValidMs: number;
}

export interface Override {
  label: string;
  clusters?: ((text: string) => boolean)[];
  regions?: ((text: string) => boolean)[];
  set: RuleSections;
}

export interface CustomRule {
  id: string;
  severity: Severity;
  description: string;
  validate: ValidateFunction;
}

/** The settings the rules compare against: the base policy's, or a cluster's after its overrides. */
export interface RuleSettings {
  registries?: { allow?: { entries: AllowEntry[]; text: string[] }; remoteTypes: string[] };
  requireHttps: boolean;
  timeouts: { pullUpdate?: DurationBounds; imageExpiration?: DurationBounds };
  threeFieldFormat: ThreeFieldFormat;
  mongodb?: { forbidInlineCredentials: boolean; requireTls: boolean };
  /** Seconds; `config.stale` is off without it. */
  maxConfigAge?: number;
}

/** A validated policy, compiled into what the engine and the rules compare against. */
export interface Policy extends RuleSettings {
  source: string;
  sha256: string;
  /** Rule id (built-in or custom) to severity; absent ids keep their default. */
  severity: Record<string, Severity>;
  waivers: Waiver[];
  overrides: Override[];
  custom: CustomRule[];
  /** The rule sections as written, for overrides to replace section by section. */
  baseSections: RuleSections;
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parsePolicyDuration(value);
  // The schema already refused invalid durations; reaching this is a bug, not bad input.
  if (!parsed.ok) throw new Error(`unvalidated duration ${value}`);
  return parsed.value;
}

function compileBounds(bounds: { min?: string | undefined; max?: string | undefined }): DurationBounds {
  const min = seconds(bounds.min);
  const max = seconds(bounds.max);
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

function allowEntries(texts: readonly string[]): AllowEntry[] {
  return texts.map((text) => {
    const parsed = parseAllowEntry(text);
    if (!parsed.ok) throw new Error(`unvalidated allow entry ${text}`);
    return parsed.value;
  });
}

/** Compiles the rule sections; absent sections switch their rules off (spec/policy.md). */
export function compileRuleSettings(sections: RuleSections): RuleSettings {
  const { registries, transport, timeouts, mongodb, config } = sections;
  const maxConfigAge = seconds(config?.maxAge);
  return {
    ...(registries
      ? {
          registries: {
            ...(registries.allow
              ? { allow: { entries: allowEntries(registries.allow), text: registries.allow } }
              : {}),
            remoteTypes: registries.remoteTypes ?? ['dockerv2'],
          },
        }
      : {}),
    requireHttps: transport?.requireHttps ?? false,
    timeouts: {
      ...(timeouts?.pullUpdate ? { pullUpdate: compileBounds(timeouts.pullUpdate) } : {}),
      ...(timeouts?.imageExpiration ? { imageExpiration: compileBounds(timeouts.imageExpiration) } : {}),
    },
    threeFieldFormat: timeouts?.imageExpiration?.threeFieldFormat ?? 'D:H:M',
    ...(mongodb
      ? {
          mongodb: {
            forbidInlineCredentials: mongodb.forbidInlineCredentials ?? false,
            requireTls: mongodb.requireTls ?? false,
          },
        }
      : {}),
    ...(maxConfigAge === undefined ? {} : { maxConfigAge }),
  };
}

const globs = (patterns: readonly string[] | undefined) => patterns?.map(globMatcher);

export function compilePolicy(
  document: PolicyDocument,
  source: string,
  sha256: string,
  compileSchema: (schema: Record<string, unknown>, index: number) => ValidateFunction,
): Policy {
  return {
    source,
    sha256,
    ...compileRuleSettings(document),
    baseSections: Object.fromEntries(
      RULE_SECTION_NAMES.filter((name) => document[name] !== undefined).map((name) => [name, document[name]]),
    ) as RuleSections,
    severity: document.severity ?? {},
    waivers: (document.waivers ?? []).map((waiver, index) => {
      const lastValidMs = parseExpiry(waiver.expires);
      if (lastValidMs === undefined) throw new Error(`unvalidated expiry ${waiver.expires}`);
      const clusters = globs(waiver.clusters);
      const regions = globs(waiver.regions);
      return {
        label: `waivers[${index}]`,
        rule: waiver.rule,
        ...(clusters ? { clusters } : {}),
        ...(regions ? { regions } : {}),
        ...(waiver.registries ? { registries: allowEntries(waiver.registries) } : {}),
        reason: waiver.reason,
        expires: waiver.expires,
        lastValidMs,
      };
    }),
    overrides: (document.overrides ?? []).map((override, index) => {
      const clusters = globs(override.clusters);
      const regions = globs(override.regions);
      return {
        label: `overrides[${index}]`,
        ...(clusters ? { clusters } : {}),
        ...(regions ? { regions } : {}),
        set: override.set,
      };
    }),
    custom: (document.custom ?? []).map((rule, index) => ({
      id: rule.id,
      severity: rule.severity,
      description: rule.description,
      validate: compileSchema(rule.schema, index),
    })),
  };
}
