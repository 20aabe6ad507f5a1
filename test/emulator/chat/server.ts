/**
 * The chat emulator (spec/chat-protocols.md §12): ONE node:http server on 127.0.0.1 serving every
 * outbound channel under its real path shape, with an in-process registration, recording and fault
 * API. All time-based behaviour (signature windows, rate windows, blocks, arrival times) follows the
 * injected Clock; only the `slow` fault waits in real time, because it has to outlast the client's
 * own (real) timeout.
 *
 *   DingTalk  POST /robot/send?access_token=…[&timestamp=&sign=]
 *   Feishu    POST /open-apis/bot/v2/hook/:token
 *   WeCom     POST /cgi-bin/webhook/send?key=…
 *   Slack     POST /services/:team/:bot/:secret
 *   Standard  POST /hooks/:id
 *
 * and the reply targets of inbound commands (replies.ts):
 *
 *   Slack     POST /commands/:team/:id/:token            (response_url)
 *   DingTalk  POST /robot/sendBySession?session=…        (sessionWebhook)
 */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock } from '../../../shared/clock';
import { businessOutcome } from './business';
import { handleDingtalk } from './dingtalk';
import { FaultBook } from './faults';
import { handleFeishu } from './feishu';
import type { AnyHook, Outcome, Reply, RequestContext } from './hooks';
import { textReply } from './hooks';
import { ReplyBook, type ResolvedReply } from './replies';
import { handleSlack } from './slack';
import type {
  ChatChannel,
  ChatEmulator,
  ChatEmulatorOptions,
  ChatFault,
  ChatHook,
  ChatVerdict,
  DingTalkSessionOptions,
  DingtalkHookOptions,
  FeishuHookOptions,
  HookSettingsPatch,
  RecordedChatRequest,
  SlackHookOptions,
  SlackResponseUrlOptions,
  SlowFault,
  StatusFault,
  WebhookHookOptions,
  WecomHookOptions,
} from './types';
import {
  ALNUM,
  HEX,
  normalizeIp,
  RateCounter,
  randomString,
  randomUuid,
  seededRandom,
  TokenBucket,
  UPPER_ALNUM,
} from './util';
import { handleWebhook } from './webhook';
import { handleWecom } from './wecom';

interface Route {
  channel: ChatChannel | null;
  token: string | undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function route(path: string, query: URLSearchParams): Route {
  if (path === '/robot/send') return { channel: 'dingtalk', token: query.get('access_token') || undefined };
  if (path === '/cgi-bin/webhook/send') return { channel: 'wecom', token: query.get('key') || undefined };
  const feishu = /^\/open-apis\/bot\/v2\/hook\/([^/]+)\/?$/.exec(path);
  if (feishu?.[1]) return { channel: 'feishu', token: decode(feishu[1]) };
  const slack = /^\/services\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (slack) return { channel: 'slack', token: slack.slice(1).map(decode).join('/') };
  const hook = /^\/hooks\/([^/]+)\/?$/.exec(path);
  if (hook?.[1]) return { channel: 'webhook', token: decode(hook[1]) };
  return { channel: null, token: undefined };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
  });
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

function guessContentType(body: string): string {
  const t = body.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'application/json; charset=utf-8';
  if (t === '' || t.startsWith('<')) return 'text/html; charset=utf-8';
  return 'text/plain; charset=utf-8';
}

function statusFaultReply(fault: StatusFault, channel: ChatChannel, baseUrl: string): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  let body = fault.body;
  if (fault.status >= 300 && fault.status < 400) {
    headers.location = fault.location ?? `${baseUrl}/__redirected`;
    body ??= '';
  }
  if (body === undefined) {
    if (fault.status === 200) body = '<html><body><h1>Welcome</h1><p>Service page</p></body></html>';
    else if (fault.status === 429 && channel === 'slack') body = 'rate_limited';
    else body = htmlPage(fault.status);
  }
  headers['content-type'] = fault.contentType ?? (channel === 'slack' ? 'text/html' : guessContentType(body));
  return { status: fault.status, headers, body };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  res.end(body);
}

