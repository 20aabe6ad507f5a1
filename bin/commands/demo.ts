import { join } from 'node:path';
import { postRunSummary } from '../../shared/notify/summary-webhook';
import { packageRoot } from '../../shared/package-root';
import { loadPolicyFile } from '../../shared/policy/load';
import { loadFleetFixture } from '../../test/emulator/ehpc/fleet';
import { startEhpcEmulator } from '../../test/emulator/ehpc/server';
import { startWebhookSink } from '../../test/emulator/webhook-sink';
import { emitReport, type ReportOptions } from '../output';
import { auditFleet } from './run';

/** Credentials the demo's emulator knows; they open nothing outside this process. */
const DEMO_CREDENTIALS = { accessKeyId: 'demo-access-key-id', accessKeySecret: 'demo-access-key-secret' };

/**
 * Starts the embedded E-HPC emulator with the demo fleet and a local webhook sink, audits the
 * fleet through the real client over HTTP, posts the run summary, and prints both. The emulator
 * clamps page sizes to 5, as a server may, so the listing visibly spans several pages.
 */
export async function demoCommand(options: Omit<ReportOptions, 'failOn'>): Promise<number> {
  const root = packageRoot();
  const { regions: fleet } = await loadFleetFixture(join(root, 'test', 'fixtures', 'fleet', 'demo.json'));
  const emulator = await startEhpcEmulator({
    regions: fleet,
    credentials: [DEMO_CREDENTIALS],
    pageSize: { max: 5, outOfRange: 'clamp' },
  });
  const sink = await startWebhookSink();
  try {
    const policy = await loadPolicyFile(options.policy ?? join(root, 'examples', 'policy.yaml'));
    const regions = Object.keys(emulator.endpoints);
    const report = await auditFleet(
      {
        policy,
        regions,
        credentials: DEMO_CREDENTIALS,
        endpointFor: (region) => emulator.endpoints[region] ?? 'http://127.0.0.1:9',
      },
      {},
      'demo',
    );
    await emitReport(report, { ...options, failOn: 'low', ...(options.format ? {} : { format: 'table' }) });
    const delivery = await postRunSummary(sink.url, report);
    const listCalls = emulator.requests.filter((request) => request.action === 'ListClusters').length;
    process.stdout.write(
      `\nThe E-HPC emulator served ${emulator.requests.length} signed requests (${listCalls} ListClusters pages).\n` +
        `Run summary delivered to the local webhook sink (${sink.url}): ${delivery.delivered ? 'yes' : delivery.error}\n`,
    );
    for (const post of sink.received)
      process.stdout.write(`${JSON.stringify(JSON.parse(post.body), null, 2)}\n`);
    return 0;
  } finally {
    await Promise.all([emulator.close(), sink.close()]);
  }
}
