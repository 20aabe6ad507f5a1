/**
 * `imagegw-audit serve`: the HTTP → FC 3.0 event adapter (shared/fc/local-server.ts) on its own with
 * an echoing handler, the audit-api function behind it in-process against the E-HPC emulator, and
 * once the built CLI in a child process.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli';
import { isLoopback, type RunningServe, type ServeOptions, startServe } from '../../bin/commands/serve';
import type { Report } from '../../shared/audit/types';
import { HELP_TEXT } from '../../shared/chat/commands';
import {
  credentialsFromContext,
  type FcContext,
  type HttpResponse,
  jsonResponse,
} from '../../shared/fc/events';
import { type LocalServer, startLocalServer } from '../../shared/fc/local-server';
import { formEncode, SLACK_COMMAND_DEFAULTS, slackCommand } from '../emulator/chat/inbound';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { CLI, REPO } from '../helpers/cli';

const KEY = { accessKeyId: 'LTAIserveTestKey0001', accessKeySecret: 'serve-test-secret-value-0001' };
const TOKEN = 'serve-test-bearer-token-0001';
const SLACK_SECRET = 'serve-test-slack-signing-secret';
const CREDENTIALS_ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** A request through node:http, which (unlike fetch) sends lower-case and repeated headers as given. */
function send(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body,
            text: body.toString('utf8'),
          });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

// ---------------------------------------------------------------------------------------------------
// The adapter on its own
// ---------------------------------------------------------------------------------------------------

