/**
 * Shared pieces of the fault suite (test/faults) and the secret scan (test/secrets): the per-cluster
 * fault table, the soundness checks every run must pass whatever went wrong, a fault-injecting
 * proxy for what the emulators cannot do on their own (one failing ListClusters page, seeded 30%
 * throttling, error pages in front of OSS), and the secret-form scanner.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { ClusterResult, Report } from '../../shared/audit/types';
import { createEhpcClient } from '../../shared/ehpc/pop-client';
import type { ReaderFactory } from '../../shared/fc/audit-service';
import { seededRandom } from '../emulator/chat/util';
import { GATEWAY_SCENARIOS, generateFleet, stableRequestId } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator, EmulatedCluster, EmulatedFault } from '../emulator/ehpc/types';

// ---------------------------------------------------------------------------------------------------
// What a cluster must end as
// ---------------------------------------------------------------------------------------------------

export type Expectation =
  | { status: 'compliant' }
  /** Not compliant because of a finding of `ruleId` on `field` (config.invalid unless said). */
  | { status: 'violating'; field: string; ruleId?: string }
  /** Unread: an error with this code (and always a message). */
  | { status: 'error'; code: string; httpStatus?: number };

export interface FaultCase {
  /** The cluster id suffix, `ehpc-hz-<name>` (letters and digits only, like real ids). */
  name: string;
  /** What the emulator answers for DescribeImageGatewayConfig (`describe`) or the fault it injects. */
  describe?: unknown;
  fault?: EmulatedFault;
  expect: Expectation;
  /** Cases that take the client's full timeout (10 s in the CLI): run where timeouts are short. */
  slow?: boolean;
  /** Persistent throttling takes 10 attempts with real backoff: only where retries are fast. */
  manyRetries?: boolean;
}

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n';
const HTML = 'text/html; charset=utf-8';
const VALID_IMAGEGW = {
  UpdateDateTime: '2026-11-20T08:00:00',
  ImageExpirationTimeout: '30:00:00:00',
  MongoDBURI: 'mongodb://localhost:27017/imagegw',
  DefaultImageLocation: 'registry-1.docker.io',
  PullUpdateTimeout: 300,
  Locations: {
    LocationInfo: [
      {
        URL: 'https://registry-1.docker.io',
        RemoteType: 'dockerv2',
        Location: 'registry-1.docker.io',
        Authentication: 'https',
      },
    ],
  },
};
const validBody = (name: string) => ({
  RequestId: stableRequestId(`faults/${name}`),
  Imagegw: VALID_IMAGEGW,
});
const raw = (status: number, body: string, contentType?: string, times?: number): EmulatedFault => ({
  raw: { status, body, ...(contentType ? { contentType } : {}) },
  ...(times === undefined ? {} : { times }),
});

/**
 * Every per-cluster fault of spec/cloud-apis.md §7.3 that DescribeImageGatewayConfig can suffer,
 * and what the cluster must end as. A fault that clears (`times`) must end in the verdict of the
 * body that was finally read; one that does not must end as an error with a code, never as a
 * verdict on data that was never seen.
 */
