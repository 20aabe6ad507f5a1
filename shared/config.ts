import { z } from 'zod';
import type { StateLocation } from './state/open-store';
import { oneLine } from './text';

/**
 * The one reader of environment variables. Every entry point passes its own `env` (tests pass
 * theirs), and gets a validated, typed configuration or a one-line error naming the variable.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export function parseRegions(text: string, source: string): string[] {
  const regions = text
    .split(',')
    .map((region) => region.trim())
    .filter(Boolean);
  if (regions.length === 0) throw new ConfigError(`${source}: give at least one region id, e.g. cn-hangzhou`);
  for (const region of regions) {
    if (!REGION.test(region))
      throw new ConfigError(`${source}: "${oneLine(region, 60)}" is not a region id (e.g. cn-hangzhou)`);
  }
  return [...new Set(regions)];
}

/**
 * One endpoint URL, checked strictly before any request is signed: pop-core appends the signed
 * query (key id, token, signature) to it, and Node prints a URL it cannot parse in a warning, so
 * a malformed endpoint would put secrets on stderr. Nothing of the given text is echoed back
 * beyond its scheme and host, since it may itself hold a password.
 */
export function checkEndpointUrl(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const shape = 'give an endpoint such as https://ehpc-vpc.cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000';
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new ConfigError(`${source}: not an http(s) URL; ${shape}`);
  }
  if (url.username || url.password || text.slice(0, text.indexOf(url.host) + 1).includes('@')) {
    throw new ConfigError(
      `${source}: an endpoint must not carry user info; credentials come from the environment`,
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(
      `${source}: ${url.protocol}//${url.host} must be given without a path, query or fragment`,
    );
  }
  return `${url.protocol}//${url.host}`;
}

export interface Endpoints {
  endpointFor: (region: string) => string;
  /** Regions named by `region=URL` pairs; a caller checks them against the audited regions. */
  namedRegions: string[];
}

/**
 * An E-HPC endpoint setting: one URL for every region (a VPC endpoint, an emulator), or
 * `region=URL` pairs separated by commas. Without one, each region uses its public endpoint.
 */
export function parseEndpoints(text: string | undefined, source: string): Endpoints {
  const publicEndpoint = (region: string) => `https://ehpc.${region}.aliyuncs.com`;
  if (!text?.trim()) return { endpointFor: publicEndpoint, namedRegions: [] };
  const pairs = text.split(',').map((part) => part.trim());
  // Pairs start with a region id; a URL starts with a scheme. Decide on that, not on "=", which
  // a URL (or a password in one) may contain.
  if (!pairs.every((pair) => /^[a-z]{2,}(-[a-z0-9]+)+=/.test(pair))) {
    if (pairs.length > 1)
      throw new ConfigError(`${source}: give one URL, or region=URL pairs separated by commas`);
    const url = checkEndpointUrl(text.trim(), source);
    return { endpointFor: () => url, namedRegions: [] };
  }
  const byRegion = new Map<string, string>();
  for (const pair of pairs) {
    const split = pair.indexOf('=');
    const region = pair.slice(0, split);
    if (byRegion.has(region)) throw new ConfigError(`${source}: ${region} is given twice`);
    byRegion.set(region, checkEndpointUrl(pair.slice(split + 1), `${source} (${region})`));
  }
  return {
    endpointFor: (region) => byRegion.get(region) ?? publicEndpoint(region),
    namedRegions: [...byRegion.keys()],
  };
}

/** A `region=URL` pair for a region that is not audited is a typo that would send calls elsewhere. */
export function checkEndpointRegions(endpoints: Endpoints, regions: readonly string[], source: string): void {
  const unknown = endpoints.namedRegions.filter((region) => !regions.includes(region));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${source}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the audited regions (${regions.join(', ')})`,
    );
  }
}

/** A webhook URL is a credential (its path or query holds the token): checked, never echoed. */
export function checkWebhookUrl(text: string, source: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${source}: not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${source}: not an http(s) URL`);
  if (url.username || url.password) throw new ConfigError(`${source}: must not carry user info`);
}

