/**
 * Hostile Function Compute events for the three functions' handlers (functions/*\/index.ts), on a
 * small E-HPC emulator fleet and a temporary state directory: random bytes, wrong shapes, odd
 * timer, HTTP, shard and chat-job events. Every invocation settles within a bound; a rejection is
 * an Error with a one-line message and no stack in it; the audit-api answers 4xx, never 500, for
 * malformed input; no state is written outside the state directory; and no cluster id that is not
 * an E-HPC id reaches DescribeImageGatewayConfig from the audit-api.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createApiHandler } from '../../functions/audit-api/index';
import { createHandler as createWorkerHandler } from '../../functions/audit-worker/index';
import { createHandler as createScheduledHandler } from '../../functions/scheduled-audit/index';
import { CLUSTER_ID } from '../../shared/chat/commands';
import { writeManifest } from '../../shared/fanout/run-state';
import type { HttpResponse } from '../../shared/fc/events';
import { FileStateStore } from '../../shared/state/file-store';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { REPO } from '../helpers/cli';
import { fcContext, httpEvent, timerEvent } from '../helpers/fc';
import { entriesOf, expectOneLine, filesUnder, settle, tempDir } from '../helpers/hostile';

const ROLE = {
  accessKeyId: 'STS.hostileRoleKey01',
  accessKeySecret: 'hostile-role-secret',
  securityToken: 'hostile-role-token-9911',
};
const TOKEN = 'hostile-suite-bearer-token';
const BOUND_MS = 10_000;
const STATUSES = [200, 400, 401, 403, 404, 405, 409, 413, 429, 503];
const STATE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

let fleetEmulator: EhpcEmulator;
let apiEmulator: EhpcEmulator;
const roots: Record<'scheduled' | 'worker' | 'api', string> = {
  scheduled: tempDir('fc-scheduled'),
  worker: tempDir('fc-worker'),
  api: tempDir('fc-api'),
};

function envFor(root: string, emulator: EhpcEmulator): Record<string, string> {
  return {
    IMAGEGW_REGIONS: 'cn-hangzhou',
    IMAGEGW_ENDPOINT: emulator.endpoints['cn-hangzhou'] ?? '',
    IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
    IMAGEGW_STATE_DIR: join(root, 'state'),
    IMAGEGW_QPS: '1000',
    IMAGEGW_API_TOKENS: TOKEN,
  };
}

beforeAll(async () => {
  fleetEmulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 3) },
    credentials: [ROLE],
  });
  apiEmulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 3) },
    credentials: [ROLE],
  });
});

afterAll(async () => {
  await Promise.all([fleetEmulator.close(), apiEmulator.close()]);
});

/** A rejected invocation's contract: an Error whose message is one line, with no stack frame. */
function expectCleanRejection(error: unknown, prefix?: RegExp): string {
  expect(error, String(error)).toBeInstanceOf(Error);
  const { message } = error as Error;
  expectOneLine(message, 'rejection message');
  if (prefix) expect(message).toMatch(prefix);
  return message;
}

/** Nothing but the state directory under a handler's root; every file in it is a valid state key. */
function expectStateConfined(root: string): void {
  expect(entriesOf(root).filter((entry) => entry !== 'state')).toEqual([]);
  for (const file of filesUnder(root)) {
    expect(file.startsWith('state/'), file).toBe(true);
    expect(file.slice('state/'.length)).toMatch(STATE_KEY);
  }
}

const bytes = fc.uint8Array({ maxLength: 2_000 }).map((array) => Buffer.from(array));
const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }));
const json = fc.jsonValue({ maxDepth: 4 });
/** Anything an event could be: bytes, text, JSON of any shape, JSON of near-event shapes. */
const anyEvent = fc.oneof(
  bytes,
  text.map((value) => Buffer.from(value)),
  json.map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc
    .dictionary(
      fc.constantFrom(
        'kind',
        'runId',
        'shard',
        'shardCount',
        'targets',
        'triggerTime',
        'triggerName',
        'payload',
        'rawPath',
        'requestContext',
        'headers',
        'body',
      ),
      json,
      { maxKeys: 6 },
    )
    .map((value) => Buffer.from(JSON.stringify(value))),
);

const hostileText = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '../../../../tmp/escaped',
    '/etc/passwd',
    'a/b/../../..',
    'C:\\Windows\\win.ini',
    '%2e%2e%2f%2e%2e',
    '\u0000',
    ' ',
    'CON',
    'line\nbreak',
    '\u202eevil',
    '😀'.repeat(60),
    '__proto__',
    'constructor',
    'x'.repeat(200),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('.', '/', '\\', 'a', '%', ':', '~'), minLength: 1, maxLength: 60 }),
);