export const FAULT_CASES: readonly FaultCase[] = [
  { name: 'Control01', describe: validBody('Control01'), expect: { status: 'compliant' } },
  { name: 'Control02', describe: validBody('Control02'), expect: { status: 'compliant' } },
  // Error pages and bodies that are not JSON (pop-core rejects with a plain object or a TypeError).
  { name: 'Html502', fault: raw(502, NGINX_502, HTML), expect: { status: 'error', code: 'bad-response' } },
  {
    name: 'Html502Once',
    describe: validBody('Html502Once'),
    fault: raw(502, NGINX_502, HTML, 1),
    expect: { status: 'compliant' },
  },
  {
    name: 'Html200',
    fault: raw(200, '<!doctype html><title>Maintenance</title><p>Back soon</p>', HTML),
    expect: { status: 'error', code: 'bad-response' },
  },
  {
    name: 'Truncated',
    fault: raw(200, '{"RequestId":"T-1","Imagegw":{"UpdateDateTime":"2026-11-20T08:00:00","Locations":{"Loc'),
    expect: { status: 'error', code: 'bad-response' },
  },
  {
    name: 'Malformed',
    fault: raw(200, "{'RequestId': 'M-1', 'Imagegw': {}}"),
    expect: { status: 'error', code: 'bad-response' },
  },
  {
    name: 'TrailingComma',
    fault: raw(200, '{"RequestId":"M-2","Imagegw":{"PullUpdateTimeout":300,},}'),
    expect: { status: 'error', code: 'bad-response' },
  },
  { name: 'NullBody', fault: raw(200, 'null'), expect: { status: 'error', code: 'bad-response' } },
  { name: 'EmptyBody', fault: raw(200, ''), expect: { status: 'error', code: 'bad-response' } },
  { name: 'StringBody', fault: raw(200, '"OK"'), expect: { status: 'error', code: 'bad-response' } },
  { name: 'NumberBody', fault: raw(200, '42'), expect: { status: 'error', code: 'bad-response' } },
  {
    name: 'ArrayBody',
    fault: raw(200, '[{"RequestId":"A-1"}]'),
    expect: { status: 'error', code: 'bad-response' },
  },
  {
    name: 'HugeNumber',
    fault: raw(200, '{"RequestId":"B-1","Imagegw":{"PullUpdateTimeout":1.5e400}}'),
    expect: { status: 'error', code: 'bad-response' },
  },
  {
    name: 'Codeless500',
    fault: raw(500, '{"RequestId":"C-1","Message":"internal failure"}'),
    expect: { status: 'error', code: 'bad-response', httpStatus: 500 },
  },
  {
    name: 'Codeless503Imagegw',
    // An error status whose body happens to look like data is an error page, not a configuration.
    fault: raw(503, JSON.stringify(validBody('Codeless503Imagegw'))),
    expect: { status: 'error', code: 'bad-response', httpStatus: 503 },
  },
  {
    name: 'ErrorIn200',
    fault: { code: 'InternalError', httpStatus: 200 },
    expect: { status: 'error', code: 'InternalError' },
  },
  {
    name: 'NoRequestId',
    fault: raw(200, JSON.stringify({ Imagegw: VALID_IMAGEGW })),
    expect: { status: 'error', code: 'bad-response' },
  },
  // A body that parses but has no (usable) Imagegw: a verdict of config.invalid, never compliant.
  {
    name: 'ImagegwAbsent',
    describe: GATEWAY_SCENARIOS.imagegwAbsent,
    expect: { status: 'violating', field: 'Imagegw' },
  },
  {
    name: 'ImagegwNull',
    describe: { RequestId: stableRequestId('faults/ImagegwNull'), Imagegw: null },
    expect: { status: 'violating', field: 'Imagegw' },
  },
  {
    name: 'ImagegwEmpty',
    describe: GATEWAY_SCENARIOS.imagegwEmpty,
    expect: { status: 'violating', field: 'Imagegw' },
  },
  {
    name: 'ImagegwArray',
    describe: { RequestId: stableRequestId('faults/ImagegwArray'), Imagegw: [VALID_IMAGEGW] },
    expect: { status: 'violating', field: 'Imagegw' },
  },
  {
    name: 'ImagegwString',
    describe: { RequestId: stableRequestId('faults/ImagegwString'), Imagegw: JSON.stringify(VALID_IMAGEGW) },
    expect: { status: 'violating', field: 'Imagegw' },
  },
  {
    name: 'BigPullUpdate',
    describe: GATEWAY_SCENARIOS.bigPullUpdateTimeout,
    expect: { status: 'violating', field: 'PullUpdateTimeout' },
  },
  // API errors for one cluster: reported with the code, the rest audited.
  {
    name: 'AgentError',
    fault: { code: 'AgentError.Image.DescribeImagegwFailed' },
    expect: { status: 'error', code: 'AgentError.Image.DescribeImagegwFailed', httpStatus: 406 },
  },
  {
    name: 'NotAuthorized',
    fault: { code: 'NotAuthorized' },
    expect: { status: 'error', code: 'NotAuthorized', httpStatus: 407 },
  },
  {
    name: 'ForbiddenRam',
    fault: { code: 'Forbidden.RAM' },
    expect: { status: 'error', code: 'Forbidden.RAM', httpStatus: 403 },
  },
  {
    name: 'Unavailable',
    fault: { code: 'ServiceUnavailable' },
    expect: { status: 'error', code: 'ServiceUnavailable', httpStatus: 503 },
  },
  {
    name: 'UnavailableOnce',
    describe: validBody('UnavailableOnce'),
    fault: { code: 'ServiceUnavailable', times: 1 },
    expect: { status: 'compliant' },
  },
  {
    name: 'ThrottledAlways',
    fault: { code: 'Throttling.User' },
    expect: { status: 'error', code: 'Throttling.User', httpStatus: 400 },
    manyRetries: true,
  },
  {
    name: 'ThrottledTwice',
    describe: validBody('ThrottledTwice'),
    fault: { code: 'Throttling.Api', times: 2 },
    expect: { status: 'compliant' },
  },
  // A listed cluster that is gone by the time it is read (the answers of §1.3/§7.1).
  {
    name: 'Vanished404',
    fault: { code: 'ClusterNotFound' },
    expect: { status: 'error', code: 'ClusterNotFound', httpStatus: 404 },
  },
  {
    name: 'Vanished400',
    fault: { code: 'InvalidParams', message: 'Invalid param: ClusterId' },
    expect: { status: 'error', code: 'InvalidParams', httpStatus: 400 },
  },
  // The connection itself.
  { name: 'Reset', fault: { reset: true }, expect: { status: 'error', code: 'network' } },
  {
    name: 'ResetOnce',
    describe: validBody('ResetOnce'),
    fault: { reset: true, times: 1 },
    expect: { status: 'compliant' },
  },
  {
    name: 'SlowButInTime',
    // 1 ms a byte: slow, but well inside any timeout.
    fault: {
      raw: { status: 200, body: JSON.stringify(validBody('SlowButInTime')), trickleMs: 1 },
      times: 1,
    },
    describe: validBody('SlowButInTime'),
    expect: { status: 'compliant' },
  },
  { name: 'Hung', fault: { hang: true }, expect: { status: 'error', code: 'timeout' }, slow: true },
  {
    name: 'Trickled',
    // 40 ms a byte for ~300 bytes: 12 s, past every client timeout used here.
    fault: { raw: { status: 200, body: JSON.stringify(validBody('Trickled')), trickleMs: 40 } },
    expect: { status: 'error', code: 'timeout' },
    slow: true,
  },
];

