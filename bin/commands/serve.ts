/**
 * `imagegw-audit serve`: the `audit-api` function over plain HTTP on this machine, for development
 * and tests. Each request becomes the FC 3.0 HTTP trigger event it would be (shared/fc/local-server.ts),
 * the way `s local start` does, without Docker; the function's configuration comes from the same
 * options as `run`, turned into the environment variables the deployed function reads
 * (docs/functions.md), and its credentials from the CLI's environment, handed over in each
 * invocation's context as FC hands over the role's.
 */
import { resolve } from 'node:path';
import { MAX_BODY_BYTES } from '../../functions/audit-api/handler';
import { createHandler } from '../../functions/audit-api/index';
import { EXIT } from '../../shared/audit/report';
import {
  ConfigError,
  type Credentials,
  checkEndpointRegions,
  credentialsFromEnv,
  type Env,
  functionConfig,
  parseEndpoints,
  parseRegions,
} from '../../shared/config';
import type { FcContext } from '../../shared/fc/events';
import type { AsyncInvoker } from '../../shared/fc/invoker';
import { type HttpTriggerHandler, newRequestId, startLocalServer } from '../../shared/fc/local-server';
import { loadChannelsFile } from '../../shared/notify/channels-file';
import { DEFAULT_QPS } from '../../shared/pace/region-pacer';
import { loadPolicyFile } from '../../shared/policy/load';
import { redactSecrets } from '../../shared/redact';
import { UsageError } from '../output';
import { DEFAULT_STATE_DIR } from './run';

export const DEFAULT_PORT = 9000;
const DEFAULT_CONCURRENCY = 4;
/** The deployed function's name (s.yaml) and a timeout like its own: on-demand reads stop after 90 s. */
const FUNCTION = { name: 'imagegw-audit-api', timeout: 120 } as const;
const ROUTES = 'GET /audit, GET /report, POST /chat/slack, POST /chat/dingtalk, GET /healthz';

export interface ServeOptions {
  port?: number;
  host?: string;
  regions?: string;
  endpoint?: string;
  policy?: string;
  channels?: string;
  state?: string;
  qps?: number;
  concurrency?: number;
}

export interface ServeDeps {
  /** Where chat replies are posted (tests intercept them); default the global fetch. */
  fetch?: typeof fetch;
  /** One line per call, without a newline; default stderr. */
  log?: (line: string) => void;
}

export interface RunningServe {
  url: string;
  port: number;
  /** Stops accepting; requests in flight and chat audits already started finish first. */
  close(): Promise<void>;
  /** Drops every connection and stops waiting for chat audits. */
  closeNow(): void;
}

/**
 * Variables serve decides from its options (as `run` reads them), whatever the shell holds: the
 * function's configuration, its state (a directory here, never OSS), how it invokes itself (here
 * in-process), and the CLI's keys, which reach the function only through the invocation context.
 */
