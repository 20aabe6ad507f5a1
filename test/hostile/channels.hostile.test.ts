// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the channels file's own ${VAR} references are the input under test
/**
 * Hostile channels files (shared/notify/channels-file.ts, and `run --channels FILE --dry-run`):
 * random YAML, wrong types, unknown channel types, URLs with credentials, odd schemes and hosts,
 * `${VAR}` edge cases and duplicate names. A file is accepted only with safe URLs, or refused with
 * one ChannelsError line naming the file and the field, quoting no secret from the environment.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHANNEL_TYPES } from '../../shared/notify/channel';
import {
  type ChannelsConfig,
  ChannelsError,
  loadChannelsFile,
  parseChannels,
} from '../../shared/notify/channels-file';
import {
  expectCleanCliFailure,
  expectOneLine,
  runCliBounded,
  settle,
  settleSync,
  tempDir,
} from '../helpers/hostile';

const FILE = 'channels.yaml';
const BOUND_MS = 10_000;

/** Secret values in the environment: none may ever appear in an error. */
const ENV: Record<string, string> = {
  SLACK_PATH: 'services/T000/B000/S3CR3T-slack-path-7781',
  DING_TOKEN: 'S3CR3T-ding-token-4412',
  DING_SECRET: 'SECS3CR3T-ding-signing-0093',
  WECOM_KEY: 'S3CR3T-wecom-key-5521',
  HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  HOOK_URL: 'https://receiver.example.com/S3CR3T-hook-path',
  USERINFO_URL: 'https://admin:S3CR3T-password-1@hooks.slack.com/services/T/B/x',
  LOOP: '${DING_TOKEN}',
  EMPTY: '',
  SPACES: '   ',
  NEWLINE: 'S3CR3T-line\nbreak',
};
const SECRETS = Object.values(ENV).filter((value) => value.length >= 6 && value.trim() === value);

/** The parser's contract on one file: a config, or one line naming the file (and no secret). */
function parsesOrExplains(
  text: string,
  env: Record<string, string> = ENV,
  file = FILE,
): ChannelsConfig | string {
  const outcome = settleSync(() => parseChannels(text, file, env), BOUND_MS);
  if (outcome.ok) return outcome.value;
  expect(outcome.error, String(outcome.error)).toBeInstanceOf(ChannelsError);
  const { message } = outcome.error as Error;
  expectOneLine(message);
  expect(message.startsWith(`${file}: `), message).toBe(true);
  for (const secret of SECRETS) expect(message).not.toContain(secret);
  for (const value of Object.values(env)) if (value.length >= 8) expect(message).not.toContain(value);
  return message;
}

