import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { SEVERITIES } from '../audit/types';
import type { Env } from '../config';
import { parsePolicyDuration } from '../policy/duration';
import { oneLine } from '../text';
import { CHANNEL_TYPES, type Channel, type ChannelType } from './channel';

/**
 * The channels file (`--channels FILE`, `IMAGEGW_CHANNELS_FILE`). Secrets stay in environment
 * variables: `${NAME}` in any string value is replaced from the environment after parsing (never
 * in the YAML text, so a variable cannot inject YAML). No error ever quotes a URL or a secret.
 */

export class ChannelsError extends Error {
  override readonly name = 'ChannelsError';
}

/** The hosts each service posts to; loopback is allowed too, for local emulators and tests. */
const SERVICE_HOSTS: Record<Exclude<ChannelType, 'webhook'>, readonly string[]> = {
  dingtalk: ['oapi.dingtalk.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
  wecom: ['qyapi.weixin.qq.com'],
  slack: ['hooks.slack.com'],
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const channelSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _ (it names state keys)'),
  type: z.enum(CHANNEL_TYPES),
  url: z.string().min(1),
  secret: z.string().min(1).optional(),
  minSeverity: z.enum(SEVERITIES).default('low'),
  remindEvery: z.string().default('24h'),
});

const fileSchema = z.strictObject({
  reportUrl: z
    .string()
    .regex(/^https?:\/\/[^\s<>]+$/, 'an http(s) URL')
    .optional(),
  channels: z.array(channelSchema).min(1, 'list at least one channel'),
});

export interface ChannelsConfig {
  channels: Channel[];
  reportUrl?: string;
}

function substitute(value: string, env: Env, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const replacement = env[name];
    if (replacement === undefined || replacement === '') {
      throw new ChannelsError(`${where}: environment variable ${name} is not set`);
    }
    return replacement;
  });
}

function checkUrl(channel: { name: string; type: ChannelType; url: string }, where: string): void {
  let url: URL;
  try {
    url = new URL(channel.url);
  } catch {
    throw new ChannelsError(`${where}.url: not a URL`);
  }
  if (url.username || url.password) throw new ChannelsError(`${where}.url: must not carry user info`);
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new ChannelsError(`${where}.url: must be https (http only to a local emulator)`);
  }
  // The token each service needs in its URL: without it every post fails, so say so now.
  const token = { dingtalk: 'access_token', wecom: 'key' } as const;
  if (
    (channel.type === 'dingtalk' || channel.type === 'wecom') &&
    !url.searchParams.get(token[channel.type])
  ) {
    throw new ChannelsError(
      `${where}.url: a ${channel.type} URL carries its ${token[channel.type]} query parameter`,
    );
  }
  if (channel.type !== 'webhook' && !loopback && !SERVICE_HOSTS[channel.type].includes(url.hostname)) {
    throw new ChannelsError(
      `${where}.url: a ${channel.type} channel posts to ${SERVICE_HOSTS[channel.type].join(' or ')}`,
    );
  }
}

export function parseChannels(text: string, file: string, env: Env): ChannelsConfig {
  let data: unknown;
  try {
    // logLevel 'error': the yaml library's warnings (an unresolved tag) would reach stderr through
    // process.emitWarning, quoting the file's line, and the value would pass as plain text.
    data = parse(text, { uniqueKeys: true, maxAliasCount: 50, logLevel: 'error' });
  } catch (error) {
    const reason = (error as Error).message;
    throw new ChannelsError(
      reason.includes('Maximum call stack size exceeded')
        ? `${file}: the document is nested too deeply`
        : `${file}: not valid YAML (${oneLine(reason.split('\n')[0]?.replace(/:$/, '') ?? '', 200)})`,
    );
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '');
    throw new ChannelsError(
      `${file}: ${oneLine(key || 'channels', 120)}: ${oneLine(issue?.message ?? 'invalid')}`,
    );
  }
  const names = new Set<string>();
  const channels = parsed.data.channels.map((entry, index): Channel => {
    const where = `${file}: channels[${index}] (${entry.name})`;
    if (names.has(entry.name)) throw new ChannelsError(`${where}: the name is used twice`);
    names.add(entry.name);
    const url = substitute(entry.url, env, `${where}.url`);
    const secret = entry.secret === undefined ? undefined : substitute(entry.secret, env, `${where}.secret`);
    checkUrl({ name: entry.name, type: entry.type, url }, where);
    if (entry.type === 'webhook') {
      if (!secret)
        throw new ChannelsError(
          `${where}.secret: a webhook channel needs a Standard Webhooks secret (whsec_…)`,
        );
      if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret))
        throw new ChannelsError(`${where}.secret: expected whsec_ followed by base64`);
    }
    if (entry.type === 'wecom' || entry.type === 'slack') {
      if (secret)
        throw new ChannelsError(`${where}.secret: ${entry.type} webhooks are not signed; remove it`);
    }
    const remind = parsePolicyDuration(entry.remindEvery);
    if (!remind.ok) throw new ChannelsError(`${where}.remindEvery: ${remind.reason}`);
    return {
      name: entry.name,
      type: entry.type,
      url,
      ...(secret ? { secret } : {}),
      minSeverity: entry.minSeverity,
      remindEvery: remind.value,
    };
  });
  return { channels, ...(parsed.data.reportUrl ? { reportUrl: parsed.data.reportUrl } : {}) };
}

export async function loadChannelsFile(file: string, env: Env): Promise<ChannelsConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ChannelsError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`,
    );
  }
  return parseChannels(text, file, env);
}