const DECIDED_VARIABLES = [
  'IMAGEGW_REGIONS',
  'IMAGEGW_ENDPOINT',
  'IMAGEGW_POLICY',
  'IMAGEGW_POLICY_FILE',
  'IMAGEGW_CHANNELS_FILE',
  'IMAGEGW_STATE_DIR',
  'IMAGEGW_STATE_OSS_BUCKET',
  'IMAGEGW_STATE_OSS_REGION',
  'IMAGEGW_STATE_OSS_PREFIX',
  'IMAGEGW_STATE_OSS_ENDPOINT',
  'IMAGEGW_QPS',
  'IMAGEGW_CONCURRENCY',
  'IMAGEGW_SELF_FUNCTION',
  'IMAGEGW_FC_ENDPOINT',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

export interface ServeSetup {
  /** What the handler reads as its environment. */
  env: Record<string, string | undefined>;
  regions: string[];
  credentials: Credentials;
}

/** Checks the options like `run` does (one-line errors, before anything listens) and builds the function's environment. */
export async function serveSetup(options: ServeOptions, env: Env): Promise<ServeSetup> {
  const channelsFile = options.channels ?? env.IMAGEGW_CHANNELS_FILE;
  // Read now, as `run` does: a typo or a missing secret variable shows at start, not at the first request.
  if (channelsFile) await loadChannelsFile(channelsFile, env);
  const regionsText = options.regions ?? env.ALIBABA_CLOUD_REGION_ID;
  if (!regionsText)
    throw new ConfigError('no regions: give --regions cn-hangzhou,… or set ALIBABA_CLOUD_REGION_ID');
  const regions = parseRegions(regionsText, options.regions ? '--regions' : 'ALIBABA_CLOUD_REGION_ID');
  checkEndpointRegions(parseEndpoints(options.endpoint, '--endpoint'), regions, '--endpoint');
  // Loaded here only to check it; the function loads it again on its first request, as in FC.
  if (options.policy) await loadPolicyFile(options.policy);
  const credentials = credentialsFromEnv(env);

  const functionEnv: Record<string, string | undefined> = { ...env };
  for (const name of DECIDED_VARIABLES) delete functionEnv[name];
  Object.assign(functionEnv, {
    IMAGEGW_REGIONS: regions.join(','),
    ...(options.endpoint?.trim() ? { IMAGEGW_ENDPOINT: options.endpoint.trim() } : {}),
    // Absolute: the function resolves a relative path against its bundle, not the working directory.
    ...(options.policy ? { IMAGEGW_POLICY_FILE: resolve(options.policy) } : {}),
    ...(channelsFile ? { IMAGEGW_CHANNELS_FILE: resolve(channelsFile) } : {}),
    IMAGEGW_STATE_DIR: resolve(options.state ?? env.IMAGEGW_STATE_DIR ?? DEFAULT_STATE_DIR),
    IMAGEGW_QPS: String(options.qps ?? DEFAULT_QPS),
    IMAGEGW_CONCURRENCY: String(options.concurrency ?? DEFAULT_CONCURRENCY),
    // Local development: chat replies may go to the emulators on this machine.
    IMAGEGW_CHAT_ALLOW_LOOPBACK: '1',
  });
  // The whole function configuration, checked now (IMAGEGW_CALLER_BUDGET, IMAGEGW_API_TOKENS…):
  // a bad variable fails the start with its name, not every request with a 500.
  functionConfig(functionEnv, regions[0]);
  return { env: functionEnv, regions, credentials };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(bare);
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
};

/** Starts the server; returns once it listens. */
export async function startServe(
  options: ServeOptions,
  env: Env,
  deps: ServeDeps = {},
): Promise<RunningServe> {
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host?.trim() || '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  const setup = await serveSetup(options, env);
  const { credentials } = setup;
  // Values too short to be real keys are left alone: masking them would garble every message.
  const secretValues = [
    credentials.accessKeySecret,
    credentials.securityToken,
    credentials.accessKeyId,
  ].filter((value): value is string => value !== undefined && value.length >= 6);
  const redact = (text: string) =>
    redactSecrets(secretValues.reduce((clean, value) => clean.split(value).join('[redacted]'), text));

  const context = (requestId: string): FcContext => ({
    requestId,
    // A fresh copy per invocation, as FC gives each its own.
    credentials: {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
    },
    function: { ...FUNCTION },
    region: setup.regions[0] ?? '',
    accountId: 'local',
  });

  const handler: HttpTriggerHandler = createHandler({
    env: setup.env,
    baseDir: process.cwd(),
    loadInvoker: async () => invoker,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });

  // Chat audits: in FC an asynchronous invocation of this same function; here a job in this
  // process, started after the request that asked for it, and awaited on close.
  const jobs = new Set<Promise<void>>();
  const failed = (requestId: string, reason: string) =>
    log(`imagegw-audit: [${requestId}] chat audit failed: ${redact(reason).split('\n')[0]}`);
  const runJob = async (event: string, requestId: string) => {
    const result = await handler(Buffer.from(event), context(requestId));
    if (result.statusCode >= 300) failed(requestId, result.body);
    else log(`imagegw-audit: [${requestId}] chat audit done`);
  };
  const invoker: AsyncInvoker = {
    invokeAsync: async (event) => {
      const requestId = newRequestId();
      const job: Promise<void> = new Promise<void>((next) => setImmediate(next))
        .then(() => runJob(event, requestId))
        .catch((error: unknown) => failed(requestId, error instanceof Error ? error.message : String(error)))
        .finally(() => jobs.delete(job));
      jobs.add(job);
      return { requestId };
    },
  };

  if (!isLoopback(host)) {
    log(
      `imagegw-audit: warning: listening on ${host}, not only on this machine, over plain HTTP: bearer tokens and chat requests cross the network unencrypted; put TLS in front, or keep the default 127.0.0.1`,
    );
  }
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  try {
    server = await startLocalServer({
      handler,
      port,
      host,
      context,
      maxBodyBytes: MAX_BODY_BYTES,
      log: (line) => log(`imagegw-audit: ${line}`),
      redact,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = LISTEN_FAILURES[code] ?? (code || (error as Error).message);
    throw new UsageError(`cannot listen on ${host} port ${port}: ${reason}`);
  }
  log(`imagegw-audit: serving the audit API on ${server.url} (${ROUTES})`);

  let abandoned = false;
  return {
    url: server.url,
    port: server.port,
    async close() {
      await server.close();
      while (jobs.size > 0 && !abandoned) await Promise.allSettled([...jobs]);
    },
    closeNow() {
      abandoned = true;
      server.closeNow();
    },
  };
}

/** Serves until SIGINT or SIGTERM, then stops cleanly (a second signal stops at once); exit 0. */
export async function serveCommand(options: ServeOptions, env: Env): Promise<number> {
  const server = await startServe(options, env);
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let onSignal: () => void = () => undefined;
  const signalled = () =>
    new Promise<void>((next) => {
      onSignal = next;
    });
  const listener = () => onSignal();
  for (const signal of signals) process.on(signal, listener);
  try {
    await signalled();
    process.stderr.write('imagegw-audit: stopping; requests in flight and chat audits finish first\n');
    const again = signalled().then(() => {
      process.stderr.write('imagegw-audit: stopping now\n');
      server.closeNow();
    });
    await Promise.race([server.close(), again]);
  } finally {
    for (const signal of signals) process.off(signal, listener);
  }
  return EXIT.ok;
}