describe('the local FC HTTP trigger (shared/fc/local-server.ts)', () => {
  const seen: { event: Record<string, unknown>; context: FcContext }[] = [];
  const logs: string[] = [];
  let server: LocalServer;
  let reply: (event: Record<string, unknown>) => HttpResponse = (event) => jsonResponse(200, event);

  beforeAll(async () => {
    server = await startLocalServer({
      port: 0,
      maxBodyBytes: 1024,
      context: (requestId) => ({ requestId, accountId: 'local', region: 'cn-hangzhou' }),
      log: (line) => logs.push(line),
      handler: async (event, context) => {
        const parsed = JSON.parse(event.toString('utf8')) as Record<string, unknown>;
        seen.push({ event: parsed, context });
        if ((parsed.rawPath as string) === '/boom') throw new Error(`exploded with ${KEY.accessKeySecret}`);
        return reply(parsed);
      },
      redact: (text) => text.replaceAll(KEY.accessKeySecret, '[redacted]'),
    });
  });
  afterAll(() => server.close());
  afterEach(() => {
    reply = (event) => jsonResponse(200, event);
  });

  it('builds the event FC would: canonical header names, comma-joined repeats, encoded rawPath, decoded path', async () => {
    const answer = await send(server.url, '/a%20b/caf%C3%A9?x=1&x=2&y=&flag&q=a+b%26c', {
      headers: { 'x-slack-signature': 'v0=abc', 'X-MULTI': ['one', 'two'], 'user-agent': 'serve-test/1' },
    });
    expect(answer.status).toBe(200);
    const event = JSON.parse(answer.text);
    expect(event).toMatchObject({
      version: 'v1',
      rawPath: '/a%20b/caf%C3%A9',
      body: '',
      isBase64Encoded: false,
      queryParameters: { x: '1,2', y: '', flag: '', q: 'a b&c' },
      requestContext: {
        accountId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'GET',
          path: '/a b/café',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'serve-test/1',
        },
      },
    });
    expect(event.headers).toMatchObject({
      'X-Slack-Signature': 'v0=abc',
      'X-Multi': 'one,two',
      'User-Agent': 'serve-test/1',
    });
    expect(
      Object.keys(event.headers).every((name: string) => /^[A-Z][a-z0-9]*(-[A-Z0-9][a-z0-9]*)*$/.test(name)),
    ).toBe(true);
    const { requestId, time, timeEpoch } = event.requestContext;
    expect(requestId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(seen.at(-1)?.context.requestId).toBe(requestId);
    expect(answer.headers['x-fc-request-id']).toBe(requestId);
    expect(timeEpoch).toMatch(/^\d{13}$/);
    expect(time).toBe(`${new Date(Number(timeEpoch)).toISOString().slice(0, 19)}Z`);
  });

  it('passes textual UTF-8 bodies as text and everything else as Base64', async () => {
    const json = await send(server.url, '/t', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"name":"Zhāng"}',
    });
    expect(JSON.parse(json.text)).toMatchObject({ body: '{"name":"Zhāng"}', isBase64Encoded: false });
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x80]);
    for (const headers of [
      { 'content-type': 'application/octet-stream' },
      { 'content-type': 'text/plain' },
      {},
    ]) {
      const answer = await send(server.url, '/b', { method: 'POST', headers, body: binary });
      const event = JSON.parse(answer.text);
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body, 'base64')).toEqual(binary);
    }
  });

  it('writes the handler answer back, decoding a Base64 body', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    reply = () => ({
      statusCode: 201,
      headers: { 'content-type': 'image/png', 'x-extra': 'yes' },
      isBase64Encoded: true,
      body: bytes.toString('base64'),
    });
    const answer = await send(server.url, '/png');
    expect(answer.status).toBe(201);
    expect(answer.headers['content-type']).toBe('image/png');
    expect(answer.headers['x-extra']).toBe('yes');
    expect(answer.body).toEqual(bytes);
  });

  it('refuses a body over the limit with 413 before the handler, and keeps serving', async () => {
    const before = seen.length;
    const big = await send(server.url, '/big', { method: 'POST', body: Buffer.alloc(5000, 'a') });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toEqual({ error: 'the body is larger than 1024 bytes' });
    // Chunked, with no Content-Length to go by.
    const chunked = await send(server.url, '/big', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(2000, 'b'),
    });
    expect(chunked.status).toBe(413);
    // Far past the limit: answered at once, from the declared length.
    const huge = await send(server.url, '/big', {
      method: 'POST',
      headers: { 'content-length': String(50 * 1024 * 1024) },
    }).catch((error: unknown) => error as Error);
    if (!(huge instanceof Error)) expect(huge.status).toBe(413);
    expect(seen.length).toBe(before);
    expect((await send(server.url, '/after', { method: 'POST', body: Buffer.alloc(1024, 'c') })).status).toBe(
      200,
    );
  });

  it('answers a handler that throws with a 500 and one redacted log line, and keeps serving', async () => {
    logs.length = 0;
    const answer = await send(server.url, '/boom');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text)).toEqual({ error: 'internal error' });
    const failure = logs.filter((line) => line.includes('the handler failed'));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain('/boom');
    expect(failure[0]).not.toContain(KEY.accessKeySecret);
    reply = () => ({ statusCode: 99, headers: {}, isBase64Encoded: false, body: '' });
    expect((await send(server.url, '/bad-status')).status).toBe(500);
    reply = () => ({ statusCode: 200, headers: { 'x-bad': 'a\nb' }, isBase64Encoded: false, body: '' });
    expect((await send(server.url, '/bad-header')).status).toBe(500);
    reply = (event) => jsonResponse(200, event);
    expect((await send(server.url, '/ok')).status).toBe(200);
  });

  it('answers a path that does not decode with 400, and a request that is not HTTP without crashing', async () => {
    const before = seen.length;
    const answer = await send(server.url, '/bad%zz');
    expect(answer.status).toBe(400);
    expect(seen.length).toBe(before);
    const { connect } = await import('node:net');
    const url = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    expect((await send(server.url, '/still-up')).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------
// credentialsFromContext: a RAM user's AccessKey has no token; STS keys need theirs
// ---------------------------------------------------------------------------------------------------

describe('credentialsFromContext', () => {
  it('accepts an AccessKey without a token and refuses an STS key without one', () => {
    expect(credentialsFromContext({ requestId: 'r', credentials: { ...KEY } })).toEqual(KEY);
    expect(() =>
      credentialsFromContext({
        requestId: 'r',
        credentials: { accessKeyId: 'STS.abcdefgh', accessKeySecret: 's' },
      }),
    ).toThrow(/role credentials/);
    expect(() => credentialsFromContext({ requestId: 'r', credentials: { accessKeyId: 'LTAIabc' } })).toThrow(
      /RAM role/,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// serve in-process: the audit-api function behind the adapter
// ---------------------------------------------------------------------------------------------------

describe('imagegw-audit serve (in-process)', () => {
  let emulator: EhpcEmulator;
  let serve: RunningServe;
  let options: ServeOptions;
  let output = '';
  const replies: { url: string; body: string }[] = [];
  const env = () => ({
    ...CREDENTIALS_ENV,
    IMAGEGW_API_TOKENS: TOKEN,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    // Ignored: serve decides these from its options, as run does.
    IMAGEGW_POLICY: 'not: a policy',
    IMAGEGW_STATE_OSS_BUCKET: 'not-used-by-serve',
  });

  beforeAll(async () => {
    emulator = await startEhpcEmulator({
      regions: {
        'cn-hangzhou': generateFleet('cn-hangzhou', 3),
        'cn-shanghai': generateFleet('cn-shanghai', 2),
        'cn-beijing': generateFleet('cn-beijing', 4),
      },
      credentials: [KEY],
    });
    const spy = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output += String(chunk);
        return true;
      });
    spy(process.stdout);
    spy(process.stderr);
    options = {
      port: 0,
      regions: 'cn-hangzhou,cn-shanghai,cn-beijing',
      endpoint: Object.entries(emulator.endpoints)
        .map(([region, url]) => `${region}=${url}`)
        .join(','),
      policy: join(REPO, 'examples', 'policy.yaml'),
      state: mkdtempSync(join(tmpdir(), 'serve-state-')),
      qps: 50,
    };
    serve = await startServe(options, env(), {
      fetch: async (url, init) => {
        replies.push({ url: String(url), body: String(init?.body ?? '') });
        return new Response('ok', { status: 200 });
      },
    });
  });

  afterAll(async () => {
    await serve?.close();
    vi.restoreAllMocks();
    await emulator?.close();
    // Nothing the server or the function printed carries a credential.
    for (const secret of [KEY.accessKeySecret, KEY.accessKeyId, SLACK_SECRET, TOKEN]) {
      expect(output).not.toContain(secret);
    }
  });

  it('announces its URL and routes on stderr, and answers /healthz', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(
      `imagegw-audit: serving the audit API on ${serve.url} (GET /audit, GET /report, POST /chat/slack, POST /chat/dingtalk, GET /healthz)`,
    );
    const health = await send(serve.url, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ ok: true });
  });

  it('refuses /audit without the bearer token and audits every region with it', async () => {
    expect((await send(serve.url, '/audit')).status).toBe(401);
    expect((await send(serve.url, '/audit', { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    const answer = await send(serve.url, '/audit', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    const report = JSON.parse(answer.text) as Report;
    expect(report).toMatchObject({ mode: 'on-demand', complete: true });
    expect(report.clusters).toHaveLength(9);
    // The CLI's AccessKey signed the reads (no STS token: a RAM user's key).
    const reads = emulator.requests.filter((request) => request.action === 'DescribeImageGatewayConfig');
    expect(reads.length).toBeGreaterThan(0);
    expect(
      reads.every(
        (request) => request.params.AccessKeyId === KEY.accessKeyId && !request.params.SecurityToken,
      ),
    ).toBe(true);
  });

  it('joins a repeated query parameter with commas, as FC does', async () => {
    const answer = await send(serve.url, '/audit?region=cn-hangzhou&region=cn-beijing', {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(answer.status).toBe(200);
    const report = JSON.parse(answer.text) as Report;
    expect(report.regions?.map((region) => region.region).sort()).toEqual(['cn-beijing', 'cn-hangzhou']);
    expect(report.clusters).toHaveLength(7);
  });

  it('refuses a chat body over the function limit with 413', async () => {
    const answer = await send(serve.url, '/chat/slack', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.alloc(70 * 1024, 'a'),
    });
    expect(answer.status).toBe(413);
  });

  it('verifies a Slack command with lower-case headers and a binary body (Base64 in the event) and answers help', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    // A form with a byte that is not UTF-8: the event carries it as Base64, and the signature,
    // computed over the exact bytes, must still verify after the round trip.
    const body = Buffer.concat([
      Buffer.from(`${formEncode({ ...SLACK_COMMAND_DEFAULTS, text: 'help' })}&note=`),
      Buffer.from([0xff, 0xfe]),
    ]);
    const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    };
    const answer = await send(serve.url, '/chat/slack', { method: 'POST', headers, body });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ response_type: 'ephemeral', text: HELP_TEXT });
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1] = 0xfd;
    expect((await send(serve.url, '/chat/slack', { method: 'POST', headers, body: tampered })).status).toBe(
      401,
    );
  });

  it('runs a chat audit in-process after the acknowledgement and posts the result to the reply URL', async () => {
    const command = slackCommand({
      signingSecret: SLACK_SECRET,
      timestamp: Math.floor(Date.now() / 1000),
      fields: { text: 'audit all' },
      headerCase: 'lower',
    });
    const answer = await send(serve.url, '/chat/slack', {
      method: 'POST',
      headers: command.headers,
      body: command.body,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).text).toMatch(/^Audit of all clusters started \(run /);
    await vi.waitFor(() => expect(replies).toHaveLength(1), { timeout: 15_000 });
    expect(replies[0]?.url).toBe(SLACK_COMMAND_DEFAULTS.response_url);
    expect(replies[0]?.body).toContain('9');
    await vi.waitFor(() => expect(output).toMatch(/chat audit done/));
  });

  it('warns when asked to listen beyond loopback, and refuses an address or port it cannot have in one line', async () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.0.2.1', 'example.com'].some(isLoopback)).toBe(false);
    const lines: string[] = [];
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: nothing is opened beyond loopback.
    await expect(
      startServe({ ...options, host: '192.0.2.1' }, env(), { log: (line) => lines.push(line) }),
    ).rejects.toThrow(/^cannot listen on 192\.0\.2\.1 port 0: /);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^imagegw-audit: warning: listening on 192\.0\.2\.1, .*plain HTTP/);
    await expect(
      startServe({ ...options, port: serve.port }, env(), { log: () => undefined }),
    ).rejects.toThrow(`cannot listen on 127.0.0.1 port ${serve.port}: the port is in use`);
  });
});

// ---------------------------------------------------------------------------------------------------
// Bad options: one line, exit 2, before anything listens
// ---------------------------------------------------------------------------------------------------

describe('imagegw-audit serve: bad options', () => {
  it.each([
    [['--port', '70000'], /--port: "70000" is not a port number/],
    [['--port', 'abc'], /--port: "abc" is not a port number/],
    [['--regions', 'cn-hangzhou', '--qps', '0'], /--qps: "0" is not a whole number from 1 to 9999/],
    [['--regions', 'Hangzhou'], /--regions: "Hangzhou" is not a region id/],
    [['--regions', 'cn-hangzhou', '--endpoint', 'ftp://x'], /--endpoint: not an http\(s\) URL/],
    [['--regions', 'cn-hangzhou', '--policy', '/nonexistent/policy.yaml'], /policy/],
  ])('%j', async (args, message) => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const code = await main(['node', 'imagegw-audit', 'serve', ...args]);
      expect(code).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// The built CLI, once
// ---------------------------------------------------------------------------------------------------

describe('imagegw-audit serve (built CLI)', () => {
  it('prints its URL, serves /healthz and /audit against the emulator, and exits 0 on SIGTERM', async () => {
    const emulator = await startEhpcEmulator({
      regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 4) },
      credentials: [KEY],
    });
    const child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--port',
        '0',
        '--regions',
        'cn-hangzhou',
        '--endpoint',
        emulator.endpoints['cn-hangzhou'] ?? '',
        '--state',
        mkdtempSync(join(tmpdir(), 'serve-cli-state-')),
      ],
      {
        cwd: REPO,
        env: { PATH: process.env.PATH ?? '', ...CREDENTIALS_ENV, IMAGEGW_API_TOKENS: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          const found = /serving the audit API on (http:\/\/\S+)/.exec(stderr);
          if (found?.[1]) resolve(found[1]);
        });
        exited.then((code) => reject(new Error(`exited ${code} before serving: ${stderr}`)));
      });
      expect((await send(url, '/healthz')).status).toBe(200);
      const answer = await send(url, '/audit', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(answer.status).toBe(200);
      expect((JSON.parse(answer.text) as Report).clusters).toHaveLength(4);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const secret of [KEY.accessKeySecret, KEY.accessKeyId, TOKEN]) {
        expect(stdout + stderr).not.toContain(secret);
      }
    } finally {
      child.kill('SIGKILL');
      await emulator.close();
    }
  });
});

describe('the access log', () => {
  it('logs the path only, never a query, host or user info', async () => {
    const { logPath } = await import('../../shared/fc/local-server');
    expect(logPath('/audit?cluster=x&token=secret')).toBe('/audit');
    expect(logPath('http://admin:s3cr3tpass@127.0.0.1/healthz?x=1')).toBe('/healthz');
    expect(logPath('*')).toBe('(unparsable target)');
  });
});