export const clusterIdOf = (region: string, name: string) =>
  `ehpc-${region === 'cn-hangzhou' ? 'hz' : 'sh'}-${name}`;

/** The emulated clusters of `cases` in `region`, with the ids `clusterIdOf` gives. */
export function faultFleet(region: string, cases: readonly FaultCase[]): EmulatedCluster[] {
  return cases.map((entry) => ({
    info: { Id: clusterIdOf(region, entry.name), RegionId: region, Status: 'running' },
    ...(entry.describe === undefined ? {} : { describe: entry.describe }),
    ...(entry.fault === undefined ? {} : { fault: entry.fault }),
  }));
}

// ---------------------------------------------------------------------------------------------------
// The soundness of a run, whatever went wrong
// ---------------------------------------------------------------------------------------------------

export interface RunExpectation {
  /** Every cluster the run must report, and what it must end as. */
  clusters: Readonly<Record<string, Expectation>>;
  /** Regions whose listing must have failed (with a code and a message). */
  failedRegions?: readonly string[];
  /** Defaults to: some cluster ends in error, or some region failed. */
  incomplete?: boolean;
}

function describeCluster(cluster: ClusterResult | undefined): string {
  return JSON.stringify(cluster);
}

/**
 * The invariants of every report, checked against what each cluster must end as:
 * - the report names exactly the expected clusters, each once (audited or in error, none lost);
 * - a cluster is compliant only where its body was read and valid; an unread one is `error` with
 *   a code and a message (and the HTTP status where the API gave one); a malformed one is
 *   violating, with a finding on the malformed field;
 * - `complete` is false exactly when a cluster is in error or a region failed, `incompleteReasons`
 *   is non-empty exactly then, and names every unread cluster and failed region;
 * - the summary counts agree with the clusters.
 */
export function expectSoundReport(report: Report, expected: RunExpectation): void {
  const ids = report.clusters.map((cluster) => cluster.clusterId);
  expect(new Set(ids).size, 'each cluster reported once').toBe(ids.length);
  expect([...ids].sort()).toEqual(Object.keys(expected.clusters).sort());
  for (const [clusterId, want] of Object.entries(expected.clusters)) {
    const cluster = report.clusters.find((entry) => entry.clusterId === clusterId);
    const where = `${clusterId}: ${describeCluster(cluster)}`;
    expect(cluster?.status, where).toBe(want.status);
    if (want.status === 'error') {
      expect(cluster?.error?.code, where).toBe(want.code);
      expect(cluster?.error?.message, where).toEqual(expect.any(String));
      expect(cluster?.error?.message.length, where).toBeGreaterThan(0);
      if (want.httpStatus !== undefined) expect(cluster?.error?.httpStatus, where).toBe(want.httpStatus);
      expect(
        report.incompleteReasons.some((reason) => reason.startsWith(`${clusterId} `)),
        where,
      ).toBe(true);
    } else {
      expect(cluster?.error, where).toBeUndefined();
      const findings = report.findings.filter(
        (finding) => finding.clusterId === clusterId && !finding.waived,
      );
      if (want.status === 'compliant') expect(findings, where).toEqual([]);
      else
        expect(
          findings.map((finding) => `${finding.ruleId}@${finding.field}`),
          where,
        ).toContain(`${want.ruleId ?? 'config.invalid'}@${want.field}`);
    }
  }
  for (const region of expected.failedRegions ?? []) {
    const result = report.regions?.find((entry) => entry.region === region);
    expect(result?.error?.code, `region ${region}`).toEqual(expect.any(String));
    expect(result?.error?.message, `region ${region}`).toEqual(expect.any(String));
    expect(report.incompleteReasons.some((reason) => reason.startsWith(`${region}: `))).toBe(true);
    expect(
      report.clusters.some((cluster) => cluster.region === region && cluster.status === 'compliant'),
    ).toBe(false);
  }
  const errors = report.clusters.filter((cluster) => cluster.status === 'error').length;
  const incomplete = expected.incomplete ?? (errors > 0 || (expected.failedRegions?.length ?? 0) > 0);
  expect(report.complete, `complete; reasons: ${JSON.stringify(report.incompleteReasons)}`).toBe(!incomplete);
  expect(report.incompleteReasons.length > 0).toBe(incomplete);
  expect(report.summary).toMatchObject({
    clusters: report.clusters.length,
    compliant: report.clusters.filter((cluster) => cluster.status === 'compliant').length,
    violating: report.clusters.filter((cluster) => cluster.status === 'violating').length,
    errors,
  });
}

