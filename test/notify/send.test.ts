import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, ChannelDriver, OutgoingPart, SendOutcome } from '../../shared/notify/channel';
import { dingtalkDriver, dingtalkSign } from '../../shared/notify/drivers/dingtalk';
import { feishuDriver } from '../../shared/notify/drivers/feishu';
import { slackDriver } from '../../shared/notify/drivers/slack';
import { standardWebhooksSign, webhookDriver } from '../../shared/notify/drivers/webhook';
import { wecomDriver } from '../../shared/notify/drivers/wecom';
import { scrubChannel, sendPart } from '../../shared/notify/send';
import { createFakeClock } from '../helpers/fake-clock';

/** A tiny local service: each test sets how it answers; every request is recorded. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
let handler: Handler;
let received: Received[];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  handler = (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
});

const TOKEN = 'a1b2c3d4e5f6SECRETTOKEN';
const DING_SECRET = 'SECtestsecret0123456789';
const START = 1_700_000_000_000;

const ding = (): Channel => ({
  name: 'ops-dingtalk',
  type: 'dingtalk',
  url: `${base}/robot/send?access_token=${TOKEN}`,
  secret: DING_SECRET,
  minSeverity: 'high',
  remindEvery: 86_400,
});
const slack = (): Channel => ({
  name: 'ops-slack',
  type: 'slack',
  url: `${base}/services/T0123ABCD/B0123ABCD/${TOKEN}`,
  minSeverity: 'high',
  remindEvery: 86_400,
});

const part: OutgoingPart = {
  id: 'run-1/ops/1',
  runId: 'run-1',
  channel: 'ops',
  index: 1,
  total: 1,
  title: 'imagegw-audit: 1 new',
  text: '**imagegw-audit: 1 new**\n- [HIGH] tls · off',
};

function expectNoSecrets(outcome: SendOutcome, channel: Channel): void {
  if (outcome.status === 'delivered') return;
  expect(outcome.message).not.toContain(TOKEN);
  expect(outcome.message).not.toContain(channel.url);
  if (channel.secret) expect(outcome.message).not.toContain(channel.secret);
  expect(outcome.message).not.toMatch(/sign=|timestamp=|access_token=[^[]/);
}

async function send(driver: ChannelDriver, channel: Channel, timeoutMs = 2_000): Promise<SendOutcome> {
  const clock = createFakeClock(START);
  const outcome = await sendPart(driver, channel, part, { clock, timeoutMs });
  expectNoSecrets(outcome, channel);
  return outcome;
}

describe('sendPart', () => {
  it('posts the driver request, signed with the injected clock, and reads the answer', async () => {
    const outcome = await send(dingtalkDriver, ding());
    expect(outcome).toEqual({ status: 'delivered' });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    const query = new URL(request?.url ?? '', base).searchParams;
    expect(query.get('access_token')).toBe(TOKEN);
    expect(query.get('timestamp')).toBe(String(START));
    expect(query.get('sign')).toBe(dingtalkSign(DING_SECRET, START));
    expect(JSON.parse(request?.body ?? '')).toEqual({
      msgtype: 'markdown',
      markdown: { title: part.title, text: part.text },
    });
  });

  it('Standard Webhooks: headers arrive as signed, over the exact bytes received', async () => {
    handler = (_req, res) => res.writeHead(204).end();
    const secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    const channel: Channel = { ...slack(), type: 'webhook', url: `${base}/hooks/x`, secret };
    expect(await send(webhookDriver, channel)).toEqual({ status: 'delivered' });
    const [request] = received;
    expect(request?.headers['webhook-id']).toBe(part.id);
    expect(request?.headers['webhook-timestamp']).toBe(String(START / 1000));
    expect(request?.headers['webhook-signature']).toBe(
      standardWebhooksSign(secret, part.id, START / 1000, request?.body ?? ''),
    );
  });

  it('never follows a redirect: DingTalk waits out a block, others fail', async () => {
    handler = (req, res) => {
      if (req.url?.startsWith('/moved')) {
        res.writeHead(200).end('{"errcode":0}');
        return;
      }
      res.writeHead(302, { location: `${base}/moved` }).end();
    };
    expect(await send(dingtalkDriver, ding())).toMatchObject({
      status: 'retry',
      code: 'http_302',
      retryAfterMs: 600_000,
    });
    expect(await send(slackDriver, slack())).toMatchObject({ status: 'failed', code: 'http_302' });
    expect(received.map((r) => r.url.split('?')[0])).toEqual([
      '/robot/send',
      `/services/T0123ABCD/B0123ABCD/${TOKEN}`,
    ]);
  });

  it('no answer within the timeout, after sending: uncertain (it may have been accepted)', async () => {
    handler = () => {
      // hold the answer
    };
    const started = Date.now();
    const outcome = await send(dingtalkDriver, ding(), 300);
    expect(outcome).toMatchObject({ status: 'uncertain', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(received).toHaveLength(1);
  });

  it('the timeout covers the body: headers then a stalled body is uncertain too', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"errcode":');
    };
    expect(await send(dingtalkDriver, ding(), 300)).toMatchObject({ status: 'uncertain', code: 'timeout' });
  });

  it('a reset before any answer: retry', async () => {
    handler = (req) => req.socket.destroy();
    expect(await send(feishuDriver, { ...slack(), type: 'feishu' })).toMatchObject({
      status: 'retry',
      code: 'connection_reset',
    });
  });

  it('a reset after a 200 status line: uncertain; after a 503: retry', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"err');
      setTimeout(() => req.socket.destroy(), 20);
    };
    expect(await send(wecomDriver, { ...slack(), type: 'wecom' })).toMatchObject({ status: 'uncertain' });
    handler = (req, res) => {
      res.writeHead(503, { 'retry-after': '9' });
      res.write('<html>');
      setTimeout(() => req.socket.destroy(), 20);
    };
    expect(await send(wecomDriver, { ...slack(), type: 'wecom' })).toMatchObject({
      status: 'retry',
      code: 'http_503',
      retryAfterMs: 9000,
    });
  });

  it('connection refused: retry, and the message names the host but not the token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const channel = { ...ding(), url: `http://127.0.0.1:${port}/robot/send?access_token=${TOKEN}` };
    const outcome = await send(dingtalkDriver, channel);
    expect(outcome).toMatchObject({ status: 'retry', code: 'connection_refused' });
    expect(outcome.status !== 'delivered' && outcome.message).toContain(`127.0.0.1:${port}`);
  });

  it('service answers go through the driver: 429 + Retry-After, HTML 200, business errors', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '4' }).end('rate_limited');
    expect(await send(slackDriver, slack())).toMatchObject({
      status: 'retry',
      code: 'http_429',
      retryAfterMs: 4000,
    });
    handler = (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
    expect(await send(dingtalkDriver, ding())).toMatchObject({ status: 'retry', code: 'malformed_response' });
    handler = (_req, res) =>
      res.writeHead(200).end('{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}');
    expect(await send(dingtalkDriver, ding())).toMatchObject({
      status: 'retry',
      code: 'dingtalk_130101',
      retryAfterMs: 600_000,
    });
    handler = (_req, res) => res.writeHead(200).end('{"errcode":310000,"errmsg":"sign not match"}');
    expect(await send(dingtalkDriver, ding())).toMatchObject({ status: 'failed', code: 'dingtalk_310000' });
    handler = (_req, res) => res.writeHead(200).end('x'.repeat(1_000_000));
    expect(await send(slackDriver, slack())).toMatchObject({ status: 'failed', code: 'unexpected_response' });
  });

  it('an answer that echoes the URL or token is scrubbed', async () => {
    handler = (req, res) => res.writeHead(404).end(`no_service for ${base}${req.url} (${TOKEN})`);
    const outcome = await send(slackDriver, slack());
    expect(outcome).toMatchObject({ status: 'failed', code: 'http_404' });
  });

  it('a part too large for the service is refused without posting', async () => {
    const big = { ...part, text: '"'.repeat(dingtalkDriver.maxTextBytes + 500) };
    const outcome = await sendPart(dingtalkDriver, ding(), big, { clock: createFakeClock(START) });
    expect(outcome).toMatchObject({ status: 'failed', code: 'too_large' });
    expect(received).toHaveLength(0);
  });

  it('a malformed URL fails without leaking it', async () => {
    const channel = { ...slack(), url: `hxxp//hooks.slack.com/services/T0123ABCD/B0123ABCD/${TOKEN}` };
    const outcome = await send(slackDriver, channel);
    expect(outcome.status).toBe('failed');
  });

  it('uses the injected fetch', async () => {
    const calls: RequestInit[] = [];
    const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls.push(init ?? {});
      return new Response('ok', { status: 200 });
    }) as typeof fetch;
    const outcome = await sendPart(slackDriver, slack(), part, {
      clock: createFakeClock(START),
      fetch: fakeFetch,
    });
    expect(outcome).toEqual({ status: 'delivered' });
    expect(calls[0]?.redirect).toBe('manual');
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(received).toHaveLength(0);
  });

  it('a fetch that throws something odd is a retry with a scrubbed message', async () => {
    const fakeFetch = (async () => {
      throw new Error(`boom at ${slack().url}`);
    }) as typeof fetch;
    const outcome = await sendPart(slackDriver, slack(), part, {
      clock: createFakeClock(START),
      fetch: fakeFetch,
    });
    expect(outcome).toMatchObject({ status: 'retry', code: 'network' });
    expectNoSecrets(outcome, slack());
  });
});

describe('scrubChannel', () => {
  it('replaces the URL, its tokens, the signed query and the secret', () => {
    const channel = ding();
    const signedUrl = `${channel.url}&timestamp=${START}&sign=abc%2Bdef%3D`;
    const text = `failed ${signedUrl} ${channel.url} token ${TOKEN} secret ${DING_SECRET} /robot/send?access_token=${TOKEN}`;
    const out = scrubChannel(text, channel, { url: signedUrl, headers: {}, body: '' });
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(DING_SECRET);
    expect(out).not.toContain('abc%2Bdef');
    expect(out).toContain('127.0.0.1');
  });

  it('keeps ordinary words that happen to be path segments', () => {
    const channel = {
      ...slack(),
      url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4',
    };
    expect(scrubChannel('invalid webhook url', channel)).toBe('invalid webhook url');
    expect(scrubChannel('key 693a91f6-7xxx-4bc4 bad', channel)).toBe('key [redacted] bad');
  });
});