describe('scheduled-audit', () => {
  const handler = () => createScheduledHandler({ env: envFor(roots.scheduled, fleetEmulator) });

  it('rejects anything that is not a timer event with a one-line "timer event:" error', async () => {
    const invoke = handler();
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        const outcome = await settle(() => invoke(event, fcContext(ROLE)), BOUND_MS);
        if (!outcome.ok) expectCleanRejection(outcome.error, /^timer event: /);
      }),
      { numRuns: 100 },
    );
  });

  it('audits or refuses timer events with odd times, names and payloads, and keeps its run id safe', async () => {
    const invoke = handler();
    const triggerTime = fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.constantFrom(
        '2026-12-03T02:30:00Z',
        '2026-12-03T02:30:00.123456789+05:45',
        '2026-12-03T02:30:00-00:00',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
        '2026-02-30T00:00:00Z',
        '2026-12-03T23:59:60Z',
        '2026-12-03t02:30:00z',
        '2026-12-03T02:30:00+24:00',
        '2026-12-03T02:30:00',
        '2026-12-03',
        '+275760-09-13T00:00:00Z',
        'Thu, 03 Dec 2026 02:30:00 GMT',
        '1796265000000',
      ),
      fc.string({ unit: fc.constantFrom('0', '1', '2', '9', '-', ':', 'T', 'Z', '+', '.'), maxLength: 30 }),
    );
    const event = fc.record(
      {
        triggerTime: fc.oneof({ weight: 4, arbitrary: triggerTime }, { weight: 1, arbitrary: json }),
        triggerName: fc.oneof({ weight: 4, arbitrary: hostileText }, fc.constant('x'.repeat(10_000)), json),
        payload: fc.oneof(fc.string(), json),
        extra: json,
      },
      { requiredKeys: ['triggerTime', 'triggerName'] },
    );
    let audited = 0;
    await fc.assert(
      fc.asyncProperty(event, async (value) => {
        const outcome = await settle(
          () => invoke(Buffer.from(JSON.stringify(value)), fcContext(ROLE)),
          BOUND_MS,
        );
        if (!outcome.ok) {
          expectCleanRejection(outcome.error, /^timer event: /);
          return;
        }
        audited += 1;
        const result = JSON.parse(outcome.value) as { runId: string };
        // The run id becomes state keys and a webhook header: a time and a short hash, nothing else.
        expect(result.runId).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z-[0-9a-f]{4}$/);
      }),
      { numRuns: 25 },
    );
    // The generator reaches the audit, not only the parser.
    expect(audited).toBeGreaterThan(3);
    const outcome = await settle(() => invoke(timerEvent(), fcContext(ROLE)), BOUND_MS);
    expect(outcome.ok).toBe(true);
    expectStateConfined(roots.scheduled);
  }, 60_000);

  it('rejects an event of several megabytes within the bound', async () => {
    const invoke = handler();
    const huge = Buffer.from(JSON.stringify({ triggerTime: 'x'.repeat(5_000_000), triggerName: 'daily' }));
    const outcome = await settle(() => invoke(huge, fcContext(ROLE)), BOUND_MS);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expectCleanRejection(outcome.error, /^timer event: triggerTime: /);
  });
});