const SERVICE_HOSTS: Record<string, string[]> = {
  dingtalk: ['oapi.dingtalk.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
  wecom: ['qyapi.weixin.qq.com'],
  slack: ['hooks.slack.com'],
};
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/** What an accepted channel's URL must be: https (http only to loopback), no user info, its service's host. */
function expectSafeChannelUrl(type: string, text: string): void {
  const url = new URL(text);
  expect(url.username + url.password).toBe('');
  const loopback = LOOPBACK.includes(url.hostname);
  expect(url.protocol === 'https:' || (loopback && url.protocol === 'http:'), text).toBe(true);
  if (type !== 'webhook' && !loopback) expect(SERVICE_HOSTS[type]).toContain(url.hostname);
  if (type === 'dingtalk') expect(url.searchParams.get('access_token')).toBeTruthy();
  if (type === 'wecom') expect(url.searchParams.get('key')).toBeTruthy();
}

const BASE_CHANNEL: Record<string, unknown> = {
  name: 'ops',
  type: 'slack',
  url: 'https://hooks.slack.com/${SLACK_PATH}',
  minSeverity: 'high',
  remindEvery: '12h',
};

describe('channels files on generated input', () => {
  it('parses random bytes and random YAML into a config or one line naming the file', () => {
    const yamlish = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
      fc.jsonValue({ maxDepth: 4 }).map((value) => stringify(value)),
      fc
        .array(
          fc.dictionary(
            fc.constantFrom('name', 'type', 'url', 'secret', 'minSeverity', 'remindEvery', 'extra'),
            fc.oneof(
              fc.jsonValue({ maxDepth: 1 }),
              fc.constantFrom('ops', 'slack', 'webhook', '${HOOK_URL}', '${HOOK_SECRET}', '1h', 'low'),
            ),
          ),
          { maxLength: 3 },
        )
        .map((channels) => stringify({ channels })),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        const result = parsesOrExplains(text);
        if (typeof result !== 'string')
          for (const channel of result.channels) expectSafeChannelUrl(channel.type, channel.url);
      }),
      { numRuns: 300 },
    );
  });

  it('names the field of a wrong-typed value in a channel, and in the file', () => {
    const wrong = fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(BASE_CHANNEL), 'secret'),
        wrong,
        fc.nat({ max: 2 }),
        (field, value, index) => {
          const channels: Record<string, unknown>[] = Array.from({ length: 3 }, (_, i) => ({
            ...BASE_CHANNEL,
            name: `ops-${i}`,
          }));
          channels[index] = { ...channels[index], [field]: value };
          const message = parsesOrExplains(stringify({ channels }));
          expect(typeof message).toBe('string');
          expect(message).toMatch(
            new RegExp(`^${FILE}: channels\\[${index}\\](\\.| \\([^)]*\\)\\.)${field}: `),
          );
        },
      ),
      { numRuns: 150 },
    );
    for (const [document, key] of [
      [{ channels: 'ops' }, 'channels'],
      [{ channels: [] }, 'channels'],
      [{ channels: [BASE_CHANNEL], reportUrl: 42 }, 'reportUrl'],
      [{ channels: [BASE_CHANNEL], reportUrl: 'javascript:alert(1)' }, 'reportUrl'],
      [{ channels: [BASE_CHANNEL], extra: true }, 'channels'],
    ] as const) {
      expect(parsesOrExplains(stringify(document))).toMatch(
        new RegExp(`^${FILE}: ${key.replace(/[[\]]/g, '\\$&')}: `),
      );
    }
  });

  it('refuses any unknown channel type, naming channels[i].type', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom(
            'Slack',
            'SLACK',
            'teams',
            'email',
            '__proto__',
            'constructor',
            'toString',
            'webhook ',
            'slack\u0000',
          ),
        ),
        (type) => {
          fc.pre(!(CHANNEL_TYPES as readonly string[]).includes(type));
          expect(parsesOrExplains(stringify({ channels: [{ ...BASE_CHANNEL, type }] }))).toMatch(
            /^channels\.yaml: channels\[0\]\.type: /,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('accepts a channel URL only when it is safe for its type, else names channels[i] (name).url without quoting it', () => {
    const scheme = fc.constantFrom(
      'https://',
      'http://',
      'HTTPS://',
      'ftp://',
      'file://',
      'javascript:',
      'https:',
      'https:///',
      '//',
      '',
    );
    const userInfo = fc.constantFrom('', 'user@', 'user:S3CR3T-pw@', ':@', '@');
    const host = fc.constantFrom(
      'hooks.slack.com',
      'HOOKS.SLACK.COM',
      'hooks.slack.com.',
      'hooks.slack.com.evil.example',
      'evil.example',
      'oapi.dingtalk.com',
      'open.feishu.cn',
      'open.larksuite.com',
      'qyapi.weixin.qq.com',
      '127.0.0.1',
      '127.1',
      'localhost',
      '[::1]',
      '[::ffff:127.0.0.1]',
      '0x7f000001',
      'xn--hooks-slack-9db.com',
      'hooks.slack.com\\@evil.example',
      'evil.example#@hooks.slack.com',
      '',
    );
    const port = fc.constantFrom('', ':443', ':8080', ':0', ':99999', ':');
    const path = fc.constantFrom(
      '',
      '/',
      '/services/T/B/x',
      '/robot/send',
      '/cgi-bin/webhook/send',
      '/${SLACK_PATH}',
      '/%2e%2e/x',
      '/\u0000',
    );
    const query = fc.constantFrom(
      '',
      '?access_token=${DING_TOKEN}',
      '?key=${WECOM_KEY}',
      '?access_token=',
      '?key=&access_token=x',
      '?x=1',
    );
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANNEL_TYPES),
        scheme,
        userInfo,
        host,
        port,
        path,
        query,
        (type, s, u, h, p, pa, q) => {
          const url = `${s}${u}${h}${p}${pa}${q}`;
          const channel = {
            name: 'ops',
            type,
            url,
            ...(type === 'webhook' ? { secret: '${HOOK_SECRET}' } : {}),
          };
          const result = parsesOrExplains(stringify({ channels: [channel] }));
          if (typeof result !== 'string') {
            seen.accepted += 1;
            const [accepted] = result.channels;
            expectSafeChannelUrl(type, accepted?.url ?? '');
            return;
          }
          seen.refused += 1;
          expect(result).toMatch(/^channels\.yaml: channels\[0\]( \(ops\))?\.url: /);
          expect(result).not.toContain('S3CR3T-pw');
          if (h.length > 3) expect(result.slice(result.indexOf('.url: '))).not.toContain(`${u}${h}${p}${pa}`);
        },
      ),
      { numRuns: 300 },
    );
    expect(seen.accepted).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(100);
  });

  it('never quotes a secret that ${VAR} substitution brought in, whatever the channel', () => {
    const reference = fc.constantFrom(
      ...Object.keys(ENV).map((name) => `\${${name}}`),
      '${UNSET}',
      '${}',
      '${1A}',
      '$${DING_TOKEN}',
      '${DING_TOKEN',
      '${${DING_TOKEN}}',
      '${ding_token}',
    );
    const value = fc
      .array(
        fc.oneof(
          reference,
          fc.constantFrom(
            'https://',
            'hooks.slack.com/',
            'oapi.dingtalk.com/robot/send?access_token=',
            'whsec_',
            'x',
          ),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.constantFrom(...CHANNEL_TYPES), value, fc.option(value), (type, url, secret) => {
        const channel = { name: 'ops', type, url, ...(secret === null ? {} : { secret }) };
        const result = parsesOrExplains(stringify({ channels: [channel] }));
        if (typeof result === 'string') return;
        const [accepted] = result.channels;
        expectSafeChannelUrl(type, accepted?.url ?? '');
        // Substitution is one pass: ${LOOP} stays the text "${DING_TOKEN}", never the token.
        if (url.includes('${LOOP}') && !url.replace('${LOOP}', '').includes('DING_TOKEN')) {
          expect(accepted?.url).not.toContain(ENV.DING_TOKEN);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('channels files on hand-written hostile input', () => {
  it.each<[string, string, RegExp]>([
    [
      'an unset variable',
      'https://hooks.slack.com/${NOPE}',
      /channels\[0\] \(ops\)\.url: environment variable NOPE is not set$/,
    ],
    ['an empty variable', 'https://hooks.slack.com/${EMPTY}', /environment variable EMPTY is not set$/],
    ['a variable holding a reference', '${LOOP}', /channels\[0\] \(ops\)\.url: not a URL$/],
    ['a nested reference', '${${DING_TOKEN}}', /channels\[0\] \(ops\)\.url: not a URL$/],
    ['a URL with user info from the environment', '${USERINFO_URL}', /\.url: must not carry user info$/],
    ['a line break from the environment', 'https://hooks.slack.com/${NEWLINE}', /./],
    ['a variable name of 10,000 letters', `https://hooks.slack.com/\${${'A'.repeat(10_000)}}`, /is not set$/],
    ['a lone dollar', 'https://hooks.slack.com/$', /./],
  ])('handles %s', (_what, url, message) => {
    const result = parsesOrExplains(stringify({ channels: [{ name: 'ops', type: 'slack', url }] }));
    if (typeof result === 'string') expect(result).toMatch(message);
    else expectSafeChannelUrl('slack', result.channels[0]?.url ?? '');
  });

  it.each<[string, string, RegExp]>([
    [
      'duplicate names',
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/a" }\n  - { name: ops, type: slack, url: "https://hooks.slack.com/b" }\n',
      /channels\[1\] \(ops\): the name is used twice$/,
    ],
    ['a duplicate key', 'channels: []\nchannels: []\n', /not valid YAML/],
    [
      'an alias bomb',
      `a: &a [1,1,1,1,1,1,1,1,1,1]\n${['b', 'c', 'd', 'e', 'f'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcde'[i]}`).join(',')}]`).join('\n')}\nchannels: [*f]\n`,
      /not valid YAML|channels/,
    ],
    [
      'a merge key',
      'base: &b { type: slack, url: "https://hooks.slack.com/x" }\nchannels:\n  - { <<: *b, name: ops }\n',
      /channels/,
    ],
    [
      'a __proto__ key',
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x", __proto__: { secret: x } }\n',
      /channels\[0\]/,
    ],
    ['a !!binary channel list', 'channels: !!binary aGVsbG8=\n', /channels: /],
    [
      'a !!js/function url',
      'channels:\n  - { name: ops, type: slack, url: !!js/function "function(){}" }\n',
      /./,
    ],
    [
      'an upper-case name',
      'channels:\n  - { name: OPS, type: slack, url: "https://hooks.slack.com/x" }\n',
      /channels\[0\]\.name: /,
    ],
    [
      'a name of 64 characters',
      `channels:\n  - { name: ${'a'.repeat(64)}, type: slack, url: "https://hooks.slack.com/x" }\n`,
      /channels\[0\]\.name: /,
    ],
    [
      'a remindEvery past safe integers',
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x", remindEvery: 99999999999999999999d }\n',
      /remindEvery: .*too large$/,
    ],
    [
      'a bare-number remindEvery',
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x", remindEvery: 600 }\n',
      /channels\[0\]\.remindEvery: /,
    ],
    [
      'a webhook secret that is not whsec_',
      'channels:\n  - { name: ops, type: webhook, url: "${HOOK_URL}", secret: "${DING_TOKEN}" }\n',
      /\.secret: expected whsec_/,
    ],
    [
      'a signed Slack channel',
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x", secret: "${DING_SECRET}" }\n',
      /\.secret: slack webhooks are not signed/,
    ],
    [
      'a BOM and CRLF lines',
      '\uFEFFchannels:\r\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x" }\r\n',
      /./,
    ],
    ['an empty file', '', /channels: /],
    ['a NUL byte', 'channels:\u0000\n', /./],
  ])('refuses or reads safely %s', (_what, text, message) => {
    const result = parsesOrExplains(text);
    if (typeof result === 'string') expect(result).toMatch(message);
    else for (const channel of result.channels) expectSafeChannelUrl(channel.type, channel.url);
  });

  it('refuses 500 levels of nesting in one line', () => {
    parsesOrExplains(`channels: ${'['.repeat(500)}${']'.repeat(500)}\n`);
  });

  it('refuses 10,000 levels of nesting saying it is nested too deeply', () => {
    const message = parsesOrExplains(`channels: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    expect(message).not.toMatch(/call stack/i);
  });

  it('reads a tagged value without a process warning quoting the file', async () => {
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(warning.message);
    process.on('warning', listen);
    try {
      parsesOrExplains(
        'channels:\n  - { name: ops, type: slack, url: !secret "https://hooks.slack.com/services/T/B/LITERAL-TOKEN" }\n',
      );
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings).toEqual([]);
  });

  it('refuses an unknown key holding a line break in one line', () => {
    parsesOrExplains(
      'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/x", "min\\nSeverity": high }\n',
    );
  });
});

describe('channels files on disk and through the CLI', () => {
  const dir = tempDir('channels');
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('names unreadable and binary files', async () => {
    const folder = join(dir, 'folder.yaml');
    mkdirSync(folder);
    for (const [path, message] of [
      [folder, /cannot read \(EISDIR\)$/],
      [join(dir, 'absent.yaml'), /no such file$/],
      [write('binary.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151) % 256))), /./],
      [write('utf16.yaml', Buffer.from('\uFEFFchannels: []\n', 'utf16le')), /./],
    ] as const) {
      const outcome = await settle(() => loadChannelsFile(path, ENV), BOUND_MS);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error).toBeInstanceOf(ChannelsError);
      const text = (outcome.error as Error).message;
      expectOneLine(text);
      expect(text.startsWith(`${path}: `)).toBe(true);
      expect(text).toMatch(message);
    }
  });

  it('refuses hostile channels files in `run --dry-run` with exit 2, one line naming the file, no secret', async () => {
    const files = [
      write('type.yaml', 'channels:\n  - { name: ops, type: teams, url: "https://x.example" }\n'),
      write(
        'unset.yaml',
        'channels:\n  - { name: ops, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=${NOPE}", secret: "${DING_SECRET}" }\n',
      ),
      write('userinfo.yaml', 'channels:\n  - { name: ops, type: slack, url: "${USERINFO_URL}" }\n'),
      write(
        'foreign.yaml',
        'channels:\n  - { name: ops, type: dingtalk, url: "https://evil.example/robot/send?access_token=${DING_TOKEN}" }\n',
      ),
      write('random.yaml', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97) % 256))),
    ];
    const env = Object.fromEntries(Object.entries(ENV).filter(([name]) => name !== 'NEWLINE'));
    const results = await Promise.all(
      files.map(
        async (file) =>
          [
            file,
            await runCliBounded(
              [
                'run',
                '--dry-run',
                '--channels',
                file,
                '--regions',
                'cn-hangzhou',
                '--endpoint',
                'http://127.0.0.1:9',
              ],
              { env },
            ),
          ] as const,
      ),
    );
    for (const [file, result] of results) {
      expect(result.stdout).toBe('');
      expectCleanCliFailure(result, file);
      for (const secret of SECRETS) expect(result.stderr).not.toContain(secret);
    }
  }, 30_000);
});