/** Static keys for the CLI: from the standard Alibaba Cloud variables. */
export function credentialsFromEnv(env: Env): Credentials {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET?.trim();
  const missing = [
    ...(accessKeyId ? [] : ['ALIBABA_CLOUD_ACCESS_KEY_ID']),
    ...(accessKeySecret ? [] : ['ALIBABA_CLOUD_ACCESS_KEY_SECRET']),
  ];
  if (!accessKeyId || !accessKeySecret) {
    throw new ConfigError(
      `missing credentials: set ${missing.join(' and ')} (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys)`,
    );
  }
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim();
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

const functionEnvSchema = z.object({
  IMAGEGW_REGIONS: z.string().optional(),
  IMAGEGW_ENDPOINT: z.string().optional(),
  IMAGEGW_POLICY: z.string().optional(),
  IMAGEGW_POLICY_FILE: z.string().optional(),
  IMAGEGW_WEBHOOK_URL: z.string().optional(),
  IMAGEGW_API_TOKENS: z.string().optional(),
  IMAGEGW_CHANNELS_FILE: z.string().optional(),
  IMAGEGW_QPS: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'a whole number from 1 to 9999')
    .optional(),
  IMAGEGW_STATE_DIR: z.string().optional(),
  IMAGEGW_STATE_OSS_BUCKET: z.string().optional(),
  IMAGEGW_STATE_OSS_REGION: z.string().optional(),
  IMAGEGW_STATE_OSS_PREFIX: z.string().optional(),
  IMAGEGW_STATE_OSS_ENDPOINT: z.string().optional(),
  IMAGEGW_CONCURRENCY: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'a whole number from 1 to 9999')
    .optional(),
  IMAGEGW_CALLER_BUDGET: z
    .string()
    .regex(/^[1-9]\d{0,5}$/, 'a positive whole number (audits per caller per 10 minutes)')
    .optional(),
  IMAGEGW_WORKER_FUNCTION: z.string().optional(),
  IMAGEGW_WORKER_SERVICE: z.string().optional(),
  IMAGEGW_WORKER_QUALIFIER: z.string().optional(),
  IMAGEGW_FC_ENDPOINT: z.string().optional(),
  IMAGEGW_CHAT_ALLOW_LOOPBACK: z
    .enum(['0', '1'], { error: 'give 1 to allow, 0 or nothing to refuse' })
    .optional(),
  IMAGEGW_SHARD_SIZE: z
    .string()
    .regex(/^[1-9]\d*$/, 'a positive whole number')
    .optional(),
  FC_REGION: z.string().optional(),
  ALIBABA_CLOUD_REGION_ID: z.string().optional(),
});

export interface FunctionConfig {
  regions: string[];
  endpointFor: (region: string) => string;
  /** Inline policy text, a policy file path, or neither (the built-in baseline). */
  policy: { text: string } | { file: string } | undefined;
  webhookUrl?: string;
  /** Chat channels file (relative paths resolve against the bundle's folder). */
  channelsFile?: string;
  /** E-HPC requests per second per region. */
  qps: number;
  /**
   * Memory between runs (notifications, leases, fanned-out shards): an OSS bucket prefix in
   * production, else a directory — on FC the instance's /tmp, which does not outlive the instance.
   */
  state: StateLocation;
  apiTokens: string[];
  concurrency: number;
  /** On-demand audits (`/audit`, chat) one caller may start per 10 minutes. */
  callerBudget: number;
  /** IMAGEGW_FC_ENDPOINT: the FC API endpoint for invoking the worker or this function (emulators). */
  fcEndpoint?: string;
  /** IMAGEGW_CHAT_ALLOW_LOOPBACK=1: chat replies may go to loopback URLs (local emulators, `serve`). */
  chatAllowLoopback: boolean;
  /** Set when IMAGEGW_WORKER_FUNCTION is: runs listing more than `shardSize` clusters fan out. */
  fanOut?: FanOutConfig;
  /** Why fan-out was asked for but is off (no shared state): the runs' notices say so. */
  fanOutOff?: string;
}

export interface FanOutConfig {
  shardSize: number;
  /** Unset: an FC 3.0 function (what s.yaml deploys); set: an FC 2.0 service (docs/decisions/0001). */
  service?: string;
  functionName: string;
  qualifier: string;
  /** Overrides `https://<account>.<region>.fc.aliyuncs.com`: an internal endpoint or the FC emulator. */
  endpoint?: string;
}

/**
 * The audit API's bearer tokens (comma-separated, two while rotating). Read on its own and never
 * throwing, so that a request is authenticated before anything else of the configuration — and
 * its possible errors — is looked at.
 */