describe('audit-worker', () => {
  const stateDir = join(roots.worker, 'state');
  const handler = () => createWorkerHandler({ env: envFor(roots.worker, fleetEmulator) });
  const target = { clusterId: 'ehpc-hz-0001', region: 'cn-hangzhou' };
  const shardEvent = (runId: unknown, extra: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        kind: 'imagegw-audit.shard',
        runId,
        shard: 0,
        shardCount: 1,
        targets: [target],
        ...extra,
      }),
    );

  it('rejects anything that is not a shard event with a one-line "shard event:" error', async () => {
    const invoke = handler();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyEvent,
          fc
            .record(
              {
                kind: fc.oneof(fc.constant('imagegw-audit.shard'), json),
                runId: fc.oneof(hostileText, json, fc.constant('x'.repeat(10_000)), fc.constant('')),
                shard: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), json),
                shardCount: fc.oneof(fc.integer(), fc.constant(1e308), json),
                targets: fc.oneof(
                  fc.array(
                    fc.record({
                      clusterId: fc.oneof(hostileText, json),
                      region: fc.oneof(hostileText, json),
                    }),
                    { maxLength: 3 },
                  ),
                  json,
                ),
              },
              { requiredKeys: [] },
            )
            .map((value) => Buffer.from(JSON.stringify(value))),
        ),
        async (event) => {
          const outcome = await settle(() => invoke(event, fcContext(ROLE)), BOUND_MS);
          // A well-formed shard of a run that has no manifest is refused by the state, not the parser.
          if (!outcome.ok)
            expectCleanRejection(
              outcome.error,
              /^(shard event: |run .* has no fan-out manifest|cannot read state )/s,
            );
        },
      ),
      { numRuns: 150 },
    );
    expectStateConfined(roots.worker);
  });

  it('keeps every key of a run with a hostile id inside the state directory', async () => {
    const invoke = handler();
    const store = new FileStateStore(stateDir);
    let assembled = 0;
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((runId) => !runId.includes('\n')),
        async (runId) => {
          const written = await settle(
            () =>
              writeManifest(store, {
                kind: 'imagegw-audit.fanout-manifest',
                runId,
                mode: 'scheduled',
                startedAt: '2026-12-03T02:30:00.000Z',
                // Not this worker's policy: the shard is recorded as PolicyChanged without reading E-HPC.
                policySha256: 'f'.repeat(64),
                shardCount: 1,
                shards: [[target]],
                listing: {
                  regions: [{ region: 'cn-hangzhou', listed: 1, totalCount: 1 }],
                  unlisted: [],
                  incompleteReasons: [],
                },
              }),
            BOUND_MS,
          );
          // A run id no key can hold (".." or a name too long for the file system) has no run to work on.
          fc.pre(written.ok);
          const outcome = await settle(() => invoke(shardEvent(runId), fcContext(ROLE)), BOUND_MS);
          if (!outcome.ok) {
            expectCleanRejection(outcome.error);
            return;
          }
          const result = JSON.parse(outcome.value) as { runId: string; assembled?: boolean; errors: number };
          expect(result).toMatchObject({ runId, assembled: true, errors: 1 });
          assembled += 1;
        },
      ),
      { numRuns: 40 },
    );
    expect(assembled).toBeGreaterThan(20);
    expectStateConfined(roots.worker);
  }, 60_000);

  it('refuses run ids over 200 characters and targets over their limits as malformed events', async () => {
    const invoke = handler();
    for (const event of [
      shardEvent('x'.repeat(10_000)),
      shardEvent('run', { targets: [{ clusterId: 'c'.repeat(257), region: 'cn-hangzhou' }] }),
      shardEvent('run', { targets: Array(50_000).fill({ ...target, name: 'n'.repeat(1_001) }) }),
      shardEvent('run', { shard: 1 }),
      shardEvent('run', { shard: -1 }),
      shardEvent('run', { shard: 0.5 }),
    ]) {
      const outcome = await settle(() => invoke(event, fcContext(ROLE)), BOUND_MS);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expectCleanRejection(outcome.error, /^shard event: /);
    }
  });

  it('refuses the run ids "." and ".." saying the run id is invalid', async () => {
    const invoke = handler();
    for (const runId of ['..', '.']) {
      const outcome = await settle(() => invoke(shardEvent(runId), fcContext(ROLE)), BOUND_MS);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(expectCleanRejection(outcome.error)).toMatch(/invalid/i);
    }
  });

  it('rejects a shard of an unknown run whose id holds a line break in one line', async () => {
    const outcome = await settle(() => handler()(shardEvent('line\nbreak'), fcContext(ROLE)), BOUND_MS);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expectCleanRejection(outcome.error);
  });

  it('rejects a shard event with a line break in an unknown key in one line', async () => {
    const outcome = await settle(
      () => handler()(shardEvent('run', { targets: [{ ...target, 'evil\nkey': 1 }] }), fcContext(ROLE)),
      BOUND_MS,
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expectCleanRejection(outcome.error, /^shard event: /);
  });
});