/** The CLI's side of "never crashes": a defined exit status (0, 1 or 3) and nothing but progress on stderr. */
export function expectCleanExit(result: { code: number | null; stderr: string }, code: 0 | 1 | 3): void {
  const stderr = result.stderr
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('imagegw-audit: progress: '));
  expect(stderr, 'stderr beyond progress lines').toEqual([]);
  expect(result.code).toBe(code);
}

// ---------------------------------------------------------------------------------------------------
// The scheduled handler with short client timeouts
// ---------------------------------------------------------------------------------------------------

/**
 * The production reader (pop-core over HTTP) with a short per-request timeout and quick backoff:
 * the scheduled handler then meets hung and trickled answers within a test's time. Nothing else of
 * the handler is replaced.
 */
export function shortTimeoutReader(timeoutMs = 400): ReaderFactory {
  return (credentials, endpointFor, beforeRequest) =>
    createEhpcClient({
      credentials,
      endpointFor,
      ...(beforeRequest ? { beforeRequest } : {}),
      timeoutMs,
      retry: { baseDelayMs: 1, maxDelayMs: 4 },
    });
}

/** `generateFleet` with only the cluster records that matter here. */
export function plainFleet(region: string, count: number, startIndex = 1): EmulatedCluster[] {
  return generateFleet(region, count, { startIndex, now: Date.parse('2026-12-01T00:00:00Z') });
}

// ---------------------------------------------------------------------------------------------------
// A fault-injecting HTTP proxy
// ---------------------------------------------------------------------------------------------------

export type ProxyAction =
  | { forward: true }
  | { status: number; body: string; headers?: Record<string, string> }
  | { reset: true }
  | { hang: true };

