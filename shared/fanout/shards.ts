import type { AuditTarget } from '../audit/run';

/**
 * FC refuses an asynchronous invocation whose payload exceeds 128 KB (EntityTooLarge). Shards are
 * cut by count first, then any shard whose event would be too big (long cluster names) is halved
 * until it fits, so no shard is ever refused for its size.
 */
export const ASYNC_PAYLOAD_LIMIT_BYTES = 128 * 1024;
/** Room for the event's envelope (run id, shard numbers) around the targets. */
const ENVELOPE_BYTES = 1024;

export function splitIntoShards(
  targets: readonly AuditTarget[],
  shardSize: number,
  limitBytes = ASYNC_PAYLOAD_LIMIT_BYTES,
): AuditTarget[][] {
  const size = Math.max(1, Math.floor(shardSize));
  const byCount: AuditTarget[][] = [];
  for (let start = 0; start < targets.length; start += size) byCount.push(targets.slice(start, start + size));
  const fits = (shard: AuditTarget[]) =>
    Buffer.byteLength(JSON.stringify(shard), 'utf8') + ENVELOPE_BYTES <= limitBytes;
  const shards: AuditTarget[][] = [];
  const halve = (shard: AuditTarget[]): void => {
    if (shard.length <= 1 || fits(shard)) {
      shards.push(shard);
      return;
    }
    const middle = Math.ceil(shard.length / 2);
    halve(shard.slice(0, middle));
    halve(shard.slice(middle));
  };
  for (const shard of byCount) halve(shard);
  return shards;
}
