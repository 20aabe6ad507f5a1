import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHANNEL_CAPS } from '../../shared/notify/caps';
import type { Channel, ChannelType, OutgoingPart, SendOutcome } from '../../shared/notify/channel';
import {
  PartRequestError,
  RETRY_AFTER_CAP_MS,
  sanitizeText,
  TITLE_MAX_BYTES,
  truncateUtf8,
  utf8Bytes,
} from '../../shared/notify/drivers/common';
import { dingtalkDriver, dingtalkSign, dingtalkSignedUrl } from '../../shared/notify/drivers/dingtalk';
import { feishuDriver, feishuSign } from '../../shared/notify/drivers/feishu';
import { driverFor } from '../../shared/notify/drivers/index';
import {
  escapeMrkdwn,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_MAX_CHARS,
  slackDriver,
} from '../../shared/notify/drivers/slack';
import { standardWebhooksSign, webhookDriver, webhookId } from '../../shared/notify/drivers/webhook';
import { wecomDriver } from '../../shared/notify/drivers/wecom';

const NOW = 1_700_000_000_000;

function channel(type: ChannelType, overrides: Partial<Channel> = {}): Channel {
  const urls: Record<ChannelType, string> = {
    dingtalk: 'https://oapi.dingtalk.com/robot/send?access_token=abc123',
    feishu: 'https://open.feishu.cn/open-apis/bot/v2/hook/0b3c1d6e-6a0e-4f8e-9d1c-1f2e3d4c5b6a',
    wecom: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
    slack: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    webhook: 'https://receiver.example.com/hooks/imagegw',
  };
  return {
    name: `${type}-ops`,
    type,
    url: urls[type],
    minSeverity: 'high',
    remindEvery: 86_400,
    ...overrides,
  };
}

function part(overrides: Partial<OutgoingPart> = {}): OutgoingPart {
  return {
    id: 'run-20261203/ops/1',
    runId: 'run-20261203',
    channel: 'ops',
    index: 1,
    total: 1,
    title: 'imagegw-audit: 2 new, 0 resolved, 1 still open',
    text: '**imagegw-audit: 2 new**\n- [CRITICAL] gateway-tls · tls: off (1a2b3c4d)',
    ...overrides,
  };
}

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const headers = (init: Record<string, string> = {}) => new Headers(init);
const DATE = 'Thu, 03 Dec 2026 00:00:00 GMT';

describe('driverFor', () => {
  it('returns the driver of each channel type, with the caps rate limits', () => {
    expect(driverFor('dingtalk')).toBe(dingtalkDriver);
    expect(driverFor('feishu')).toBe(feishuDriver);
    expect(driverFor('wecom')).toBe(wecomDriver);
    expect(driverFor('slack')).toBe(slackDriver);
    expect(driverFor('webhook')).toBe(webhookDriver);
    expect(dingtalkDriver.rate).toEqual([{ max: 20, windowMs: 60_000 }]);
    expect(feishuDriver.rate).toEqual([
      { max: 5, windowMs: 1_000 },
      { max: 100, windowMs: 60_000 },
    ]);
    expect(wecomDriver.rate).toEqual(CHANNEL_CAPS.wecom.rate);
    expect(slackDriver.rate).toEqual([{ max: 1, windowMs: 1_000 }]);
    expect(webhookDriver.rate).toEqual([]);
  });
});