export interface ProxiedRequest {
  method: string;
  url: string;
  /** Query parameters, and form parameters of a urlencoded body. */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface FaultProxy {
  url: string;
  /** Every request, with the action taken. */
  log: { request: ProxiedRequest; action: ProxyAction }[];
  close(): Promise<void>;
}

/**
 * Sits in front of `target` (an emulator) and decides per request: forward it, answer it itself,
 * reset the connection or never answer. For faults the emulators cannot express: one ListClusters
 * page failing, seeded 30% throttling, an HTML error page echoing the request in front of OSS.
 */
export async function startFaultProxy(
  target: string | undefined,
  decide: (request: ProxiedRequest, index: number) => ProxyAction,
): Promise<FaultProxy> {
  const log: FaultProxy['log'] = [];
  const targetUrl = target ? new URL(target) : undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      if (String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
        Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
      }
      const proxied: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        params,
        headers: req.headers,
        body,
      };
      const action = decide(proxied, log.length);
      log.push({ request: proxied, action });
      if ('hang' in action) return;
      if ('reset' in action) {
        req.socket.destroy();
        return;
      }
      if ('status' in action) {
        res.writeHead(action.status, {
          'content-type': 'application/json;charset=utf-8',
          ...action.headers,
          'content-length': String(Buffer.byteLength(action.body)),
        });
        res.end(action.body);
        return;
      }
      if (!targetUrl) {
        req.socket.destroy();
        return;
      }
      const upstream = request(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The POP error body the gateway sends (spec/cloud-apis.md §1.4). */
export function popError(code: string, message: string, status = 400): ProxyAction {
  return {
    status,
    body: JSON.stringify({
      RequestId: stableRequestId(`proxy/${code}/${Math.random()}`),
      HostId: 'ehpc.cn-hangzhou.aliyuncs.com',
      Code: code,
      Message: message,
    }),
  };
}

/** A seeded coin: `chance` of true on each call, the same sequence for the same seed. */
export function seededCoin(seed: number, chance: number): () => boolean {
  const random = seededRandom(seed);
  return () => random() < chance;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------------------------------------------
// Secrets in every form they could leak in
// ---------------------------------------------------------------------------------------------------

/** RFC 3986 encoding as the POP signature uses it (`!'()*` encoded too). */
function popEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The forms a secret may take in output: raw, URL-encoded (upper and lower-case hex, once and
 * twice: the gateway's echoed string to sign is double-encoded), form-encoded, JSON-escaped, and
 * Base64/Base64url of the raw bytes. Base64 is matched only when aligned with the start of an
 * encoded blob, which is how a header or a body would carry it.
 */
export function secretForms(secret: string): string[] {
  const once = encodeURIComponent(secret);
  const pop = popEncode(secret);
  const forms = [
    secret,
    once,
    once.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    pop,
    encodeURIComponent(once),
    encodeURIComponent(pop),
    new URLSearchParams({ x: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
  return [...new Set(forms)].filter((form) => form.length >= 6);
}

/** The planted secrets found in `text`, each as `<secret> (<form>)`. */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      if (text.includes(form)) found.push(form === secret ? secret : `${secret} (as ${form})`);
    }
  }
  return found;
}

/** Fails with the place and the forms found when any planted secret is in `text`. */
export function expectNoSecrets(where: string, text: string, secrets: readonly string[]): void {
  expect(leakedSecrets(text, secrets), `secrets in ${where}`).toEqual([]);
}

/** Every file under `dir`, recursively, as text (an absent directory has none). */
export async function readTree(dir: string): Promise<{ path: string; text: string }[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: { path: string; text: string }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await readTree(path)));
    else files.push({ path, text: await readFile(path, 'utf8') });
  }
  return files;
}

/**
 * Captures what an in-process run writes through console.* and process.stdout/stderr while it is
 * installed (nothing reaches the real streams); `restore` puts the originals back.
 */
export function captureOutput(): { text(): string; restore(): void } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args.map((arg) => (typeof arg === 'string' ? arg : safeJson(arg))).join(' '));
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(record),
    vi.spyOn(console, 'info').mockImplementation(record),
    vi.spyOn(console, 'warn').mockImplementation(record),
    vi.spyOn(console, 'error').mockImplementation(record),
    vi.spyOn(console, 'debug').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }),
  ];
  return {
    text: () => lines.join('\n'),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------------
// Scenarios both entry points run (the CLI's `run` and the scheduled handler)
// ---------------------------------------------------------------------------------------------------

/** A RAM user's key (what the CLI is given) and an STS role (what FC hands the handler). */
export const CLI_KEY = { accessKeyId: 'LTAIfaultSuiteKey01', accessKeySecret: 'fault-suite-key-secret' };
export const ROLE_KEY = {
  accessKeyId: 'STS.faultSuiteRole01',
  accessKeySecret: 'fault-suite-role-secret',
  securityToken: 'fault-suite-role-token',
};
const KNOWN_KEYS = [CLI_KEY, ROLE_KEY];

export interface Scenario {
  regions: string[];
  /** For `--endpoint` and IMAGEGW_ENDPOINT: `region=URL` pairs. */
  endpoint: string;
  expected: RunExpectation;
  /** The CLI's exit status under the baseline policy. */
  exit: 0 | 1 | 3;
  emulators: EhpcEmulator[];
  proxies: FaultProxy[];
  close(): Promise<void>;
}

function scenario(
  parts: Omit<Scenario, 'close' | 'endpoint'> & { endpoints: Record<string, string> },
): Scenario {
  return {
    ...parts,
    endpoint: parts.regions.map((region) => `${region}=${parts.endpoints[region] ?? ''}`).join(','),
    close: async () => {
      await Promise.all([...parts.emulators.map((e) => e.close()), ...parts.proxies.map((p) => p.close())]);
    },
  };
}

const expectAll = (fleet: readonly EmulatedCluster[], expectation: Expectation) =>
  Object.fromEntries(fleet.map((cluster) => [cluster.info.Id, expectation]));

/** Every case of `cases` as one cluster of cn-hangzhou. */
export async function perClusterScenario(cases: readonly FaultCase[]): Promise<Scenario> {
  const region = 'cn-hangzhou';
  const emulator = await startEhpcEmulator({
    regions: { [region]: faultFleet(region, cases) },
    credentials: KNOWN_KEYS,
  });
  const clusters = Object.fromEntries(cases.map((entry) => [clusterIdOf(region, entry.name), entry.expect]));
  const violating = cases.some((entry) => entry.expect.status === 'violating');
  return scenario({
    regions: [region],
    endpoints: emulator.endpoints,
    expected: { clusters },
    exit: violating ? 1 : 3,
    emulators: [emulator],
    proxies: [],
  });
}

/**
 * cn-hangzhou lists 8 clusters in pages of 5 (the server clamps PageSize) behind a proxy that fails
 * its second ListClusters page: `persistent` with an HTML 502 every time, else with
 * ServiceUnavailable twice and then not. cn-shanghai is healthy.
 */
export async function secondPageScenario(persistent: boolean): Promise<Scenario> {
  const hz = plainFleet('cn-hangzhou', 8);
  const sh = plainFleet('cn-shanghai', 3);
  const emulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': hz, 'cn-shanghai': sh },
    credentials: KNOWN_KEYS,
    pageSize: { max: 5, outOfRange: 'clamp' },
  });
  let failures = 0;
  const proxy = await startFaultProxy(emulator.endpoints['cn-hangzhou'], (request) => {
    if (request.params.Action !== 'ListClusters' || request.params.PageNumber !== '2')
      return { forward: true };
    failures += 1;
    if (persistent) return { status: 502, body: NGINX_502, headers: { 'content-type': HTML } };
    return failures <= 2
      ? popError(
          'ServiceUnavailable',
          'The request has failed due to a temporary failure of the server.',
          503,
        )
      : { forward: true };
  });
  return scenario({
    regions: ['cn-hangzhou', 'cn-shanghai'],
    endpoints: { 'cn-hangzhou': proxy.url, 'cn-shanghai': emulator.endpoints['cn-shanghai'] ?? '' },
    expected: persistent
      ? { clusters: expectAll(sh, { status: 'compliant' }), failedRegions: ['cn-hangzhou'] }
      : {
          clusters: { ...expectAll(hz, { status: 'compliant' }), ...expectAll(sh, { status: 'compliant' }) },
        },
    exit: persistent ? 3 : 0,
    emulators: [emulator],
    proxies: [proxy],
  });
}

