import { globMatcher, matchesAny } from '../policy/glob';
import type { Policy, Waiver } from '../policy/policy';
import { matchesAnyAllowEntry, type RegistryAddress } from '../policy/registry';
import type { Finding } from './types';

/** A finding's registry identity (`host` or `host:port`, already normalised) as an address. */
export function addressFromIdentity(identity: string): RegistryAddress {
  const match = /^(.*):(\d+)$/.exec(identity);
  if (match?.[1] && !match[1].endsWith(']') && match[1].includes(':'))
    return { host: identity, port: null, identity };
  return match?.[1]
    ? { host: match[1], port: Number(match[2]), identity }
    : { host: identity, port: null, identity };
}

const NOTICE_WINDOW_MS = 14 * 24 * 3600 * 1000;

function ruleMatches(pattern: string, ruleId: string): boolean {
  return pattern.endsWith('.*') ? globMatcher(pattern)(ruleId) : pattern === ruleId;
}

/** Every condition a waiver states must hold (AND); a finding without a registry never matches `registries`. */
export function waiverCovers(waiver: Waiver, finding: Finding): boolean {
  if (!ruleMatches(waiver.rule, finding.ruleId)) return false;
  if (!matchesAny(waiver.clusters, finding.clusterId)) return false;
  if (!matchesAny(waiver.regions, finding.region)) return false;
  if (waiver.registries) {
    if (finding.registry === undefined) return false;
    // The same matcher as registries.allow, on the same address, so the two always agree. The
    // identity is rebuilt as it is, not re-parsed as a Location: re-parsing would read `host:443`
    // of an http URL with https defaults and drop the port the allow-list saw.
    if (!matchesAnyAllowEntry(addressFromIdentity(finding.registry), waiver.registries)) return false;
  }
  return true;
}

export const isActive = (waiver: Waiver, now: Date) => now.getTime() <= waiver.lastValidMs;

/**
 * The one place that decides waivers, for every path (scheduled, on-demand, chat, CLI), always with
 * the run's clock. The first active waiver that covers a finding waives it; if only expired ones
 * cover it, the finding stays a violation and says which waiver lapsed.
 */
export function applyWaivers(findings: readonly Finding[], waivers: readonly Waiver[], now: Date): Finding[] {
  if (waivers.length === 0) return [...findings];
  return findings.map((finding) => {
    const covering = waivers.filter((waiver) => waiverCovers(waiver, finding));
    const active = covering.find((waiver) => isActive(waiver, now));
    if (active)
      return { ...finding, waived: true, waiver: { reason: active.reason, expires: active.expires } };
    const lapsed = covering.reduce<Waiver | undefined>(
      (latest, waiver) => (latest === undefined || waiver.lastValidMs > latest.lastValidMs ? waiver : latest),
      undefined,
    );
    return lapsed
      ? { ...finding, expiredWaiver: { reason: lapsed.reason, expires: lapsed.expires } }
      : finding;
  });
}

/** Report notices: waivers that lapse within 14 days, so someone renews or fixes in time. */
export function waiverNotices(policy: Policy, now: Date): string[] {
  return policy.waivers
    .filter((waiver) => isActive(waiver, now) && waiver.lastValidMs - now.getTime() < NOTICE_WINDOW_MS)
    .map((waiver) => {
      const days = Math.ceil((waiver.lastValidMs - now.getTime()) / (24 * 3600 * 1000));
      return `${waiver.label} (${waiver.rule}) expires ${waiver.expires}, in ${days} day${days === 1 ? '' : 's'}: "${waiver.reason}"`;
    });
}
