/**
 * The final break test's findings, each pinned: what a server, a policy or a request says is
 * echoed on one line, bounded, and with no credential in it.
 */
import { describe, expect, it } from 'vitest';
import { asChatJob } from '../../shared/chat/job';
import { ConfigError, parseRegions } from '../../shared/config';
import { EhpcApiError } from '../../shared/ehpc/errors';
import { createEhpcClient } from '../../shared/ehpc/pop-client';
import { EventError } from '../../shared/fc/events';
import { PolicyError } from '../../shared/policy/errors';
import { parsePolicy } from '../../shared/policy/load';
import { useEhpcEmulator } from '../helpers/emulator';

const start = useEhpcEmulator();
const KEY = {
  accessKeyId: 'STS.KEYIDZZZ111',
  accessKeySecret: 'KEYSECRETZZZ222',
  securityToken: 'STSTOKENZZZ333',
};

describe('echo hygiene', () => {
  it("keeps an E-HPC error body's Code and RequestId to one redacted, bounded line", async () => {
    const emulator = await start({ regions: { 'cn-hangzhou': [] }, credentials: [KEY] });
    emulator.failRegion('cn-hangzhou', {
      raw: {
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          Code: `Weird\nCode /?AccessKeyId=${KEY.accessKeyId}&SecurityToken=${KEY.securityToken}&Signature=abc`,
          Message: 'broken',
          RequestId: `${KEY.accessKeySecret}\n${'x'.repeat(5000)}`,
        }),
      },
    });
    const reader = createEhpcClient({
      credentials: KEY,
      endpointFor: () => emulator.endpoints['cn-hangzhou'] ?? '',
      retry: { attempts: 1, sleep: async () => {} },
    });
    const error = await reader.listClusters('cn-hangzhou').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EhpcApiError);
    const { code, requestId, message } = error as EhpcApiError;
    for (const text of [code ?? '', requestId ?? '', message]) {
      expect(text).not.toContain('\n');
      for (const secret of Object.values(KEY)) expect(text).not.toContain(secret);
    }
    expect((requestId ?? '').length).toBeLessThan(200);
  });

  it('refuses a policy whose alias refers to its own anchor, with a policy error', () => {
    expect(() => parsePolicy('version: 1\na: &a [*a]\n', 'p7.yaml')).toThrow(PolicyError);
    expect(() => parsePolicy('version: 1\na: &a [*a]\n', 'p7.yaml')).toThrow(
      /p7\.yaml: an alias refers to its own anchor/,
    );
  });

  it('echoes a bad region id on one bounded line', () => {
    for (const text of ['cn-hangzhou,a\nb', `cn-hangzhou,${'Z'.repeat(3000)}`]) {
      try {
        parseRegions(text, '--regions');
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain('\n');
        expect((error as Error).message.length).toBeLessThan(200);
      }
    }
  });

  it('refuses a chat job whose run id is not one the route makes, as a 400-kind error', () => {
    const job = (runId: string) =>
      Buffer.from(
        JSON.stringify({
          kind: 'imagegw-audit.chat-job',
          runId,
          caller: 'slack:T:U',
          reply: { service: 'slack', url: 'https://hooks.slack.com/commands/T/1/x' },
        }),
      );
    expect(asChatJob(job('2026-12-03T02:30:00Z-abcd'))?.runId).toBe('2026-12-03T02:30:00Z-abcd');
    expect(() => asChatJob(job('../../etc\n'))).toThrow(EventError);
  });
});
