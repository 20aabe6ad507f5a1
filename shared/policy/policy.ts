import type { Severity } from '../audit/types';
import type { RuleId } from '../rules/ids';
import { parsePolicyDuration } from './duration';
import { type AllowEntry, parseAllowEntry } from './registry';
import type { PolicyDocument } from './schema';

export type ThreeFieldFormat = 'D:H:M' | 'H:M:S';

export interface DurationBounds {
  /** Seconds. */
  min?: number;
  max?: number;
}

/** A validated policy, compiled into what the rules compare against. */
export interface Policy {
  source: string;
  sha256: string;
  registries?: { allow?: { entries: AllowEntry[]; text: string[] }; remoteTypes: string[] };
  requireHttps: boolean;
  timeouts: { pullUpdate?: DurationBounds; imageExpiration?: DurationBounds };
  threeFieldFormat: ThreeFieldFormat;
  severity: Partial<Record<RuleId, Severity>>;
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

export function compilePolicy(document: PolicyDocument, source: string, sha256: string): Policy {
  const { registries, transport, timeouts } = document;
  const allowText = registries?.allow;
  const allowEntries = allowText?.map((text) => {
    const parsed = parseAllowEntry(text);
    if (!parsed.ok) throw new Error(`unvalidated allow entry ${text}`);
    return parsed.value;
  });
  return {
    source,
    sha256,
    ...(registries
      ? {
          registries: {
            ...(allowText && allowEntries ? { allow: { entries: allowEntries, text: allowText } } : {}),
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
    severity: (document.severity ?? {}) as Partial<Record<RuleId, Severity>>,
  };
}
