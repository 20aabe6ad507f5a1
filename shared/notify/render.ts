import type { Finding } from '../audit/types';
import type { ChannelDriver } from './channel';
import type { ChannelDigest } from './digest';

type Flavour = ChannelDriver['flavour'];

/**
 * Values from configurations and cluster ids are untrusted: they must not open markup, mention
 * everyone, or break a line. Each flavour escapes what its renderer would interpret.
 */
export function escapeText(text: string, flavour: Flavour): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (flavour === 'slack-mrkdwn')
    return oneLine.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (flavour === 'markdown') return oneLine.replace(/([\\`*_[\]<>#|~])/g, '\\$1').replace(/@/g, '@\u200b');
  return oneLine;
}

function bold(text: string, flavour: Flavour): string {
  if (flavour === 'markdown') return `**${text}**`;
  if (flavour === 'slack-mrkdwn') return `*${text}*`;
  return text;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function groupByCluster<T extends { clusterId: string; region: string }>(
  items: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.clusterId.localeCompare(b.clusterId))) {
    const key = `${item.clusterId}\u0000${item.region}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

function findingLine(finding: Finding, flavour: Flavour): string {
  const e = (text: string) => escapeText(text, flavour);
  // Each line names its cluster: a digest split into parts must not leave a line without context.
  return `- [${finding.severity.toUpperCase()}] ${e(finding.clusterId)} · ${e(finding.ruleId)} · ${e(finding.field)}: ${e(finding.message)} (${finding.fingerprint.slice(0, 8)})`;
}

export interface RenderedDigest {
  title: string;
  /** Groups of lines; a part breaks between sections where it can (one section per cluster). */
  sections: string[][];
}

/** The digest as text for one service: status, then New by cluster, Resolved, still open, waivers, link. */
export function renderDigest(digest: ChannelDigest, flavour: Flavour): RenderedDigest {
  const e = (text: string) => escapeText(text, flavour);
  const summary =
    digest.kind === 'reminder'
      ? `reminder: ${plural(digest.stillOpen.length, 'finding')} still open`
      : `${digest.newFindings.length} new, ${digest.resolved.length} resolved, ${digest.stillOpen.length} still open`;
  const title = `imagegw-audit: ${summary}`;
  const status = digest.complete
    ? `Run ${e(digest.runId)}: complete`
    : `Run ${e(digest.runId)}: ${bold('INCOMPLETE', flavour)}${digest.unreadable.length ? ` (${plural(digest.unreadable.length, 'cluster')} could not be read)` : ''}`;
  const sections: string[][] = [[bold(title, flavour), status]];
  if (digest.unlisted.length > 0) {
    sections.push([
      bold('Regions that could not be listed (their clusters were not audited)', flavour),
      ...digest.unlisted.map((region) => `- ${e(region.region)}: ${e(region.code)}`),
    ]);
  }
  if (digest.unreadable.length > 0) {
    sections.push([
      bold('Could not be read', flavour),
      ...digest.unreadable.map(
        (cluster) => `- ${e(cluster.clusterId)} (${e(cluster.region)}): ${e(cluster.code)}`,
      ),
    ]);
  }
  if (digest.newFindings.length > 0) {
    sections.push([bold(`New (${digest.newFindings.length})`, flavour)]);
    for (const findings of groupByCluster(digest.newFindings).values()) {
      const [first] = findings;
      if (!first) continue;
      sections.push([
        bold(`${e(first.clusterId)} (${e(first.region)})`, flavour),
        ...findings.map((finding) => findingLine(finding, flavour)),
      ]);
    }
  }
  if (digest.resolved.length > 0) {
    const resolved = digest.resolved.map((item) => ({
      ...item,
      clusterId: item.finding.clusterId,
      region: item.finding.region,
    }));
    sections.push([bold(`Resolved (${digest.resolved.length})`, flavour)]);
    for (const items of groupByCluster(resolved).values()) {
      const [first] = items;
      if (!first) continue;
      sections.push([
        bold(`${e(first.clusterId)} (${e(first.region)})`, flavour),
        ...items.map(
          (item) =>
            `- ${e(item.finding.clusterId)} · ${e(item.finding.ruleId)} · ${e(item.finding.field)}: ${item.reason} (${item.fingerprint.slice(0, 8)})`,
        ),
      ]);
    }
  }
  if (digest.kind === 'reminder') {
    sections.push([bold(`Still open (${digest.stillOpen.length})`, flavour)]);
    for (const findings of groupByCluster(digest.stillOpen).values()) {
      const [first] = findings;
      if (first)
        sections.push([
          bold(`${e(first.clusterId)} (${e(first.region)})`, flavour),
          ...findings.map((finding) => findingLine(finding, flavour)),
        ]);
    }
  } else if (digest.stillOpen.length > 0) {
    sections.push([`Still open: ${plural(digest.stillOpen.length, 'finding')} already reported`]);
  }
  if (digest.expiringWaivers.length > 0) {
    sections.push([
      bold('Waivers expiring soon', flavour),
      ...digest.expiringWaivers.map((notice) => `- ${e(notice)}`),
    ]);
  }
  // Validated as an http(s) URL without spaces or angle brackets when the channels file is read.
  if (digest.reportUrl) sections.push([`Report: ${digest.reportUrl}`]);
  // DingTalk's markdown joins single newlines into one paragraph unless a line ends in two spaces
  // (a markdown hard break, which WeCom and Feishu cards honour too); lists break on their own.
  const lines =
    flavour === 'markdown' ? sections.map((section) => section.map((line) => `${line}  `)) : sections;
  return { title, sections: lines };
}