/** 30% of every request (listing and reads, retries included) throttled, by a seeded coin. */
export async function throttledScenario(seed = 7): Promise<Scenario> {
  const fleet = plainFleet('cn-hangzhou', 20);
  const emulator = await startEhpcEmulator({ regions: { 'cn-hangzhou': fleet }, credentials: KNOWN_KEYS });
  const coin = seededCoin(seed, 0.3);
  const proxy = await startFaultProxy(emulator.endpoints['cn-hangzhou'], () =>
    coin() ? popError('Throttling.User', 'Request was denied due to user flow control.') : { forward: true },
  );
  return scenario({
    regions: ['cn-hangzhou'],
    endpoints: { 'cn-hangzhou': proxy.url },
    expected: { clusters: expectAll(fleet, { status: 'compliant' }) },
    exit: 0,
    emulators: [emulator],
    proxies: [proxy],
  });
}

function listingWith(region: string, items: readonly { Id: string }[]): EmulatedFault {
  return {
    raw: {
      status: 200,
      body: JSON.stringify({
        RequestId: stableRequestId(`listing/${region}`),
        TotalCount: items.length,
        PageNumber: 1,
        PageSize: 50,
        Clusters: {
          ClusterInfoSimple: items.map((item) => ({ ...item, RegionId: region, Status: 'running' })),
        },
      }),
    },
  };
}

/**
 * Clusters that are listed but gone when read: each region's listing names two clusters the
 * service no longer has. cn-hangzhou's service answers ClusterNotFound (404) for them, cn-shanghai's
 * InvalidParams (400), the two answers spec §7.1 allows.
 */
export async function vanishingScenario(): Promise<Scenario> {
  const hz = plainFleet('cn-hangzhou', 3);
  const sh = plainFleet('cn-shanghai', 3);
  const ghosts = {
    'cn-hangzhou': ['ehpc-hz-Gone0001', 'ehpc-hz-Gone0002'],
    'cn-shanghai': ['ehpc-sh-Gone0001'],
  };
  const notFound = await startEhpcEmulator({ regions: { 'cn-hangzhou': hz }, credentials: KNOWN_KEYS });
  const invalid = await startEhpcEmulator({
    regions: { 'cn-shanghai': sh },
    credentials: KNOWN_KEYS,
    unknownCluster: 'InvalidParams',
  });
  notFound.failRegion(
    'cn-hangzhou',
    listingWith('cn-hangzhou', [...hz.map((c) => c.info), ...ghosts['cn-hangzhou'].map((Id) => ({ Id }))]),
  );
  invalid.failRegion(
    'cn-shanghai',
    listingWith('cn-shanghai', [...sh.map((c) => c.info), ...ghosts['cn-shanghai'].map((Id) => ({ Id }))]),
  );
  return scenario({
    regions: ['cn-hangzhou', 'cn-shanghai'],
    endpoints: {
      'cn-hangzhou': notFound.endpoints['cn-hangzhou'] ?? '',
      'cn-shanghai': invalid.endpoints['cn-shanghai'] ?? '',
    },
    expected: {
      clusters: {
        ...expectAll(hz, { status: 'compliant' }),
        ...expectAll(sh, { status: 'compliant' }),
        ...Object.fromEntries(
          ghosts['cn-hangzhou'].map((id) => [
            id,
            { status: 'error', code: 'ClusterNotFound', httpStatus: 404 },
          ]),
        ),
        ...Object.fromEntries(
          ghosts['cn-shanghai'].map((id) => [
            id,
            { status: 'error', code: 'InvalidParams', httpStatus: 400 },
          ]),
        ),
      },
    },
    exit: 3,
    emulators: [notFound, invalid],
    proxies: [],
  });
}

/**
 * Three regions: cn-hangzhou healthy, cn-shanghai's endpoint refuses connections, cn-beijing's
 * ListClusters answers an HTML 502 page every time.
 */
export async function regionsDownScenario(): Promise<Scenario> {
  const hz = plainFleet('cn-hangzhou', 3);
  const emulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': hz, 'cn-beijing': plainFleet('cn-beijing', 2) },
    credentials: KNOWN_KEYS,
  });
  emulator.failRegion('cn-beijing', raw(502, NGINX_502, HTML));
  return scenario({
    regions: ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'],
    endpoints: { ...emulator.endpoints, 'cn-shanghai': await closedPort() },
    expected: {
      clusters: expectAll(hz, { status: 'compliant' }),
      failedRegions: ['cn-shanghai', 'cn-beijing'],
    },
    exit: 3,
    emulators: [emulator],
    proxies: [],
  });
}

