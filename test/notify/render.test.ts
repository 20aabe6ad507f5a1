import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/audit/types';
import type { ChannelDigest } from '../../shared/notify/digest';
import { renderDigest } from '../../shared/notify/render';

const hostile: Finding = {
  fingerprint: 'abcdef0123456789abcdef0123456789',
  clusterId: 'ehpc-hz-<!channel>@all',
  region: 'cn-hangzhou',
  ruleId: 'custom.x',
  severity: 'high',
  field: 'Locations.LocationInfo[0].URL',
  message: 'see [here](http://evil.example) *now*\nsecond line',
  waived: false,
};

const digest: ChannelDigest = {
  channel: 'ops',
  runId: 'r1',
  kind: 'changes',
  complete: true,
  unreadable: [],
  unlisted: [],
  incompleteReasons: [],
  newFindings: [hostile],
  resolved: [],
  stillOpen: [],
  expiringWaivers: [],
};

describe('renderDigest', () => {
  it('ends every markdown line with a hard break, so DingTalk keeps the lines apart', () => {
    const lines = renderDigest(digest, 'markdown').sections.flat();
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((line) => line.endsWith('  '))).toBe(true);
    expect(
      renderDigest(digest, 'slack-mrkdwn')
        .sections.flat()
        .some((line) => line.endsWith('  ')),
    ).toBe(false);
  });

  it('neutralises markup and mentions in untrusted values, and keeps each finding on one line', () => {
    const markdown = renderDigest(digest, 'markdown').sections.flat().join('\n');
    expect(markdown).not.toContain('[here](http');
    expect(markdown).not.toMatch(/@all\b/);
    expect(markdown).toContain('\\[here\\]');
    const slack = renderDigest(digest, 'slack-mrkdwn').sections.flat().join('\n');
    expect(slack).not.toContain('<!channel>');
    expect(slack).toContain('&lt;!channel&gt;');
    const findingLines = slack.split('\n').filter((line) => line.includes('custom.x'));
    expect(findingLines).toHaveLength(1);
    expect(findingLines[0]).toContain('second line');
  });
});