describe('§11 signing vectors, computed by the production signers', () => {
  it('V1/V1u/V2: DingTalk signature and URL, percent-encoded exactly once', () => {
    expect(dingtalkSign('SECtestsecret', 1_700_000_000_000)).toBe(
      '7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s=',
    );
    expect(
      dingtalkSignedUrl(
        'https://oapi.dingtalk.com/robot/send?access_token=abc123',
        'SECtestsecret',
        1_700_000_000_000,
      ),
    ).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D',
    );
    expect(dingtalkSign('SEC0123456789abcdef', 1_712_345_678_901)).toBe(
      '/u4QgPPso/9UQq5oC1P0zpxacXFngs0+h5ZcQLDrBas=',
    );
    const v2 = new URL(
      dingtalkSignedUrl(
        'https://oapi.dingtalk.com/robot/send?access_token=x',
        'SEC0123456789abcdef',
        1_712_345_678_901,
      ),
    );
    expect(v2.search).toContain('sign=%2Fu4QgPPso%2F9UQq5oC1P0zpxacXFngs0%2Bh5ZcQLDrBas%3D');
    // N1/N2: neither a raw `+` nor a double encoding reaches the wire.
    expect(v2.search).not.toContain('+');
    expect(v2.search).not.toContain('%25');
  });

  it('V1u through the driver: ms timestamp from the run clock, the URL never stacks parameters', () => {
    const signed = channel('dingtalk', { secret: 'SECtestsecret' });
    const first = dingtalkDriver.request(signed, part(), NOW);
    expect(first.url).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D',
    );
    // A stored URL that already carries an old timestamp/sign (the §3.8 bug) gets them replaced.
    const again = dingtalkDriver.request({ ...signed, url: first.url }, part(), 1_712_345_678_901);
    const query = new URL(again.url).searchParams;
    expect(query.getAll('timestamp')).toEqual(['1712345678901']);
    expect(query.getAll('sign')).toEqual([dingtalkSign('SECtestsecret', 1_712_345_678_901)]);
    expect(query.getAll('access_token')).toEqual(['abc123']);
    // Unsigned robots get the URL as configured.
    expect(dingtalkDriver.request(channel('dingtalk'), part(), NOW).url).toBe(channel('dingtalk').url);
  });

  it('V4/V5/N4: Feishu signature keyed by "ts\\nsecret" over an empty message, in the JSON body in seconds', () => {
    expect(feishuSign('testsecret', 1_700_000_000)).toBe('AOc8oJ7//5OlQlfWC3nRL0R+IkuzcD1FKcAyibRK9Q8=');
    expect(feishuSign('testsecret', 1_599_360_473)).toBe('363UeKLKin0EeG+hrOQd23TNUSH+orqAFf6mWFdhcD4=');
    expect(feishuSign('testsecret', 1_700_000_000)).not.toBe('QtI24SK3/m8+lKf0d89/bclcePXhBxolugiWin8Kl3c=');
    const request = feishuDriver.request(
      channel('feishu', { secret: 'testsecret' }),
      part(),
      1_700_000_000_999,
    );
    const body = json(request.body);
    expect(body.timestamp).toBe('1700000000');
    expect(body.sign).toBe('AOc8oJ7//5OlQlfWC3nRL0R+IkuzcD1FKcAyibRK9Q8=');
    expect(request.url).toBe(channel('feishu').url);
    expect(json(feishuDriver.request(channel('feishu'), part(), NOW).body)).not.toHaveProperty('sign');
  });

  it('V8/V9/N8/N9: Standard Webhooks v1 signatures keyed by the decoded secret', () => {
    expect(
      standardWebhooksSign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1_614_265_330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(
      standardWebhooksSign(
        'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        'msg_2b7f3c9e',
        1_700_000_000,
        '{"type":"finding.created","data":{"cluster":"cluster-x","violations":3}}',
      ),
    ).toBe('v1,O8t7izmFvHkcnclcxR6YnOZs1CmqX+oh6KY9QBMxEAc=');
    expect(
      standardWebhooksSign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1_614_265_330,
        '{"test":2432232314}',
      ),
    ).toBe('v1,Vif40peJBP7Iyl0XGmu61n4MwdrcHov5CFREBpE0svs=');
    const keyAsText = `v1,${createHmac('sha256', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').update('msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}').digest('base64')}`;
    expect(keyAsText).toBe('v1,TcxlhK9b6UD6iVI1ZU2tTqp8PEVfYRseNNfa6b+LcUg=');
  });

  it('the webhook driver signs the exact body it sends, with the part id and the seconds of this attempt', () => {
    const secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    const p = part({ index: 2, total: 3 });
    const request = webhookDriver.request(channel('webhook', { secret }), p, 1_700_000_000_500);
    expect(request.headers['webhook-id']).toBe('run-20261203/ops/1');
    expect(request.headers['webhook-timestamp']).toBe('1700000000');
    expect(request.headers['webhook-signature']).toBe(
      standardWebhooksSign(secret, p.id, 1_700_000_000, request.body),
    );
    expect(json(request.body)).toEqual({
      type: 'imagegw.digest.part',
      id: p.id,
      runId: p.runId,
      channel: p.channel,
      index: 2,
      total: 3,
      title: p.title,
      text: p.text,
    });
    // A retry keeps the id and signs again with its own timestamp.
    const retry = webhookDriver.request(channel('webhook', { secret }), p, 1_700_000_060_000);
    expect(retry.headers['webhook-id']).toBe(request.headers['webhook-id']);
    expect(retry.headers['webhook-timestamp']).toBe('1700000060');
    expect(retry.headers['webhook-signature']).not.toBe(request.headers['webhook-signature']);
  });

  it('webhook-id never holds a dot or a non-ASCII byte; unsigned without a secret; rejects an empty key', () => {
    expect(webhookId('run-1/ops/1')).toBe('run-1/ops/1');
    expect(webhookId('run.1/运维/1')).toBe('run%2E1/%E8%BF%90%E7%BB%B4/1');
    const unsigned = webhookDriver.request(channel('webhook'), part(), NOW);
    expect(unsigned.headers).not.toHaveProperty('webhook-signature');
    expect(() => webhookDriver.request(channel('webhook', { secret: 'whsec_' }), part(), NOW)).toThrow(
      PartRequestError,
    );
  });
});

