import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChannelsError, loadChannelsFile } from '../../shared/notify/channels-file';
import { REPO } from '../helpers/cli';

describe('examples/channels.yaml (the README points at it)', () => {
  const file = join(REPO, 'examples', 'channels.yaml');

  it('loads with the two variables the README exports', async () => {
    const config = await loadChannelsFile(file, { DINGTALK_TOKEN: 'abc123', DINGTALK_SECRET: 'SECexample' });
    expect(config.channels.map((channel) => [channel.name, channel.type])).toEqual([['ops', 'dingtalk']]);
  });

  it('names the missing variable when one is not set', async () => {
    await expect(loadChannelsFile(file, { DINGTALK_TOKEN: 'abc123' })).rejects.toThrow(ChannelsError);
    await expect(loadChannelsFile(file, { DINGTALK_TOKEN: 'abc123' })).rejects.toThrow(/DINGTALK_SECRET/);
  });
});
