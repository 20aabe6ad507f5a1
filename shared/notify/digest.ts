import { type Finding, type Report, severityRank } from '../audit/types';
import type { Channel } from './channel';
import { coverageOf, type FindingMemory, type Resolved, resolutionOf } from './memory';

/** What one channel is told about one run: the changes since it was last told, or a reminder. */
export interface ChannelDigest {
  channel: string;
  runId: string;
  kind: 'changes' | 'reminder';
  complete: boolean;
  /** Clusters this run could not read, with the API's code. */
  unreadable: { clusterId: string; region: string; code: string }[];
  /** Regions whose clusters could not be listed: none of their clusters was audited. */
  unlisted: { region: string; code: string }[];
  incompleteReasons: string[];
  newFindings: Finding[];
  resolved: Resolved[];
  /** Open findings the channel already knows about. */
  stillOpen: Finding[];
  expiringWaivers: string[];
  reportUrl?: string;
}

/** Per-channel memory: when it last got a message, and which clusters it was told were unreadable. */
export interface ChannelMemory {
  lastMessageAt?: string;
  unreadable: string[];
}

export interface DigestPlan {
  digests: ChannelDigest[];
  memory: FindingMemory;
  channelMemory: Record<string, ChannelMemory>;
}

const openForChannel = (finding: Finding, channel: Channel) =>
  !finding.waived && severityRank[finding.severity] >= severityRank[channel.minSeverity];

/**
 * Decides, for every channel, what this run tells it, and returns the memory as it will be once
 * those messages are queued. Pure: the caller persists the result.
 */
export function planDigests(
  report: Report,
  channels: readonly Channel[],
  previous: FindingMemory,
  previousChannels: Record<string, ChannelMemory>,
  now: Date,
  reportUrl?: string,
): DigestPlan {
  const at = now.toISOString();
  const coverage = coverageOf(report);
  const memory: FindingMemory = structuredClone(previous);
  const open = new Map(
    report.findings.filter((finding) => !finding.waived).map((finding) => [finding.fingerprint, finding]),
  );
  for (const [fingerprint, finding] of open) {
    const known = memory[fingerprint];
    memory[fingerprint] = {
      clusterId: finding.clusterId,
      region: finding.region,
      ruleId: finding.ruleId,
      field: finding.field,
      severity: finding.severity,
      message: finding.message,
      firstSeen: known?.firstSeen ?? at,
      lastSeen: at,
      notified: known?.notified ?? {},
    };
  }

  const unreadable = report.clusters
    .filter((cluster) => cluster.status === 'error')
    .map((cluster) => ({
      clusterId: cluster.clusterId,
      region: cluster.region,
      code: cluster.error?.code ?? 'error',
    }));
  const unlisted = (report.regions ?? [])
    .filter((region) => region.error !== undefined)
    .map((region) => ({ region: region.region, code: region.error?.code ?? 'error' }));
  // What the channel was last told could not be read: clusters, and regions that did not list.
  const unreadableIds = [
    ...unreadable.map((cluster) => cluster.clusterId),
    ...unlisted.map((region) => `region:${region.region}`),
  ].sort();
  const channelMemory: Record<string, ChannelMemory> = {};
  const digests: ChannelDigest[] = [];

  for (const channel of channels) {
    const before = previousChannels[channel.name] ?? { unreadable: [] };
    const newFindings: Finding[] = [];
    const stillOpen: Finding[] = [];
    for (const finding of open.values()) {
      if (!openForChannel(finding, channel)) continue;
      const record = memory[finding.fingerprint];
      if (record?.notified[channel.name]) stillOpen.push(finding);
      else {
        newFindings.push(finding);
        if (record) record.notified[channel.name] = at;
      }
    }
    const resolved: Resolved[] = [];
    for (const [fingerprint, record] of Object.entries(memory)) {
      if (!record.notified[channel.name]) continue;
      const stillOpen = open.get(fingerprint);
      if (stillOpen && openForChannel(stillOpen, channel)) continue;
      const reason = stillOpen
        ? "now below this channel's minimum severity"
        : resolutionOf(record, fingerprint, report, coverage);
      if (reason === undefined) continue;
      resolved.push({ fingerprint, finding: { ...record }, reason });
      delete record.notified[channel.name];
    }
    const unreadableChanged = unreadableIds.join(',') !== [...before.unreadable].sort().join(',');
    const changed = newFindings.length > 0 || resolved.length > 0 || unreadableChanged;
    const lastMessage = before.lastMessageAt ? Date.parse(before.lastMessageAt) : undefined;
    const reminderDue =
      stillOpen.length > 0 &&
      (lastMessage === undefined || now.getTime() - lastMessage >= channel.remindEvery * 1000);
    channelMemory[channel.name] = { ...before, unreadable: unreadableIds };
    if (!changed && !reminderDue) continue;
    channelMemory[channel.name] = { lastMessageAt: at, unreadable: unreadableIds };
    digests.push({
      channel: channel.name,
      runId: report.runId,
      kind: changed ? 'changes' : 'reminder',
      complete: report.complete,
      unreadable,
      unlisted,
      incompleteReasons: report.incompleteReasons,
      newFindings,
      resolved,
      stillOpen,
      expiringWaivers: report.notices,
      ...(reportUrl ? { reportUrl } : {}),
    });
  }

  // Channels no longer configured forget what they were told (re-added, they start afresh).
  const configured = new Set(channels.map((channel) => channel.name));
  for (const record of Object.values(memory)) {
    for (const name of Object.keys(record.notified)) if (!configured.has(name)) delete record.notified[name];
  }
  // Forget what is resolved everywhere; keep what this run could not judge.
  for (const [fingerprint, record] of Object.entries(memory)) {
    if (!open.has(fingerprint) && Object.keys(record.notified).length === 0) {
      const reason = resolutionOf(record, fingerprint, report, coverage);
      if (reason !== undefined) delete memory[fingerprint];
    }
  }
  return { digests, memory, channelMemory };
}