describe('message bodies', () => {
  it('DingTalk: markdown with title and text', () => {
    const body = json(dingtalkDriver.request(channel('dingtalk'), part(), NOW).body);
    expect(body).toEqual({ msgtype: 'markdown', markdown: { title: part().title, text: part().text } });
  });

  it('Feishu: an interactive card, title in the header, the text in one markdown element', () => {
    const body = json(feishuDriver.request(channel('feishu'), part(), NOW).body);
    expect(body).toEqual({
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { template: 'blue', title: { tag: 'plain_text', content: part().title } },
        elements: [{ tag: 'markdown', content: part().text }],
      },
    });
  });

  it('WeCom: markdown whose content is the text', () => {
    const request = wecomDriver.request(channel('wecom'), part(), NOW);
    expect(json(request.body)).toEqual({ msgtype: 'markdown', markdown: { content: part().text } });
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('Slack: mrkdwn section blocks and the (escaped) title as the text fallback', () => {
    const body = json(slackDriver.request(channel('slack'), part({ title: 'a <b> & c &amp; d' }), NOW).body);
    expect(body).toEqual({
      text: 'a &lt;b&gt; &amp; c &amp; d',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: part().text } }],
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(escapeMrkdwn('<!channel> &lt; & >')).toBe('&lt;!channel&gt; &lt; &amp; &gt;');
  });

  it('Slack: a long text is cut into sections on line boundaries, none empty, none over 3000', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `- line ${i} ${'x'.repeat(40)}`);
    const text = lines.join('\n');
    const body = json(slackDriver.request(channel('slack'), part({ text }), NOW).body) as {
      blocks: { text: { text: string } }[];
    };
    expect(body.blocks.length).toBeGreaterThan(1);
    for (const block of body.blocks)
      expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX_CHARS);
    expect(body.blocks.map((block) => block.text.text).join('\n')).toBe(text);
    // One line over 3000 characters is cut between code points.
    const long = '😀'.repeat(2000);
    const cut = json(slackDriver.request(channel('slack'), part({ text: long }), NOW).body) as {
      blocks: { text: { text: string } }[];
    };
    expect(cut.blocks.map((block) => block.text.text).join('')).toBe(long);
    for (const block of cut.blocks)
      expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_MAX_CHARS);
    // Blank-only text still sends a valid section (the title).
    const blank = json(slackDriver.request(channel('slack'), part({ text: '\n \n' }), NOW).body) as {
      blocks: { text: { text: string } }[];
    };
    expect(blank.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: part().title } }]);
  });

  it('titles are one line of at most 256 bytes, with a fallback when empty', () => {
    const long = `${'合'.repeat(200)}\nsecond line`;
    const body = json(dingtalkDriver.request(channel('dingtalk'), part({ title: long }), NOW).body) as {
      markdown: { title: string };
    };
    expect(utf8Bytes(body.markdown.title)).toBeLessThanOrEqual(TITLE_MAX_BYTES);
    expect(body.markdown.title.endsWith('…')).toBe(true);
    const empty = json(
      dingtalkDriver.request(channel('dingtalk'), part({ title: ' ', index: 2, total: 3 }), NOW).body,
    ) as {
      markdown: { title: string };
    };
    expect(empty.markdown.title).toBe('imagegw digest (2/3)');
  });

  it('sanitizeText keeps byte counts and leaves nothing JSON writes as a 6-byte escape', () => {
    const raw = `a\u0001b\u001fc\td\ne\ud800f\udc00g😀`;
    const clean = sanitizeText(raw);
    expect(clean).toBe('a b c\td\ne\ufffdf\ufffdg😀');
    expect(utf8Bytes(clean)).toBe(utf8Bytes(raw));
    expect(JSON.stringify(clean)).not.toMatch(/\\u/);
    expect(truncateUtf8('合规合规', 7)).toBe('合…');
  });
});