// ---------------------------------------------------------------------------------------------------
// Planted secrets (test/secrets)
// ---------------------------------------------------------------------------------------------------

/**
 * Distinctive values planted wherever a secret can be: credentials, channels, environment and
 * emulated configurations. Several hold `+`, `/` and `=` (as real STS tokens and secrets do), so
 * their URL-encoded forms differ from the raw ones and are looked for too.
 */
export const PLANTED = {
  accessKeyId: 'SECRET-AK-ID-7f3a9c2e',
  accessKeySecret: 'SECRET-AK-SECRET-7f3a/9c+2e=',
  securityToken: 'SECRET-STS-TOKEN-7f3a+CAIS/9c2e==',
  /** A DingTalk custom robot's signing secret (`SEC` + 64 hex digits). */
  dingTalkRobotSecret: `SEC${'7f3a9c2e'.repeat(8)}`,
  feishuSecret: 'SECRET-FEISHU-SIGN-7f3a9c2e',
  /** The Standard Webhooks secret; its Base64 part decodes to `webhookSecretBytes`. */
  webhookSecret: `whsec_${Buffer.from('SECRET-WHSEC-BYTES-7f3a9c2e-0001').toString('base64')}`,
  webhookSecretBytes: 'SECRET-WHSEC-BYTES-7f3a9c2e-0001',
  slackSigningSecret: 'SECRET-SLACK-SIGNING-7f3a9c2e',
  dingTalkAppSecret: 'SECRET-DINGTALK-APP-7f3a9c2e',
  apiToken: 'SECRET-API-TOKEN-7f3a9c2e',
  summaryHookToken: 'SECRET-SUMMARY-HOOK-7f3a9c2e',
  mongoPassword: 'SECRET-MONGO-PW-7f3a9c2e',
  registryPassword: 'SECRET-REG-PW-7f3a9c2e',
} as const;

/** An STS role as Function Compute hands it over (fc2 sends a token only with an `STS.` key id). */
export const PLANTED_ROLE = {
  accessKeyId: 'STS.SECRETROLEID7f3a9c2e',
  accessKeySecret: PLANTED.accessKeySecret,
  securityToken: PLANTED.securityToken,
};

export const PLANTED_CREDENTIALS = {
  accessKeyId: PLANTED.accessKeyId,
  accessKeySecret: PLANTED.accessKeySecret,
  securityToken: PLANTED.securityToken,
};

/**
 * Gateway configurations carrying the planted MongoDB and registry passwords in every place a
 * configuration can hold one; each is also violating, so its values are quoted by findings.
 */
export function secretBearingFleet(region: string): EmulatedCluster[] {
  const code = region === 'cn-hangzhou' ? 'hz' : 'sh';
  const mongo = `mongodb://admin:${PLANTED.mongoPassword}@mongo.internal:27017/imagegw`;
  const registry = `https://robot:${PLANTED.registryPassword}@registry.example.com`;
  const gateway = (patch: Record<string, unknown>) => ({
    RequestId: stableRequestId(`secrets/${JSON.stringify(patch)}`),
    Imagegw: { ...VALID_IMAGEGW, ...patch },
  });
  const location = (patch: Record<string, unknown>) => ({
    Locations: { LocationInfo: [{ ...VALID_IMAGEGW.Locations.LocationInfo[0], ...patch }] },
  });
  const bodies: Record<string, unknown> = {
    MongoUserInfo: gateway({ MongoDBURI: mongo }),
    MongoNoTls: gateway({
      MongoDBURI: `mongodb://admin:${PLANTED.mongoPassword}@mongo.internal/db?tls=false`,
    }),
    MongoProxyPw: gateway({
      MongoDBURI: `mongodb://mongo.internal/db?proxyPassword=${PLANTED.mongoPassword}`,
    }),
    MongoBadPort: gateway({ MongoDBURI: `mongodb://admin:${PLANTED.mongoPassword}@mongo.internal:99999/db` }),
    MongoSlashPw: gateway({ MongoDBURI: `mongodb://admin:${PLANTED.mongoPassword}/x@mongo.internal/db` }),
    MongoInArray: gateway({ MongoDBURI: [mongo] }),
    RegistryUrl: gateway(location({ URL: registry, Location: 'registry.example.com' })),
    RegistryHttp: gateway(
      location({
        URL: `http://robot:${PLANTED.registryPassword}@registry.example.com`,
        Location: 'registry.example.com',
      }),
    ),
    RegistryQuery: gateway(
      location({ URL: `https://registry.example.com/v2?access_token=${PLANTED.registryPassword}` }),
    ),
    RegistryLocation: gateway(
      location({ URL: '', Location: `robot:${PLANTED.registryPassword}@registry.example.com` }),
    ),
    RegistryDefault: gateway({
      DefaultImageLocation: `robot:${PLANTED.registryPassword}@registry-1.docker.io`,
    }),
    RegistryBadHost: gateway(location({ URL: `https://robot:${PLANTED.registryPassword}@bad_host!` })),
  };
  return Object.entries(bodies).map(([name, describe]) => ({
    info: { Id: `ehpc-${code}-${name}`, RegionId: region },
    describe,
  }));
}