function verdictOf(outcome: Outcome): ChatVerdict {
  return {
    status: outcome.reply.status,
    code: outcome.code,
    message: outcome.message,
    delivered: outcome.delivered,
  };
}

export async function startChatEmulator(options: ChatEmulatorOptions = {}): Promise<ChatEmulator> {
  const clock = options.clock ?? realClock;
  const boundary = options.windowBoundary ?? 'inclusive';
  const slackUnknown = options.slackUnknownHook ?? 'no_service';
  const faults = new FaultBook(seededRandom(options.seed ?? 1));
  const hooks = new Map<string, AnyHook>();
  const byToken = new Map<string, AnyHook>();
  const counters: Record<ChatChannel, number> = { dingtalk: 0, feishu: 0, wecom: 0, slack: 0, webhook: 0 };
  const requests: RecordedChatRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let offsetMs = 0;
  let seq = 0;
  let listening = false;
  let closed = false;
  let port = 0;
  let baseUrl = '';
  const replies = new ReplyBook(() => clock.now() + offsetMs);

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer: NodeJS.Timeout): void => {
    clearTimeout(timer);
    timers.delete(timer);
  };

  function process(
    channel: ChatChannel,
    ctx: RequestContext,
    token: string | undefined,
    hook: AnyHook | undefined,
  ): Outcome {
    switch (channel) {
      case 'dingtalk':
        return handleDingtalk(ctx, token, hook?.channel === 'dingtalk' ? hook : undefined);
      case 'feishu':
        return handleFeishu(ctx, hook?.channel === 'feishu' ? hook : undefined);
      case 'wecom':
        return handleWecom(ctx, hook?.channel === 'wecom' ? hook : undefined);
      case 'slack':
        return handleSlack(ctx, hook?.channel === 'slack' ? hook : undefined, slackUnknown);
      default:
        return handleWebhook(ctx, hook?.channel === 'webhook' ? hook : undefined);
    }
  }

  function hold(res: ServerResponse, reply: Reply, fault: SlowFault): void {
    if (fault.phase === 'body') {
      const body = Buffer.from(reply.body, 'utf8');
      // No content-length: the chunked body ends only when the delay is over, even when it is empty.
      res.writeHead(reply.status, reply.headers);
      res.flushHeaders();
      const cut = Math.floor(body.length / 2);
      if (cut > 0) res.write(body.subarray(0, cut));
      const timer = later(fault.delayMs, () => {
        if (!res.destroyed && !res.writableEnded) res.end(body.subarray(cut));
      });
      res.on('close', () => cancel(timer));
      return;
    }
    const timer = later(fault.delayMs, () => send(res, reply));
    res.on('close', () => cancel(timer));
  }

  function reset(res: ServerResponse, phase: 'before-response' | 'after-headers'): void {
    const socket = res.socket;
    if (!socket) return;
    if (phase === 'before-response') {
      socket.resetAndDestroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '64' });
    res.flushHeaders();
    // Let the headers reach the client before the RST, or its kernel may drop them unread.
    later(20, () => {
      if (!socket.destroyed) socket.resetAndDestroy();
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = clock.now();
    const rawBody = await readBody(req);
    if (rawBody === undefined) return;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = url.searchParams;
    const routed = route(url.pathname, query);
    const replyTarget: ResolvedReply | undefined =
      routed.channel === null ? replies.resolve(url.pathname, query) : undefined;
    const channel = replyTarget?.channel ?? routed.channel;
    const token = routed.token;
    const hook =
      routed.channel !== null && token !== undefined ? byToken.get(`${routed.channel}:${token}`) : undefined;
    const targetId = replyTarget ? replyTarget.id : (hook?.id ?? null);
    const ctx: RequestContext = {
      now: at + offsetMs,
      query,
      headers: req.headers,
      rawBody,
      text: rawBody.toString('utf8'),
      ip: normalizeIp(req.socket.remoteAddress),
      baseUrl,
      boundary,
    };
    const record = (verdict: ChatVerdict): void => {
      seq += 1;
      requests.push({
        seq,
        channel,
        hookId: targetId,
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries([...new Set(query.keys())].map((k) => [k, query.get(k) ?? ''])),
        headers: req.headers,
        rawBody,
        body: ctx.text,
        at,
        remoteAddress: ctx.ip,
        verdict,
      });
    };

    if (channel === null) {
      const known = url.pathname === '/__throttled' || url.pathname === '/__redirected';
      const reply = known
        ? textReply(200, '<html><body>redirect target of the chat emulator</body></html>', 'text/html')
        : textReply(404, htmlPage(404), 'text/html');
      record({ status: reply.status, code: `http_${reply.status}`, message: url.pathname, delivered: false });
      send(res, reply);
      return;
    }
    if (req.method !== 'POST') {
      const reply = textReply(405, htmlPage(405), 'text/html', { allow: 'POST' });
      record({ status: 405, code: 'http_405', message: 'only POST', delivered: false });
      send(res, reply);
      return;
    }

    const run = (): Outcome => (replyTarget ? replyTarget.handle(ctx) : process(channel, ctx, token, hook));
    const fault: ChatFault | undefined = targetId !== null ? faults.take(targetId) : undefined;
    if (!fault) {
      const outcome = run();
      record(verdictOf(outcome));
      send(res, outcome.reply);
      return;
    }
    switch (fault.kind) {
      case 'status': {
        const reply = statusFaultReply(fault, channel, baseUrl);
        record({
          status: reply.status,
          code: `http_${reply.status}`,
          message: 'injected status',
          delivered: false,
          fault: 'status',
        });
        send(res, reply);
        return;
      }
      case 'business': {
        const msg = fault.msg ?? 'injected error';
        const outcome = replyTarget
          ? replyTarget.business(fault.code, msg)
          : hook
            ? businessOutcome(hook, ctx, fault.code, msg)
            : run();
        record({ ...verdictOf(outcome), fault: 'business' });
        send(res, outcome.reply);
        return;
      }
      case 'slow': {
        if (fault.recordAnyway) {
          const outcome = run();
          record({ ...verdictOf(outcome), fault: 'slow' });
          hold(res, outcome.reply, fault);
        } else {
          record({
            status: 504,
            code: 'slow',
            message: 'held and not processed',
            delivered: false,
            fault: 'slow',
          });
          hold(res, textReply(504, htmlPage(504), 'text/html'), fault);
        }
        return;
      }
      default: {
        const phase = fault.phase ?? 'before-response';
        const delivered = fault.recordAnyway ? run().delivered : false;
        record({
          status: phase === 'after-headers' ? 200 : 0,
          code: 'reset',
          message: `connection reset ${phase}`,
          delivered,
          fault: 'reset',
        });
        reset(res, phase);
      }
    }
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      send(res, textReply(500, `chat emulator error: ${String(error)}`));
    });
  });

  function listen(onPort: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  function stop(): Promise<void> {
    if (!listening) return Promise.resolve();
    listening = false;
    return new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  port = await listen(0);
  listening = true;
  baseUrl = `http://127.0.0.1:${port}`;

  function nextId(channel: ChatChannel): string {
    counters[channel] += 1;
    return `${channel}-${counters[channel]}`;
  }

  function register(hook: AnyHook): ChatHook {
    hooks.set(hook.id, hook);
    byToken.set(`${hook.channel}:${hook.token}`, hook);
    return { id: hook.id, channel: hook.channel, url: hook.url };
  }

  function base(channel: ChatChannel, token: string, url: string) {
    return {
      id: nextId(channel),
      token,
      url,
      deliveries: [],
      counter: new RateCounter(),
      blockedUntil: 0,
      acceptedCount: 0,
    };
  }

  function replyRequests(id: string, kind: 'slack' | 'dingtalk') {
    replies.accepted(id, kind);
    return requests.filter((r) => r.hookId === id);
  }

  function hookOf(hookId: string): AnyHook {
    const hook = hooks.get(hookId);
    if (!hook) throw new Error(`chat emulator: unknown hook ${hookId}`);
    return hook;
  }

  const emulator: ChatEmulator = {
    get baseUrl() {
      return baseUrl;
    },
    get port() {
      return port;
    },
    clock,
    requests,
    addDingtalk(opts: DingtalkHookOptions = {}) {
      const token = randomString(HEX, 64);
      return register({
        channel: 'dingtalk',
        options: { ...opts },
        ...base('dingtalk', token, `${baseUrl}/robot/send?access_token=${token}`),
      });
    },
    addFeishu(opts: FeishuHookOptions = {}) {
      const token = randomUuid();
      return register({
        channel: 'feishu',
        options: { ...opts },
        ...base('feishu', token, `${baseUrl}/open-apis/bot/v2/hook/${token}`),
      });
    },
    addWecom(opts: WecomHookOptions = {}) {
      const key = randomUuid();
      return register({
        channel: 'wecom',
        options: { ...opts },
        ...base('wecom', key, `${baseUrl}/cgi-bin/webhook/send?key=${key}`),
      });
    },
    addSlack(opts: SlackHookOptions = {}) {
      const token = `T${randomString(UPPER_ALNUM, 10)}/B${randomString(UPPER_ALNUM, 10)}/${randomString(ALNUM, 24)}`;
      return register({
        channel: 'slack',
        options: { ...opts },
        bucket: new TokenBucket(opts.capacity ?? 1, opts.refillPerSec ?? 1, clock.now() + offsetMs),
        ...base('slack', token, `${baseUrl}/services/${token}`),
      });
    },
    addWebhook(opts: WebhookHookOptions) {
      const token = `ep_${randomString(ALNUM, 20)}`;
      return register({
        channel: 'webhook',
        options: { ...opts, secrets: [...opts.secrets] },
        seenIds: new Set(),
        ...base('webhook', token, `${baseUrl}/hooks/${token}`),
      });
    },
    addSlackResponseUrl(opts: SlackResponseUrlOptions = {}) {
      return replies.addSlackResponseUrl(baseUrl, opts);
    },
    slackResponses(id: string) {
      return replies.accepted(id, 'slack');
    },
    slackResponseRequests(id: string) {
      return replyRequests(id, 'slack');
    },
    addDingTalkSession(opts: DingTalkSessionOptions = {}) {
      return replies.addDingTalkSession(baseUrl, opts);
    },
    dingTalkSessionMessages(id: string) {
      return replies.accepted(id, 'dingtalk');
    },
    dingTalkSessionRequests(id: string) {
      return replyRequests(id, 'dingtalk');
    },
    configure(hookId: string, patch: HookSettingsPatch) {
      const hook = hookOf(hookId);
      Object.assign(hook.options, patch);
      if (hook.channel === 'slack')
        hook.bucket.reconfigure(hook.options.capacity ?? 1, hook.options.refillPerSec ?? 1);
    },
    revoke(hookId: string) {
      const hook = hookOf(hookId);
      byToken.delete(`${hook.channel}:${hook.token}`);
    },
    delivered(hookId: string) {
      return hookOf(hookId).deliveries.slice();
    },
    requestsFor(hookId: string) {
      return requests.filter((r) => r.hookId === hookId);
    },
    fault(hookId: string, fault: ChatFault) {
      if (!replies.has(hookId)) hookOf(hookId);
      faults.add(hookId, fault);
    },
    clearFaults(hookId?: string) {
      faults.clear(hookId);
    },
    setClockOffset(ms: number) {
      offsetMs = ms;
    },
    clearRequests() {
      requests.length = 0;
    },
    down: () => stop(),
    async up() {
      if (closed) throw new Error('chat emulator: closed');
      if (listening) return;
      await listen(port);
      listening = true;
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await stop();
    },
  };
  return emulator;
}