/** The five request bodies at their worst: the largest allowed text that costs the most on the wire. */
describe('maxTextBytes keeps the whole request within the service limit', () => {
  const WORST_TEXTS = (max: number): [string, string][] => [
    ['all "', '"'.repeat(max)],
    ['all \\', '\\'.repeat(max)],
    ['all line feeds', '\n'.repeat(max)],
    ['all tabs', '\t'.repeat(max)],
    ['control characters', '\u0001'.repeat(max)],
    ['mixed escapes', '"\\\n\r\b\f'.repeat(Math.ceil(max / 6)).slice(0, max)],
    ['all CJK', truncateUtf8('合'.repeat(max), max, '')],
    ['CJK padded to the byte', `${'告'.repeat(Math.floor(max / 3))}${'x'.repeat(max % 3)}`],
    ['all emoji', truncateUtf8('😀'.repeat(max), max, '')],
    ['lone surrogates', '\ud800'.repeat(Math.floor(max / 3))],
  ];
  const WORST_TITLES = ['"'.repeat(1000), '合'.repeat(1000), '\n'.repeat(1000)];

  it.each([
    ['dingtalk', dingtalkDriver, 20_000],
    ['feishu', feishuDriver, 20_000],
  ] as const)('%s: body ≤ 20 000 bytes with signing on', (_name, driver, limit) => {
    const signed = channel(driver.type, { secret: 'SECtestsecret' });
    for (const [, text] of WORST_TEXTS(driver.maxTextBytes)) {
      expect(utf8Bytes(text)).toBeLessThanOrEqual(driver.maxTextBytes);
      for (const title of WORST_TITLES) {
        const request = driver.request(signed, part({ title, text }), NOW);
        expect(utf8Bytes(request.body)).toBeLessThanOrEqual(limit);
      }
    }
    // The budget is tight: the worst title and text of exactly maxTextBytes nearly fill the body
    // (Feishu's envelope reserves an 11-digit timestamp, one digit more than today's).
    const tight = driver.request(
      signed,
      part({ title: '"'.repeat(256), text: '"'.repeat(driver.maxTextBytes) }),
      NOW,
    );
    expect(utf8Bytes(tight.body)).toBeGreaterThanOrEqual(limit - 2);
    // …and a text past what fits is refused before sending, not posted to get 460101/9499.
    expect(() =>
      driver.request(
        signed,
        part({ title: '"'.repeat(256), text: '"'.repeat(driver.maxTextBytes + 3) }),
        NOW,
      ),
    ).toThrow(PartRequestError);
  });

  it('dingtalk 9 716 / feishu below it: the derived numbers', () => {
    expect(dingtalkDriver.maxTextBytes).toBe(9716);
    expect(feishuDriver.maxTextBytes).toBeLessThan(dingtalkDriver.maxTextBytes);
    expect(feishuDriver.maxTextBytes).toBeGreaterThan(9000);
  });

  it('wecom: markdown.content ≤ 4096 bytes (S3 accepted, S3x refused)', () => {
    expect(wecomDriver.maxTextBytes).toBe(4096);
    for (const [, text] of WORST_TEXTS(4096)) {
      const content = (
        json(wecomDriver.request(channel('wecom'), part({ text }), NOW).body) as {
          markdown: { content: string };
        }
      ).markdown.content;
      expect(utf8Bytes(content)).toBeLessThanOrEqual(4096);
    }
    const s3 = `${'告'.repeat(1365)}x`;
    expect(utf8Bytes(s3)).toBe(4096);
    expect(() => wecomDriver.request(channel('wecom'), part({ text: s3 }), NOW)).not.toThrow();
    expect(() => wecomDriver.request(channel('wecom'), part({ text: '告'.repeat(1366) }), NOW)).toThrow(
      /4098 bytes/,
    );
  });

  it('slack: every section ≤ 3000 characters, ≤ 50 blocks, no empty section', () => {
    const max = slackDriver.maxTextBytes;
    const shapes = [
      ...WORST_TEXTS(max),
      [
        'lines of 1501',
        Array.from({ length: 8 }, () => 'y'.repeat(1501))
          .join('\n')
          .slice(0, max),
      ] as [string, string],
      ['alternating blank lines', 'z\n\n'.repeat(max / 3)] as [string, string],
    ];
    for (const [name, text] of shapes) {
      const body = json(slackDriver.request(channel('slack'), part({ text }), NOW).body) as {
        blocks: { text: { text: string } }[];
      };
      expect(body.blocks.length, name).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
      for (const block of body.blocks) {
        expect(block.text.text.length, name).toBeLessThanOrEqual(SLACK_SECTION_MAX_CHARS);
        expect(block.text.text.trim(), name).not.toBe('');
      }
    }
  });

  it('webhook: body ≤ 20 000 bytes with run ids and channel names up to 128 bytes', () => {
    const name = '"'.repeat(128);
    const secret = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    for (const [, text] of WORST_TEXTS(webhookDriver.maxTextBytes)) {
      const p = part({
        id: `${name}/${name}/9999`,
        runId: name,
        channel: name,
        index: 9999,
        total: 9999,
        title: '"'.repeat(999),
        text,
      });
      const request = webhookDriver.request(channel('webhook', { secret }), p, NOW);
      expect(utf8Bytes(request.body)).toBeLessThanOrEqual(20_000);
    }
  });
});

