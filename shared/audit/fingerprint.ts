import { createHash } from 'node:crypto';

/**
 * Depends only on cluster id, rule id, field and normalised value, never on the run, the time or
 * the message text, so the same problem has the same fingerprint in every run (state diffing and
 * chat de-duplication rely on it).
 */
export function fingerprint(
  clusterId: string,
  ruleId: string,
  field: string,
  normalisedValue: string,
): string {
  return createHash('sha256')
    .update([clusterId, ruleId, field, normalisedValue].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}
