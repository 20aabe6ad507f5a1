import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from '../../shared/notify/channel';
import { notifyRun } from '../../shared/notify/deliver';
import { postRunSummary } from '../../shared/notify/summary-webhook';
import { packageRoot } from '../../shared/package-root';
import { loadPolicyFile } from '../../shared/policy/load';
import { FileStateStore } from '../../shared/state/file-store';
import { startChatEmulator } from '../../test/emulator/chat/server';
import { loadFleetFixture } from '../../test/emulator/ehpc/fleet';
import { startEhpcEmulator } from '../../test/emulator/ehpc/server';
import { startWebhookSink } from '../../test/emulator/webhook-sink';
import { emitReport, type ReportOptions } from '../output';
import { auditFleet } from './run';

/** Credentials the demo's emulator knows; they open nothing outside this process. */
const DEMO_CREDENTIALS = { accessKeyId: 'demo-access-key-id', accessKeySecret: 'demo-access-key-secret' };

/**
 * The demo fleet's configurations are dated 2026-11-20; they are judged as of 2026-12-03, the day
 * the fleet was recorded, so the demo shows the same findings whatever the calendar says.
 */
const DEMO_NOW = new Date('2026-12-03T00:00:00Z');

/**
 * Starts the embedded E-HPC emulator with the demo fleet, a DingTalk emulator (signed robot) and a
 * local webhook sink; audits the fleet through the real client over HTTP; delivers the digest to
 * the DingTalk robot and the run summary to the sink; prints the report and what was delivered.
 * The E-HPC emulator clamps page sizes to 5, as a server may, so the listing spans several pages.
 */
export async function demoCommand(options: Omit<ReportOptions, 'failOn'>): Promise<number> {
  const root = packageRoot();
  const { regions: fleet } = await loadFleetFixture(join(root, 'test', 'fixtures', 'fleet', 'demo.json'));
  const emulator = await startEhpcEmulator({
    regions: fleet,
    credentials: [DEMO_CREDENTIALS],
    pageSize: { max: 5, outOfRange: 'clamp' },
  });
  const chat = await startChatEmulator();
  const sink = await startWebhookSink();
  const stateDir = await mkdtemp(join(tmpdir(), 'imagegw-demo-state-'));
  try {
    const policy = await loadPolicyFile(options.policy ?? join(root, 'examples', 'policy.yaml'));
    const regions = Object.keys(emulator.endpoints);
    const robotSecret = 'SECdemo-robot-signing-secret';
    const robot = chat.addDingtalk({ secret: robotSecret });
    const channels: Channel[] = [
      {
        name: 'ops',
        type: 'dingtalk',
        url: robot.url,
        secret: robotSecret,
        minSeverity: 'low',
        remindEvery: 86_400,
      },
    ];
    const audited = await auditFleet(
      {
        policy,
        regions,
        credentials: DEMO_CREDENTIALS,
        endpointFor: (region) => emulator.endpoints[region] ?? 'http://127.0.0.1:9',
      },
      { now: DEMO_NOW },
      'demo',
    );
    const notified = await notifyRun(audited, channels, { store: new FileStateStore(stateDir) });
    const report = {
      ...audited,
      notifications: {
        queued: notified.queued,
        delivered: notified.delivered,
        undelivered: notified.undelivered,
      },
    };
    await emitReport(report, { ...options, failOn: 'low', ...(options.format ? {} : { format: 'table' }) });
    const delivery = await postRunSummary(sink.url, report);
    const listCalls = emulator.requests.filter((request) => request.action === 'ListClusters').length;
    // The story of the demo follows a table on stdout; after a machine-readable report it goes to
    // stderr, so `demo --format json | jq` gets the report alone.
    const tableOnStdout = (options.format ?? 'table') === 'table';
    const out = (text: string) => (tableOnStdout ? process.stdout : process.stderr).write(`${text}\n`);
    out('');
    out(
      `The E-HPC emulator served ${emulator.requests.length} signed requests (${listCalls} ListClusters pages).`,
    );
    const messages = chat.delivered(robot.id) as { markdown?: { text?: string } }[];
    out(`The DingTalk robot emulator accepted ${messages.length} signed message(s):`);
    for (const message of messages) out(`\n${message.markdown?.text ?? JSON.stringify(message)}`);
    out(
      `\nRun summary delivered to the local webhook sink (${sink.url}): ${delivery.delivered ? 'yes' : delivery.error}`,
    );
    for (const post of sink.received) out(JSON.stringify(JSON.parse(post.body), null, 2));
    out(
      [
        '',
        'The run is INCOMPLETE on purpose: ehpc-hz-Broken01 answers with an agent error, and an audit that',
        'could not read a cluster never calls it compliant (run and check exit 3 for that; the demo exits 0).',
        'Next: check saved configurations offline, with no account:',
        '  npx imagegw-audit check --policy examples/policy.yaml examples/policy-tests/configs/*.json',
      ].join('\n'),
    );
    return 0;
  } finally {
    await Promise.all([
      emulator.close(),
      chat.close(),
      sink.close(),
      rm(stateDir, { recursive: true, force: true }),
    ]);
  }
}
