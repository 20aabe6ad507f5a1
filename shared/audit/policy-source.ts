import { isAbsolute, resolve } from 'node:path';
import { baselinePolicy, loadPolicyFile, parsePolicy } from '../policy/load';
import type { Policy } from '../policy/policy';

export type PolicySource = { text: string } | { file: string } | undefined;

/** Inline text (named after its variable), a file (relative to `baseDir`), or the built-in baseline. */
export async function resolvePolicy(
  source: PolicySource,
  baseDir: string,
  inlineName = 'IMAGEGW_POLICY',
): Promise<Policy> {
  if (!source) return baselinePolicy();
  if ('text' in source) return parsePolicy(source.text, inlineName);
  return loadPolicyFile(isAbsolute(source.file) ? source.file : resolve(baseDir, source.file));
}
