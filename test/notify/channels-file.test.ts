import { describe, expect, it } from 'vitest';
import { ChannelsError, parseChannels } from '../../shared/notify/channels-file';

const env = {
  DINGTALK_TOKEN: 'tok-SECRET-123',
  DINGTALK_SECRET: 'SEC-signing-456',
  HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

function parse(yaml: string, vars: Record<string, string> = env) {
  return parseChannels(yaml, 'channels.yaml', vars);
}

function error(yaml: string, vars: Record<string, string> = env): string {
  try {
    parse(yaml, vars);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ChannelsError);
    return (caught as Error).message;
  }
  throw new Error('expected a ChannelsError');
}

describe('channels file', () => {
  it('substitutes ${VAR} from the environment and applies defaults', () => {
    const { channels } = parse(`channels:
  - name: ops
    type: dingtalk
    url: https://oapi.dingtalk.com/robot/send?access_token=\${DINGTALK_TOKEN}
    secret: \${DINGTALK_SECRET}
    minSeverity: medium
  - name: hooks
    type: webhook
    url: https://receiver.example.com/imagegw
    secret: \${HOOK_SECRET}
    remindEvery: 12h
`);
    expect(channels[0]).toEqual({
      name: 'ops',
      type: 'dingtalk',
      url: 'https://oapi.dingtalk.com/robot/send?access_token=tok-SECRET-123',
      secret: 'SEC-signing-456',
      minSeverity: 'medium',
      remindEvery: 86_400,
    });
    expect(channels[1]).toMatchObject({ minSeverity: 'low', remindEvery: 43_200 });
  });

  it('names the missing variable, never a value', () => {
    const message = error(
      'channels:\n  - { name: ops, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=${NOPE}" }\n',
    );
    expect(message).toBe('channels.yaml: channels[0] (ops).url: environment variable NOPE is not set');
  });

  it.each([
    [
      'a foreign host for a service',
      'type: dingtalk, url: "https://evil.example/robot/send?access_token=${DINGTALK_TOKEN}"',
      /posts to oapi\.dingtalk\.com/,
    ],
    [
      'plain http to a real host',
      'type: slack, url: "http://hooks.slack.com/services/T/B/x"',
      /must be https/,
    ],
    [
      'a webhook without a secret',
      'type: webhook, url: "https://r.example/x"',
      /needs a Standard Webhooks secret/,
    ],
    [
      'a signed WeCom',
      'type: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", secret: s',
      /not signed/,
    ],
    [
      'a DingTalk URL without its access_token',
      'type: dingtalk, url: "https://oapi.dingtalk.com/robot/send"',
      /access_token query parameter/,
    ],
    ['an unknown type', 'type: teams, url: "https://x.example"', /type/],
    [
      'a typo in a key',
      'type: slack, url: "https://hooks.slack.com/services/T/B/x", minSeverty: high',
      /unrecognized|Unrecognized/,
    ],
  ])('refuses %s without echoing the URL or secret', (_name, fields, message) => {
    const text = error(`channels:\n  - { name: ops, ${fields} }\n`);
    expect(text).toMatch(message);
    expect(text).not.toContain('tok-SECRET-123');
    expect(text).not.toContain('access_token=');
  });

  it('allows http to a loopback emulator, refuses duplicate names', () => {
    expect(
      parse('channels:\n  - { name: ops, type: slack, url: "http://127.0.0.1:8080/services/T/B/x" }\n')
        .channels,
    ).toHaveLength(1);
    expect(
      error(
        'channels:\n  - { name: ops, type: slack, url: "https://hooks.slack.com/services/T/B/x" }\n  - { name: ops, type: slack, url: "https://hooks.slack.com/services/T/B/y" }\n',
      ),
    ).toMatch(/used twice/);
  });
});