type Case = [
  status: number,
  body: string,
  expected: Partial<SendOutcome> & { status: SendOutcome['status'] },
  init?: Record<string, string>,
];

function check(driver: { interpret: (s: number, h: Headers, b: string) => SendOutcome }, cases: Case[]) {
  for (const [status, body, expected, init] of cases) {
    const outcome = driver.interpret(status, headers(init), body);
    expect(outcome, `${status} ${body}`).toMatchObject(expected);
    if (outcome.status === 'retry' && 'retryAfterMs' in expected && expected.retryAfterMs === undefined) {
      expect(outcome.retryAfterMs).toBeUndefined();
    }
  }
}

describe('interpret: every documented answer', () => {
  it('DingTalk (§3.6, §3.7)', () => {
    check(dingtalkDriver, [
      [200, '{"errcode":0,"errmsg":"ok"}', { status: 'delivered' }],
      [
        200,
        '{"errcode":310000,"errmsg":"keywords not in content"}',
        { status: 'failed', code: 'dingtalk_310000' },
      ],
      [200, '{"errcode":310000,"errmsg":"invalid timestamp"}', { status: 'failed', code: 'dingtalk_310000' }],
      [
        200,
        '{"errcode":310000,"errmsg":"sign not match, more: [https://open.dingtalk.com/x]"}',
        { status: 'failed', code: 'dingtalk_310000' },
      ],
      [
        200,
        '{"errcode":310000,"errmsg":"ip 203.0.113.9 not in whitelist"}',
        { status: 'failed', code: 'dingtalk_310000' },
      ],
      [
        200,
        '{"errcode":300005,"errmsg":"token is not exist"}',
        { status: 'failed', code: 'dingtalk_300005' },
      ],
      [
        200,
        '{"errcode":300001,"errmsg":"token is not exist"}',
        { status: 'failed', code: 'dingtalk_300001' },
      ],
      [
        200,
        '{"errcode":40035,"errmsg":"缺少参数 access_token"}',
        { status: 'failed', code: 'dingtalk_40035' },
      ],
      [
        200,
        '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}',
        { status: 'retry', code: 'dingtalk_130101', retryAfterMs: 600_000 },
      ],
      [
        200,
        '{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}',
        { status: 'failed', code: 'dingtalk_460101' },
      ],
      [200, '{"errcode":90030,"errmsg":"webhook over limit"}', { status: 'failed', code: 'dingtalk_90030' }],
      [
        302,
        '',
        { status: 'retry', code: 'http_302', retryAfterMs: 600_000 },
        { location: 'https://example.com/' },
      ],
      [301, '', { status: 'retry', code: 'http_301', retryAfterMs: 600_000 }],
      [429, '', { status: 'retry', code: 'http_429', retryAfterMs: 30_000 }, { 'retry-after': '30' }],
      [500, '<html>Internal Server Error</html>', { status: 'retry', code: 'http_500' }],
      [502, '<html>Bad Gateway</html>', { status: 'retry', code: 'http_502' }],
      [
        503,
        '',
        { status: 'retry', code: 'http_503', retryAfterMs: 5000 },
        { 'retry-after': 'Thu, 03 Dec 2026 00:00:05 GMT', date: DATE },
      ],
      [504, '', { status: 'retry', code: 'http_504' }],
      [
        200,
        '<html><body>portal</body></html>',
        { status: 'retry', code: 'malformed_response', retryAfterMs: 60_000 },
      ],
      [200, '', { status: 'retry', code: 'malformed_response' }],
      [200, '{"ok":true}', { status: 'failed', code: 'unexpected_response' }],
      [200, '[0]', { status: 'failed', code: 'unexpected_response' }],
      [200, '{"errcode":"0"}', { status: 'failed', code: 'unexpected_response' }],
      [404, 'not found', { status: 'failed', code: 'http_404' }],
    ]);
  });

  it('Feishu (§4.5)', () => {
    check(feishuDriver, [
      [
        200,
        '{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}',
        { status: 'delivered' },
      ],
      [200, '{"code":0,"data":{},"msg":"success"}', { status: 'delivered' }],
      [200, '{"code":9499,"msg":"Bad Request","data":{}}', { status: 'failed', code: 'feishu_9499' }],
      [
        400,
        '{"code":9499,"msg":"Bad Request: fail to parse content","data":{}}',
        { status: 'failed', code: 'feishu_9499' },
      ],
      [
        200,
        '{"StatusCode":9499,"StatusMessage":"fail to parse content"}',
        { status: 'failed', code: 'feishu_9499' },
      ],
      [200, '{"code":19002,"msg":"param invalid: msg_type"}', { status: 'failed', code: 'feishu_19002' }],
      [
        200,
        '{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}',
        { status: 'failed', code: 'feishu_19001' },
      ],
      [
        200,
        '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
        { status: 'failed', code: 'feishu_19021' },
      ],
      [200, '{"code":19022,"msg":"Ip Not Allowed"}', { status: 'failed', code: 'feishu_19022' }],
      [200, '{"code":19024,"msg":"Key Words Not Found"}', { status: 'failed', code: 'feishu_19024' }],
      [
        200,
        '{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]"}',
        { status: 'retry', code: 'feishu_11232', retryAfterMs: 60_000 },
      ],
      [200, '{"code":11220,"msg":"too many request"}', { status: 'retry', code: 'feishu_11220' }],
      // Legacy StatusCode 0 without `code` is not a success (§4.7).
      [200, '{"StatusCode":0,"StatusMessage":"success"}', { status: 'failed', code: 'unexpected_response' }],
      [200, '<html>gateway</html>', { status: 'retry', code: 'malformed_response' }],
      [302, '', { status: 'failed', code: 'http_302' }],
      [429, '', { status: 'retry', code: 'http_429', retryAfterMs: 2000 }, { 'retry-after': '2' }],
      [500, '', { status: 'retry', code: 'http_500' }],
      [503, '<html>busy</html>', { status: 'retry', code: 'http_503' }],
    ]);
  });

  it('WeCom (§5.5)', () => {
    const hint =
      ', hint: [1700000000_12_3a], from ip: 203.0.113.9, more info at https://open.work.weixin.qq.com/devtool/query?e=';
    check(wecomDriver, [
      [200, '{"errcode":0,"errmsg":"ok"}', { status: 'delivered' }],
      [
        200,
        `{"errcode":45009,"errmsg":"api freq out of limit${hint}45009"}`,
        { status: 'retry', code: 'wecom_45009', retryAfterMs: 60_000 },
      ],
      [
        200,
        `{"errcode":93000,"errmsg":"invalid webhook url${hint}93000"}`,
        { status: 'failed', code: 'wecom_93000' },
      ],
      [
        200,
        `{"errcode":44004,"errmsg":"empty content${hint}44004"}`,
        { status: 'failed', code: 'wecom_44004' },
      ],
      [
        200,
        `{"errcode":40058,"errmsg":"markdown.content exceed max length 4096. invalid Request Parameter${hint}40058"}`,
        { status: 'failed', code: 'wecom_40058' },
      ],
      [
        200,
        `{"errcode":40008,"errmsg":"invalid message type${hint}40008"}`,
        { status: 'failed', code: 'wecom_40008' },
      ],
      [200, '<html>proxy</html>', { status: 'retry', code: 'malformed_response' }],
      [200, '{"code":0}', { status: 'failed', code: 'unexpected_response' }],
      [302, '', { status: 'failed', code: 'http_302' }],
      [502, '', { status: 'retry', code: 'http_502' }],
    ]);
    const outcome = wecomDriver.interpret(
      200,
      headers(),
      `{"errcode":45009,"errmsg":"api freq out of limit${hint}45009"}`,
    );
    expect(outcome.status !== 'delivered' && outcome.message).not.toMatch(/203\.0\.113\.9|hint/);
  });

  it('Slack (§6.4)', () => {
    check(slackDriver, [
      [200, 'ok', { status: 'delivered' }],
      [400, 'invalid_payload', { status: 'failed', code: 'slack_invalid_payload' }],
      [400, 'user_not_found', { status: 'failed', code: 'slack_user_not_found' }],
      [
        400,
        'missing_text_or_fallback_or_attachments',
        { status: 'failed', code: 'slack_missing_text_or_fallback_or_attachments' },
      ],
      [400, 'invalid_blocks', { status: 'failed', code: 'slack_invalid_blocks' }],
      [403, 'action_prohibited', { status: 'failed', code: 'slack_action_prohibited' }],
      [404, 'channel_not_found', { status: 'failed', code: 'slack_channel_not_found' }],
      [404, 'no_team', { status: 'failed', code: 'slack_no_team' }],
      [404, 'no_service', { status: 'failed', code: 'slack_no_service' }],
      [404, 'invalid_token', { status: 'failed', code: 'slack_invalid_token' }],
      [410, 'channel_is_archived', { status: 'failed', code: 'slack_channel_is_archived' }],
      [
        429,
        'rate_limited',
        { status: 'retry', code: 'http_429', retryAfterMs: 7000 },
        { 'retry-after': '7' },
      ],
      [429, '', { status: 'retry', code: 'http_429', retryAfterMs: 1000 }],
      [429, '', { status: 'retry', retryAfterMs: RETRY_AFTER_CAP_MS }, { 'retry-after': '86400' }],
      [500, 'rollup_error', { status: 'retry', code: 'http_500' }],
      [503, '<html>down</html>', { status: 'retry', code: 'http_503' }],
      [302, '', { status: 'failed', code: 'http_302' }],
      // A 200 that is not `ok`: an HTML page → retry, JSON (not Slack) → failed.
      [200, '<!DOCTYPE html><html>login</html>', { status: 'retry', code: 'malformed_response' }],
      [200, '{"ok":true}', { status: 'failed', code: 'unexpected_response' }],
      [200, ' ok\n', { status: 'delivered' }],
    ]);
  });

  it('Standard Webhooks (§8.4)', () => {
    check(webhookDriver, [
      [200, '', { status: 'delivered' }],
      [202, 'accepted', { status: 'delivered' }],
      [204, '', { status: 'delivered' }],
      [410, 'gone', { status: 'failed', code: 'http_410' }],
      [429, '', { status: 'retry', code: 'http_429', retryAfterMs: 3000 }, { 'retry-after': '3' }],
      [502, '', { status: 'retry', code: 'http_502' }],
      [504, '', { status: 'retry', code: 'http_504' }],
      [500, '', { status: 'retry', code: 'http_500' }],
      [
        503,
        '',
        { status: 'retry', retryAfterMs: 0 },
        { 'retry-after': 'Wed, 02 Dec 2026 00:00:00 GMT', date: DATE },
      ],
      [301, '', { status: 'failed', code: 'http_301' }],
      [401, 'bad signature', { status: 'failed', code: 'http_401' }],
      [400, 'stale', { status: 'failed', code: 'http_400' }],
      [413, '', { status: 'failed', code: 'http_413' }],
      [408, '', { status: 'retry', code: 'http_408' }],
      [409, '', { status: 'retry', code: 'http_409' }],
    ]);
  });

  it('Retry-After: seconds or an HTTP date, capped at 15 minutes, garbage ignored', () => {
    const at = (value: string) =>
      slackDriver.interpret(429, headers({ 'retry-after': value, date: DATE }), '') as {
        retryAfterMs?: number;
      };
    expect(at('0').retryAfterMs).toBe(0);
    expect(at('120').retryAfterMs).toBe(120_000);
    expect(at('Thu, 03 Dec 2026 00:02:00 GMT').retryAfterMs).toBe(120_000);
    expect(at('Fri, 04 Dec 2026 00:00:00 GMT').retryAfterMs).toBe(RETRY_AFTER_CAP_MS);
    expect(at('soon').retryAfterMs).toBe(1000);
    expect(at('-5').retryAfterMs).toBe(1000);
  });

  it('error messages quote the service, never the request id/IP noise or a query string', () => {
    const outcome = dingtalkDriver.interpret(
      200,
      headers(),
      '{"errcode":310000,"errmsg":"sign not match, more: [https://oapi.dingtalk.com/robot/send?access_token=abc123]"}',
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.status !== 'delivered' && outcome.message).not.toContain('abc123');
  });
});
