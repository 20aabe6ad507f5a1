/** What the bench's parent process and its child processes share. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../shared/package-root';

/** The repository root, found from the running bundle (dist/bench/*.js). */
export const ROOT = packageRoot();
export const BENCH_DIST = join(ROOT, 'dist', 'bench');
export const EXAMPLE_POLICY = join(ROOT, 'examples', 'policy.yaml');

/** Keys the emulators know; they open nothing outside this machine. */
export const BENCH_CREDENTIALS = {
  accessKeyId: 'bench-access-key-id',
  accessKeySecret: 'bench-access-key-secret',
};

/** The fleet's regions: four, as in issue #5. */
export const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen'] as const;

/** What our client asks per ListClusters page (the documented maximum, shared/ehpc/pop-client.ts). */
export const PAGE_SIZE = 50;

interface ChildFleet {
  endpoints: Record<string, string>;
  regions: string[];
  policyFile: string;
}

/** The production path: createEhpcClient + createRegionPacer(qps) + runFleetAudit. */
export interface AuditChildInput extends ChildFleet {
  mode: 'audit';
  qps: number;
  concurrency: number;
}

/** The same modules loaded and set up, the policy read, but nothing audited. */
export interface BaselineChildInput extends ChildFleet {
  mode: 'baseline';
  qps: number;
  concurrency: number;
}

/** A plain sequential loop with pop-core's RPCClient over the first `perRegion` clusters of each region. */
export interface NaiveChildInput extends ChildFleet {
  mode: 'naive';
  perRegion: number;
}

export type ChildInput = AuditChildInput | BaselineChildInput | NaiveChildInput;

export interface ChildOutput {
  mode: ChildInput['mode'];
  /** Time of the audit (or loop) alone, excluding process start and module loading. */
  wallMs: number;
  /** process.resourceUsage().maxRSS at the end: peak resident set, in KB. */
  maxRssKb: number;
  clusters: number;
  /** Clusters whose read failed (after the client's retries). */
  errors: number;
  complete: boolean;
  /** Gateway configurations evaluated. */
  evaluated: number;
  /** The child's event-loop delay during the audit (p99, max), in ms; `audit` mode only. */
  loopDelayMs?: { p99: number; max: number };
}

/** The environment variable a child reads its input from. */
export const CHILD_INPUT_VAR = 'IMAGEGW_BENCH_INPUT';

/** Runs `node <script>` with the input, waiting without blocking this process (it may serve an emulator). */
export function runNode(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ stdout: Buffer.concat(chunks).toString('utf8'), code }));
  });
}

export async function runChild(input: ChildInput): Promise<ChildOutput> {
  const { stdout, code } = await runNode(join(BENCH_DIST, 'fleet-child.js'), [], {
    [CHILD_INPUT_VAR]: JSON.stringify(input),
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    throw new Error(`bench child (${input.mode}) failed with exit code ${code}: ${stdout.slice(-2000)}`);
  }
  return JSON.parse(last) as ChildOutput;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
