import { z } from 'zod';
import { policySchema } from './schema';

/**
 * The policy's JSON Schema (draft 2020-12) for editors and CI, generated from the zod schema so the
 * two never disagree. Cross-field checks (known rule ids, min ≤ max, reasons) stay in the loader.
 */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'imagegw-auditor policy, version 1',
  };
}
