import { z } from 'zod';

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
      throw new ConfigError(`${source}: "${region}" is not a region id (e.g. cn-hangzhou)`);
  }
  return [...new Set(regions)];
}

/**
 * An E-HPC endpoint setting: one URL for every region (a VPC endpoint, an emulator), or
 * `region=URL` pairs separated by commas. Without one, each region uses its public endpoint.
 */
export function parseEndpoints(text: string | undefined, source: string): (region: string) => string {
  const fallback = (region: string) => `https://ehpc.${region}.aliyuncs.com`;
  if (!text?.trim()) return fallback;
  const checkUrl = (url: string) => {
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError(`${source}: "${url}" is not an http(s) URL`);
    return url.replace(/\/+$/, '');
  };
  if (!text.includes('=')) {
    const url = checkUrl(text.trim());
    return () => url;
  }
  const byRegion = new Map<string, string>();
  for (const pair of text.split(',')) {
    const [region, url] = pair.split(/=(.*)/s).map((part) => part.trim());
    if (!region || !url) throw new ConfigError(`${source}: "${pair}" is not region=URL`);
    byRegion.set(region, checkUrl(url));
  }
  return (region) => byRegion.get(region) ?? fallback(region);
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
  IMAGEGW_CONCURRENCY: z
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
  apiTokens: string[];
  concurrency: number;
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
  if (webhookUrl && !/^https?:\/\//.test(webhookUrl))
    throw new ConfigError('IMAGEGW_WEBHOOK_URL: not an http(s) URL');
  return {
    regions: parseRegions(regionsText, vars.IMAGEGW_REGIONS ? 'IMAGEGW_REGIONS' : 'the function region'),
    endpointFor: parseEndpoints(vars.IMAGEGW_ENDPOINT, 'IMAGEGW_ENDPOINT'),
    policy: vars.IMAGEGW_POLICY?.trim()
      ? { text: vars.IMAGEGW_POLICY }
      : vars.IMAGEGW_POLICY_FILE?.trim()
        ? { file: vars.IMAGEGW_POLICY_FILE.trim() }
        : undefined,
    ...(webhookUrl ? { webhookUrl } : {}),
    apiTokens: (vars.IMAGEGW_API_TOKENS ?? '')
      .split(',')
      .map((token) => token.trim())
      .filter(Boolean),
    concurrency: vars.IMAGEGW_CONCURRENCY ? Number(vars.IMAGEGW_CONCURRENCY) : 4,
  };
}
