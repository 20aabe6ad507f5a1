import { type AuditProgress, runFleetAudit } from '../../shared/audit/run';
import type { Report } from '../../shared/audit/types';
import { realClock } from '../../shared/clock';
import {
  ConfigError,
  type Credentials,
  checkEndpointRegions,
  credentialsFromEnv,
  type Env,
  parseEndpoints,
  parseRegions,
} from '../../shared/config';
import { createEhpcClient } from '../../shared/ehpc/pop-client';
import { loadChannelsFile } from '../../shared/notify/channels-file';
import { notifyAndRecord } from '../../shared/notify/notify-report';
import { createRegionPacer, DEFAULT_QPS } from '../../shared/pace/region-pacer';
import { baselinePolicy, loadPolicyFile } from '../../shared/policy/load';
import type { Policy } from '../../shared/policy/policy';
import { readRunHistory } from '../../shared/report/history';
import type { FormatOptions } from '../../shared/report/index';
import { FileStateStore } from '../../shared/state/file-store';
import type { StateStore } from '../../shared/state/store';
import { checkOutPath, emitReport, type ReportOptions, UsageError, writesFormat } from '../output';
import { progressReporter } from '../progress';

/** Where `run --notify` remembers what it told each channel, unless --state or IMAGEGW_STATE_DIR says. */
export const DEFAULT_STATE_DIR = '.imagegw-state';

export interface RunOptions extends ReportOptions {
  regions?: string;
  endpoint?: string;
  clusters?: string;
  concurrency?: number;
  qps?: number;
  notify?: boolean;
  dryRun?: boolean;
  channels?: string;
  state?: string;
  /** Seconds: no new gateway read starts after this much time (clusters not reached are listed). */
  deadline?: number;
}

export interface RunInputs {
  policy: Policy;
  regions: string[];
  endpointFor: (region: string) => string;
  credentials: Credentials;
  clusterIds?: string[];
  /** Present with --notify or --dry-run. */
  notify?: { channelsFile: string; stateDir: string; dryRun: boolean };
}

/** Everything `run` needs from its options and environment, validated before any API call. */
export async function resolveRunInputs(options: RunOptions, env: Env): Promise<RunInputs> {
  const channelsFile = options.channels ?? env.IMAGEGW_CHANNELS_FILE;
  if ((options.notify || options.dryRun) && !channelsFile) {
    throw new UsageError('--notify and --dry-run need --channels FILE (or IMAGEGW_CHANNELS_FILE)');
  }
  const notify =
    (options.notify || options.dryRun) && channelsFile
      ? {
          channelsFile,
          stateDir: options.state ?? env.IMAGEGW_STATE_DIR ?? DEFAULT_STATE_DIR,
          dryRun: options.dryRun === true,
        }
      : undefined;
  if (notify) {
    // Read the channels now: a typo or a missing secret variable must not cost a whole audit.
    await loadChannelsFile(notify.channelsFile, env);
  }
  const regionsText = options.regions ?? env.ALIBABA_CLOUD_REGION_ID;
  if (!regionsText)
    throw new ConfigError('no regions: give --regions cn-hangzhou,… or set ALIBABA_CLOUD_REGION_ID');
  const regions = parseRegions(regionsText, options.regions ? '--regions' : 'ALIBABA_CLOUD_REGION_ID');
  const endpoints = parseEndpoints(options.endpoint, '--endpoint');
  checkEndpointRegions(endpoints, regions, '--endpoint');
  const { endpointFor } = endpoints;
  // The policy first: its mistakes are the user's to fix, and must not hide behind missing keys.
  const policy = options.policy ? await loadPolicyFile(options.policy) : baselinePolicy();
  const credentials = credentialsFromEnv(env);
  const clusterIds = options.clusters
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (options.clusters !== undefined && clusterIds?.length === 0) {
    throw new UsageError('--clusters: give at least one cluster id, e.g. --clusters ehpc-hz-FYUr32xxxx');
  }
  return {
    policy,
    regions,
    endpointFor,
    credentials,
    ...(clusterIds?.length ? { clusterIds } : {}),
    ...(notify ? { notify } : {}),
  };
}

export function auditFleet(
  inputs: RunInputs,
  options: Pick<RunOptions, 'concurrency' | 'now' | 'qps' | 'deadline'>,
  mode: 'run' | 'demo',
  onProgress?: (progress: AuditProgress) => void,
): Promise<Report> {
  const deadline = options.deadline === undefined ? undefined : Date.now() + options.deadline * 1000;
  return runFleetAudit({
    reader: createEhpcClient({
      credentials: inputs.credentials,
      endpointFor: inputs.endpointFor,
      beforeRequest: createRegionPacer(options.qps ?? DEFAULT_QPS, realClock, deadline),
    }),
    ...(deadline === undefined ? {} : { deadline }),
    ...(onProgress ? { onProgress } : {}),
    policy: inputs.policy,
    regions: inputs.regions,
    ...(inputs.clusterIds ? { clusterIds: inputs.clusterIds } : {}),
    concurrency: options.concurrency ?? 4,
    mode,
    ...(options.now ? { now: options.now } : {}),
  });
}

/** The html page's trend: the runs recorded in the state store; a store that cannot be read costs only the trend. */
async function historyFor(store: StateStore): Promise<FormatOptions> {
  try {
    return { history: await readRunHistory(store) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `imagegw-audit: run history not read (${reason}); the page's trend shows this run only\n`,
    );
    return {};
  }
}

export async function runCommand(options: RunOptions, env: Env): Promise<number> {
  checkOutPath(options.out);
  const inputs = await resolveRunInputs(options, env);
  const audited = await auditFleet(inputs, options, 'run', progressReporter());
  const store = inputs.notify ? new FileStateStore(inputs.notify.stateDir) : undefined;
  const report =
    inputs.notify && store
      ? await notifyAndRecord(
          audited,
          { channelsFile: inputs.notify.channelsFile, store, env },
          // A bound for the CLI too: what is not delivered in 10 minutes waits for the next run.
          { dryRun: inputs.notify.dryRun, deadline: Date.now() + 10 * 60 * 1000 },
        )
      : audited;
  // Only a state store in use has a history; read it only for the page that shows it.
  const formatOptions = store && writesFormat(options, 'html') ? await historyFor(store) : {};
  return emitReport(report, options, formatOptions);
}