export function apiTokensFromEnv(env: Env): string[] {
  return (env.IMAGEGW_API_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

/** Configuration of the Function Compute functions; `fcRegion` is the function's own region. */
export function functionConfig(env: Env, fcRegion?: string): FunctionConfig {
  const parsed = functionEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`);
  }
  const vars = parsed.data;
  const regionsText = vars.IMAGEGW_REGIONS ?? fcRegion ?? vars.FC_REGION ?? vars.ALIBABA_CLOUD_REGION_ID;
  if (!regionsText)
    throw new ConfigError(
      'IMAGEGW_REGIONS is not set: give the regions to audit, e.g. cn-hangzhou,cn-shanghai',
    );
  const webhookUrl = vars.IMAGEGW_WEBHOOK_URL?.trim();
  if (webhookUrl) checkWebhookUrl(webhookUrl, 'IMAGEGW_WEBHOOK_URL');
  const regions = parseRegions(regionsText, vars.IMAGEGW_REGIONS ? 'IMAGEGW_REGIONS' : 'the function region');
  const endpoints = parseEndpoints(vars.IMAGEGW_ENDPOINT, 'IMAGEGW_ENDPOINT');
  checkEndpointRegions(endpoints, regions, 'IMAGEGW_ENDPOINT');
  return {
    regions,
    endpointFor: endpoints.endpointFor,
    policy: vars.IMAGEGW_POLICY?.trim()
      ? { text: vars.IMAGEGW_POLICY }
      : vars.IMAGEGW_POLICY_FILE?.trim()
        ? { file: vars.IMAGEGW_POLICY_FILE.trim() }
        : undefined,
    ...(webhookUrl ? { webhookUrl } : {}),
    apiTokens: apiTokensFromEnv(env),
    concurrency: vars.IMAGEGW_CONCURRENCY ? Number(vars.IMAGEGW_CONCURRENCY) : 4,
    ...(vars.IMAGEGW_CHANNELS_FILE?.trim() ? { channelsFile: vars.IMAGEGW_CHANNELS_FILE.trim() } : {}),
    state: stateLocation(vars, fcRegion),
    callerBudget: vars.IMAGEGW_CALLER_BUDGET ? Number(vars.IMAGEGW_CALLER_BUDGET) : 10,
    ...(vars.IMAGEGW_FC_ENDPOINT?.trim()
      ? { fcEndpoint: checkEndpointUrl(vars.IMAGEGW_FC_ENDPOINT.trim(), 'IMAGEGW_FC_ENDPOINT') }
      : {}),
    chatAllowLoopback: vars.IMAGEGW_CHAT_ALLOW_LOOPBACK === '1',
    ...fanOutConfig(vars),
    qps: vars.IMAGEGW_QPS ? Number(vars.IMAGEGW_QPS) : 10,
  };
}

/** OSS bucket names: 3-63 lower-case letters, digits and hyphens, starting and ending alphanumeric. */
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const DEFAULT_STATE_PREFIX = 'imagegw-auditor';

/**
 * IMAGEGW_STATE_OSS_BUCKET selects the OSS store (in IMAGEGW_STATE_OSS_REGION, else the function's
 * own region); else IMAGEGW_STATE_DIR; else the instance's /tmp. Both set is refused rather than
 * one silently ignored.
 */
function stateLocation(vars: z.infer<typeof functionEnvSchema>, fcRegion: string | undefined): StateLocation {
  const bucket = vars.IMAGEGW_STATE_OSS_BUCKET?.trim();
  const dir = vars.IMAGEGW_STATE_DIR?.trim();
  if (!bucket) {
    for (const name of [
      'IMAGEGW_STATE_OSS_REGION',
      'IMAGEGW_STATE_OSS_PREFIX',
      'IMAGEGW_STATE_OSS_ENDPOINT',
    ] as const) {
      if (vars[name]?.trim())
        throw new ConfigError(`${name} is set but IMAGEGW_STATE_OSS_BUCKET is not: name the bucket`);
    }
    return { kind: 'file', dir: dir || '/tmp/imagegw-state' };
  }
  if (dir) throw new ConfigError('IMAGEGW_STATE_DIR and IMAGEGW_STATE_OSS_BUCKET are both set: keep one');
  if (!BUCKET.test(bucket))
    throw new ConfigError(
      'IMAGEGW_STATE_OSS_BUCKET: not an OSS bucket name (3-63 lower-case letters, digits, hyphens)',
    );
  const region =
    vars.IMAGEGW_STATE_OSS_REGION?.trim() ||
    fcRegion ||
    vars.FC_REGION?.trim() ||
    vars.ALIBABA_CLOUD_REGION_ID?.trim();
  if (!region)
    throw new ConfigError("IMAGEGW_STATE_OSS_REGION is not set: give the bucket's region, e.g. cn-hangzhou");
  const bareRegion = region.replace(/^oss-/, '');
  if (!REGION.test(bareRegion))
    throw new ConfigError(`IMAGEGW_STATE_OSS_REGION: "${region}" is not a region id (e.g. cn-hangzhou)`);
  const prefix = (vars.IMAGEGW_STATE_OSS_PREFIX ?? DEFAULT_STATE_PREFIX).trim().replace(/^\/+|\/+$/g, '');
  if (
    prefix !== '' &&
    !prefix
      .split('/')
      .every((segment) => /^[A-Za-z0-9._-]+$/.test(segment) && segment !== '.' && segment !== '..')
  )
    throw new ConfigError(
      'IMAGEGW_STATE_OSS_PREFIX: use /-separated segments of letters, digits, ".", "_" and "-"',
    );
  const endpointText = vars.IMAGEGW_STATE_OSS_ENDPOINT?.trim();
  return {
    kind: 'oss',
    bucket,
    region: bareRegion,
    prefix,
    ...(endpointText ? { endpoint: checkEndpointUrl(endpointText, 'IMAGEGW_STATE_OSS_ENDPOINT') } : {}),
  };
}

const FC_NAME = /^[_a-zA-Z][-_a-zA-Z0-9]{0,127}$/;
const QUALIFIER = /^[A-Za-z0-9_-]{1,128}$/;
/** FC's async payload limit (128 KB) holds about 1,000 targets; shards are also cut by size. */
const MAX_SHARD_SIZE = 1000;
const DEFAULT_SHARD_SIZE = 200;

function fanOutConfig(vars: z.infer<typeof functionEnvSchema>): {
  fanOut?: FanOutConfig;
  fanOutOff?: string;
} {
  const functionName = vars.IMAGEGW_WORKER_FUNCTION?.trim();
  if (!functionName) {
    for (const name of [
      'IMAGEGW_WORKER_SERVICE',
      'IMAGEGW_WORKER_QUALIFIER',
      'IMAGEGW_SHARD_SIZE',
    ] as const) {
      if (vars[name]?.trim())
        throw new ConfigError(`${name} is set but IMAGEGW_WORKER_FUNCTION is not: name the worker function`);
    }
    return {};
  }
  if (!FC_NAME.test(functionName))
    throw new ConfigError(
      'IMAGEGW_WORKER_FUNCTION: not a function name (letters, digits, "_" and "-", starting with a letter or "_")',
    );
  const service = vars.IMAGEGW_WORKER_SERVICE?.trim();
  if (service && !FC_NAME.test(service))
    throw new ConfigError('IMAGEGW_WORKER_SERVICE: not a service name (letters, digits, "_" and "-")');
  const qualifier = vars.IMAGEGW_WORKER_QUALIFIER?.trim() || 'LATEST';
  if (!QUALIFIER.test(qualifier))
    throw new ConfigError('IMAGEGW_WORKER_QUALIFIER: give a version number or an alias name, e.g. LATEST');
  const shardSize = vars.IMAGEGW_SHARD_SIZE ? Number(vars.IMAGEGW_SHARD_SIZE) : DEFAULT_SHARD_SIZE;
  if (shardSize > MAX_SHARD_SIZE)
    throw new ConfigError(
      `IMAGEGW_SHARD_SIZE: at most ${MAX_SHARD_SIZE} (one shard travels in one FC event)`,
    );
  // Workers run on other instances: a store in one instance's /tmp would never see their shards.
  // Then the run is audited in one invocation, and says why in its notices, rather than fail every
  // night for a setting that only matters to large fleets.
  if (!vars.IMAGEGW_STATE_OSS_BUCKET?.trim() && !vars.IMAGEGW_STATE_DIR?.trim()) {
    return {
      fanOutOff:
        'fan-out is off: IMAGEGW_WORKER_FUNCTION needs state that every instance shares; set IMAGEGW_STATE_OSS_BUCKET (or IMAGEGW_STATE_DIR on a shared NAS mount)',
    };
  }
  const endpoint = vars.IMAGEGW_FC_ENDPOINT?.trim();
  return {
    fanOut: {
      shardSize,
      ...(service ? { service } : {}),
      functionName,
      qualifier,
      ...(endpoint ? { endpoint: checkEndpointUrl(endpoint, 'IMAGEGW_FC_ENDPOINT') } : {}),
    },
  };
}