/** The masked forms the report must show instead, proving the secret-bearing values were judged. */
export const MASKED_FORMS = [
  'mongodb://admin:***@mongo.internal:27017/imagegw',
  'https://robot:***@registry.example.com',
] as const;

/**
 * Error answers that echo the signed request, as gateways, proxies and the POP gateway do
 * (spec/cloud-apis.md §3 "SECRET LEAK"): each quotes the planted key id and token in the forms the
 * wire carries them.
 */
export function echoingFaults(): Record<string, EmulatedFault> {
  const pop = (text: string) => popEncode(text);
  const query = `AccessKeyId=${PLANTED.accessKeyId}&Action=DescribeImageGatewayConfig&SecurityToken=${pop(PLANTED.securityToken)}&Signature=abc%3D`;
  const stringToSign = `GET&%2F&${pop(query)}`;
  return {
    EchoHtml502: raw(
      502,
      `<html><body><h1>502 Bad Gateway</h1><p>upstream failed for GET /?${query}</p><p>token ${PLANTED.securityToken}</p></body></html>`,
      HTML,
    ),
    EchoMessageUrl: {
      code: 'InternalError',
      message: `upstream call failed: GET http://ehpc.cn-hangzhou.aliyuncs.com/?${query} failed.`,
    },
    EchoStringToSign: {
      code: 'SignatureDoesNotMatch',
      message: `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    },
    EchoBareKey: {
      code: 'InvalidAccessKeyId.NotFound',
      message: `Specified access key is not found: AccessKeyId=${PLANTED.accessKeyId}, SecurityToken=${PLANTED.securityToken}`,
    },
    EchoCodeless500: raw(500, JSON.stringify({ RequestId: 'E-1', Message: `bad request ?${query}` })),
  };
}

/**
 * A webhook URL and the tokens inside it (query values, and path segments long enough to be one:
 * Feishu's hook id, Slack's `T…/B…/secret`, a Standard Webhooks endpoint id): all credentials.
 */
export function urlSecrets(url: string): string[] {
  const parsed = new URL(url);
  return [
    url,
    ...[...parsed.searchParams.values()].filter((value) => value.length >= 8),
    ...parsed.pathname.split('/').filter((segment) => segment.length >= 16),
  ];
}

/** Every planted secret, with the decoded bytes of the webhook secret. */
export const ALL_PLANTED: readonly string[] = [...Object.values(PLANTED), PLANTED_ROLE.accessKeyId];

/** Signed-URL fragments that must only ever appear redacted. */
export function expectNoSignedUrlParts(where: string, text: string): void {
  const unredacted = text.match(
    /(?:AccessKeyId|SecurityToken|Signature|access_token|OSSAccessKeyId)(?:=|%3D|%253D)(?!\\*\[redacted\\*\]|\*\*\*|&|$)[^&\s"'<]{6,}/g,
  );
  expect(unredacted ?? [], `signed URL parts in ${where}`).toEqual([]);
}

/**
 * Listings that do not add up: cn-hangzhou's TotalCount says 5 for the 3 clusters it lists,
 * cn-shanghai's says 0 for 2. Every listed cluster is read and compliant, yet the run cannot
 * know it saw the whole fleet: incomplete, with a reason per region.
 */
export async function miscountedScenario(): Promise<Scenario> {
  const hz = plainFleet('cn-hangzhou', 3);
  const sh = plainFleet('cn-shanghai', 2);
  const emulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': hz, 'cn-shanghai': sh },
    credentials: KNOWN_KEYS,
  });
  const listing = (region: string, fleet: readonly EmulatedCluster[], totalCount: number): EmulatedFault => ({
    raw: {
      status: 200,
      body: JSON.stringify({
        RequestId: stableRequestId(`miscounted/${region}`),
        TotalCount: totalCount,
        PageNumber: 1,
        PageSize: 50,
        Clusters: { ClusterInfoSimple: fleet.map((cluster) => cluster.info) },
      }),
    },
  });
  emulator.failRegion('cn-hangzhou', listing('cn-hangzhou', hz, 5));
  emulator.failRegion('cn-shanghai', listing('cn-shanghai', sh, 0));
  return scenario({
    regions: ['cn-hangzhou', 'cn-shanghai'],
    endpoints: emulator.endpoints,
    expected: {
      clusters: { ...expectAll(hz, { status: 'compliant' }), ...expectAll(sh, { status: 'compliant' }) },
      incomplete: true,
    },
    exit: 3,
    emulators: [emulator],
    proxies: [],
  });
}
