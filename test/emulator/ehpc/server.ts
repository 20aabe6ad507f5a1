/**
 * The E-HPC 2018-04-12 emulator: one HTTP listener per region on 127.0.0.1, verifying requests the
 * way the POP gateway does (spec/cloud-apis.md §2.3, §7.1) and answering with the documented bodies
 * and real HTTP statuses, so pop-core and our client run unchanged against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { describeImageGatewayConfig, EmulatedFleet, listClusters, type PagingOptions } from './actions';
import { DEFAULT_CREDENTIALS, RequestAuthenticator } from './auth';
import { FaultBook, toFault } from './faults';
import { RegionRateLimit } from './rate-limit';
import { errorReply, type Reply } from './reply';
import { collectRpcParams } from './signature';
import type { EhpcEmulator, EhpcEmulatorOptions, RecordedRequest } from './types';

export const EHPC_API_VERSION = '2018-04-12';
const DEFAULT_WINDOW_MS = 15 * 60_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

export async function startEhpcEmulator(options: EhpcEmulatorOptions): Promise<EhpcEmulator> {
  const clock = options.clock ?? Date.now;
  const auth = new RequestAuthenticator({
    credentials: options.credentials ?? DEFAULT_CREDENTIALS,
    clock,
    windowMs: options.timestampWindowMs ?? DEFAULT_WINDOW_MS,
  });
  const fleet = new EmulatedFleet(options.regions, options.listScope ?? 'region');
  const paging: PagingOptions = {
    max: options.pageSize?.max ?? 50,
    outOfRange: options.pageSize?.outOfRange ?? 'reject',
  };
  const unknownCluster = options.unknownCluster ?? 'ClusterNotFound';
  const faults = new FaultBook();
  const rateLimit = options.rateLimit ? new RegionRateLimit(options.rateLimit) : undefined;
  for (const cluster of fleet.all()) {
    if (cluster.fault) faults.setCluster(cluster.info.Id, cluster.fault);
  }
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  function answer(
    region: string,
    method: string,
    params: Readonly<Record<string, string>>,
    at: number,
  ): Reply {
    // The gateway routes RPC calls for GET and POST only; anything else finds no API.
    if (method !== 'GET' && method !== 'POST') return errorReply(region, 'InvalidAction.NotFound');
    const failure = auth.check(method, params);
    if (failure)
      return errorReply(
        region,
        failure.code,
        failure.message === undefined ? {} : { message: failure.message },
      );
    if (params.Version !== EHPC_API_VERSION) return errorReply(region, 'InvalidVersion');
    const action = params.Action;
    if (action !== 'ListClusters' && action !== 'DescribeImageGatewayConfig') {
      return errorReply(region, 'InvalidAction.NotFound');
    }
    // Flow control counts only requests that passed the gateway's checks and name a real API.
    if (rateLimit && !rateLimit.admit(region, at)) return errorReply(region, 'Throttling.User');
    const throttled = faults.takeThrottle();
    if (throttled) return errorReply(region, throttled);
    if (action === 'ListClusters')
      return listClusters(region, params, fleet, paging, faults.takeRegion(region));
    return describeImageGatewayConfig(region, params, fleet, {
      unknownCluster,
      now: clock(),
      takeFault: (clusterId) => faults.takeCluster(clusterId),
    });
  }

  function send(req: IncomingMessage, res: ServerResponse, reply: Reply, record: RecordedRequest): void {
    // A hung request keeps its socket until the client gives up or close() destroys it.
    if ('hang' in reply) return;
    if ('reset' in reply) {
      req.socket.destroy();
      return;
    }
    record.status = reply.status;
    if (reply.code !== undefined) record.code = reply.code;
    const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': String(body.length) });
    if (reply.trickleMs === undefined) {
      res.end(body);
      return;
    }
    const pause = reply.trickleMs;
    let offset = 0;
    const step = (): void => {
      if (res.destroyed) return;
      if (offset >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(offset, offset + 1));
      offset += 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        step();
      }, pause);
      timers.add(timer);
    };
    step();
  }

  async function handle(region: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    // Read once, when the checks run: flow control and the record go by the same instant, and
    // successive requests see a non-decreasing time.
    const at = clock();
    const params = collectRpcParams(req.url ?? '/', req.headers['content-type'], body);
    const { Signature: _signature, ...recorded } = params;
    const record: RecordedRequest = {
      region,
      at,
      method,
      action: params.Action,
      params: recorded,
      headers: req.headers,
    };
    requests.push(record);
    let reply: Reply;
    try {
      reply = answer(region, method, params, at);
    } catch (error) {
      // An emulator bug must surface as a loud 500 rather than a hung test.
      reply = errorReply(region, 'InternalError', { message: `emulator failure: ${String(error)}` });
    }
    if (options.latencyMs) await delay(options.latencyMs);
    send(req, res, reply, record);
  }

  const servers: Server[] = [];
  const endpoints: Record<string, string> = {};
  async function closeAll(): Promise<void> {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolveClose) => {
            server.closeAllConnections();
            server.close(() => resolveClose());
          }),
      ),
    );
  }

  try {
    for (const region of Object.keys(options.regions)) {
      const server = createServer((req, res) => {
        handle(region, req, res).catch(() => req.socket.destroy());
      });
      servers.push(server);
      endpoints[region] = `http://127.0.0.1:${await listen(server)}`;
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  return {
    endpoints,
    requests,
    failCluster: (clusterId, fault, times) => faults.setCluster(clusterId, toFault(fault, times)),
    failRegion: (region, fault, times) => faults.setRegion(region, toFault(fault, times)),
    throttle: (throttleOptions) => faults.throttle(throttleOptions),
    clearFaults: () => faults.clear(),
    close: closeAll,
  };
}