describe('audit-api', () => {
  const fetched: string[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    fetched.push(input instanceof Request ? input.url : String(input));
    return new Response('{"errcode":0}', { status: 200 });
  }) as typeof fetch;
  const handler = () => createApiHandler({ env: envFor(roots.api, apiEmulator), fetch: fakeFetch });

  async function answer(invoke: ReturnType<typeof handler>, event: Buffer): Promise<HttpResponse> {
    const outcome = await settle(() => invoke(event, fcContext(ROLE)), BOUND_MS);
    expect(outcome.ok, String(!outcome.ok && outcome.error)).toBe(true);
    if (!outcome.ok) throw outcome.error;
    const response = outcome.value;
    expect(STATUSES, `status ${response.statusCode}: ${response.body.slice(0, 300)}`).toContain(
      response.statusCode,
    );
    if (response.statusCode >= 400 && response.body !== '') {
      expect(typeof (JSON.parse(response.body) as { error?: unknown }).error).toBe('string');
    }
    return response;
  }

  it('answers 400 to anything that is not an HTTP event, never 500', async () => {
    const invoke = handler();
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        const response = await answer(invoke, event);
        expect(response.statusCode).toBe(400);
      }),
      { numRuns: 150 },
    );
  });

  it('answers HTTP events with odd fields with a 4xx or a report, never 500', async () => {
    const invoke = handler();
    const path = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom('/audit', '/report', '/healthz', '/chat/slack', '/chat/dingtalk'),
      },
      fc.constantFrom(
        '/%2e%2e/audit',
        '//audit',
        '/audit/',
        '/AUDIT',
        '/audit%00',
        '/%E0%A4%A',
        '/\u0000',
        '',
        '/__proto__',
        `/${'a'.repeat(100_000)}`,
      ),
      fc.string({ maxLength: 40 }),
    );
    const headers = fc.dictionary(
      fc.constantFrom(
        'Authorization',
        'authorization',
        'AUTHORIZATION',
        'Content-Type',
        '__proto__',
        'X-Slack-Signature',
        'Sign',
        'Timestamp',
      ),
      fc.oneof(fc.string({ maxLength: 40 }), fc.constant(`Bearer ${TOKEN}`), fc.constant(`bearer  ${TOKEN}`)),
      { maxKeys: 4 },
    );
    const query = fc.dictionary(
      fc.constantFrom('cluster', 'region', 'format', 'fresh', '__proto__'),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('ehpc-hz-0001', 'cn-hangzhou', 'json', 'markdown', 'html', '1'),
      ),
      { maxKeys: 3 },
    );
    // A well-formed event of odd content, then at most two fields replaced by anything at all.
    const base = fc
      .record({
        rawPath: path,
        method: fc.constantFrom('GET', 'get', 'POST', 'HEAD', 'OPTIONS', 'G\u0000ET', ''),
        headers,
        queryParameters: query,
        body: fc.oneof(fc.string({ maxLength: 100 }), fc.constant('!!!not base64!!!')),
        isBase64Encoded: fc.boolean(),
        withPath: fc.boolean(),
      })
      .map(({ method, withPath, ...rest }) => ({
        version: 'v1',
        ...rest,
        requestContext: { http: { method, ...(withPath ? { path: rest.rawPath } : {}) }, requestId: 'r' },
      }));
    const field = fc.constantFrom(
      'version',
      'rawPath',
      'body',
      'isBase64Encoded',
      'headers',
      'queryParameters',
      'requestContext',
      'requestContext.http',
      'requestContext.http.method',
      'requestContext.http.path',
      'requestContext.requestId',
      'headers.Authorization',
      'queryParameters.cluster',
    );
    const DELETE = Symbol('delete');
    const change = fc.tuple(field, fc.oneof(json, fc.constant<typeof DELETE>(DELETE)));
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(base, fc.array(change, { maxLength: 2 }), async (event, changes) => {
        const value = structuredClone(event) as Record<string, unknown>;
        for (const [at, replacement] of changes) {
          const parts = at.split('.');
          let parent: Record<string, unknown> | undefined = value;
          for (const part of parts.slice(0, -1)) {
            const next: unknown = parent?.[part];
            parent =
              next !== null && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
          }
          const last = parts.at(-1) ?? '';
          if (parent === undefined) continue;
          if (replacement === DELETE) delete parent[last];
          else parent[last] = replacement;
        }
        statuses.add((await answer(invoke, Buffer.from(JSON.stringify(value)))).statusCode);
      }),
      { numRuns: 200 },
    );
    // The events reached the routes, not only the event parser.
    expect([...statuses].filter((status) => status !== 400).length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('answers events of several megabytes without reading them whole into a route', async () => {
    const invoke = handler();
    const body = Buffer.alloc(6 * 1024 * 1024, 'a');
    expect((await answer(invoke, httpEvent({ method: 'POST', path: '/chat/slack', body }))).statusCode).toBe(
      413,
    );
    const headers = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`X-Junk-${i}`, 'v'.repeat(100)]),
    );
    expect((await answer(invoke, httpEvent({ path: '/healthz', headers }))).statusCode).toBe(200);
    const bearer = { Authorization: `Bearer ${'t'.repeat(5_000_000)}` };
    expect((await answer(invoke, httpEvent({ path: '/audit', headers: bearer }))).statusCode).toBe(401);
  });

  it('validates every cluster id before E-HPC sees it, from the query and from chat jobs', async () => {
    const invoke = handler();
    const clusterId = fc.oneof(
      hostileText,
      fc.constantFrom(
        'ehpc-hz-0001',
        'ehpc-hz-0001 ',
        'ehpc-hz-0001\n',
        'ehpc-hz-0001,ehpc-hz-0002',
        "ehpc-hz-1' OR 1=1",
        'ehpc-HZ-0001',
        `ehpc-hz-${'a'.repeat(65)}`,
        'ehpc-hz-ÅÄÖ',
      ),
    );
    await fc.assert(
      fc.asyncProperty(clusterId, fc.boolean(), async (id, viaChat) => {
        const event = viaChat
          ? Buffer.from(
              JSON.stringify({
                kind: 'imagegw-audit.chat-job',
                runId: 'hostile-run',
                caller: 'slack:T1:U1',
                clusterId: id,
                reply: { service: 'slack', url: 'https://hooks.slack.com/commands/T1/1/x' },
              }),
            )
          : httpEvent({
              path: '/audit',
              query: { cluster: id },
              headers: { Authorization: `Bearer ${TOKEN}` },
            });
        const outcome = await settle(() => invoke(event, fcContext(ROLE)), BOUND_MS);
        expect(outcome.ok).toBe(true);
      }),
      { numRuns: 40 },
    );
    const ids = apiEmulator.requests
      .filter((request) => request.action === 'DescribeImageGatewayConfig')
      .map((request) => request.params.ClusterId ?? '');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(CLUSTER_ID);
    expect(CLUSTER_ID.source).toBe('^ehpc-[a-z0-9]+-[A-Za-z0-9]{1,64}$');
  }, 60_000);

  it('runs chat jobs with hostile callers, refuses hostile run ids (400), and posts only to the reply URL', async () => {
    const invoke = handler();
    const before = fetched.length;
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((value) => value.length <= 100),
        hostileText,
        fc.constantFrom('slack' as const, 'dingtalk' as const),
        async (runId, caller, service) => {
          const url =
            service === 'slack'
              ? 'https://hooks.slack.com/commands/T1/1/hostile'
              : 'https://oapi.dingtalk.com/robot/sendBySession?session=hostile';
          const event = Buffer.from(
            JSON.stringify({
              kind: 'imagegw-audit.chat-job',
              runId,
              caller,
              clusterId: 'ehpc-hz-0002',
              reply: { service, url },
            }),
          );
          const response = await answer(invoke, event);
          // Run ids are made by the route (time and hex): anything else is refused, never run.
          expect(response.statusCode).toBe(/^[A-Za-z0-9:._-]{1,100}$/.test(runId) ? 200 : 400);
        },
      ),
      { numRuns: 20 },
    );
    expect(
      fetched
        .slice(before)
        .every(
          (url) =>
            url.startsWith('https://hooks.slack.com/') ||
            url.startsWith('https://oapi.dingtalk.com/robot/sendBySession'),
        ),
    ).toBe(true);
    expectStateConfined(roots.api);
  }, 60_000);

  it('answers a malformed chat job 400 naming the field', async () => {
    const response = await answer(
      handler(),
      Buffer.from(JSON.stringify({ kind: 'imagegw-audit.chat-job', runId: 5 })),
    );
    expect(response.statusCode).toBe(400);
    expect((JSON.parse(response.body) as { error: string }).error).toMatch(/runId/);
  });

  it('never posts a chat job result to a URL that is not the chat service', async () => {
    const before = fetched.length;
    for (const url of [
      'http://100.100.100.200/latest/meta-data',
      'https://attacker.example/collect',
      'http://127.0.0.1:9/x',
    ]) {
      const event = Buffer.from(
        JSON.stringify({
          kind: 'imagegw-audit.chat-job',
          runId: `foreign-${fetched.length}`,
          caller: 'x',
          reply: { service: 'slack', url },
        }),
      );
      await answer(handler(), event);
    }
    expect(fetched.slice(before)).toEqual([]);
  });
});
