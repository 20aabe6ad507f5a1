import { z } from 'zod';
import { SEVERITIES } from '../audit/types';
import { isRuleId, RULE_IDS } from '../rules/ids';
import { parsePolicyDuration } from './duration';
import { parseAllowEntry } from './registry';

/**
 * The policy file's shape (spec/policy.md), version 1. Zod is the single source of truth: the
 * loader validates with it and the JSON Schema for editors is generated from it. Every object is
 * strict, so a typo is an error that names the key instead of a rule that silently stops applying.
 */

// Bare numbers get their own message: "600" is the most common mistake, and the fix is a unit.
const duration = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `${issue.input} has no unit; write ${issue.input}s, or use m, h or d`
        : 'expected a duration with a unit, such as 45s, 30m, 12h or 90d',
  })
  .superRefine((value, ctx) => {
    const parsed = parsePolicyDuration(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  });

function checkBounds(
  value: { min?: string | undefined; max?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.min === undefined && value.max === undefined) {
    ctx.addIssue({ code: 'custom', message: 'give min, max or both' });
    return;
  }
  const min = value.min === undefined ? undefined : parsePolicyDuration(value.min);
  const max = value.max === undefined ? undefined : parsePolicyDuration(value.max);
  if (min?.ok && max?.ok && min.value > max.value) {
    ctx.addIssue({
      code: 'custom',
      path: ['min'],
      message: `min (${value.min}) is greater than max (${value.max})`,
    });
  }
}

const pullUpdateBounds = z
  .strictObject({ min: duration.optional(), max: duration.optional() })
  .superRefine(checkBounds);

const imageExpirationBounds = z
  .strictObject({
    min: duration.optional(),
    max: duration.optional(),
    threeFieldFormat: z.enum(['D:H:M', 'H:M:S']).optional(),
  })
  .superRefine(checkBounds);

const allowEntry = z.string().superRefine((value, ctx) => {
  const parsed = parseAllowEntry(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `"${value}" ${parsed.reason}` });
});

const severity = z.enum(SEVERITIES, { error: `expected one of: ${SEVERITIES.join(', ')}` });

const ruleIdKey = z.string().refine(isRuleId, {
  error: (issue) => `unknown rule id "${String(issue.input)}"; known ids: ${RULE_IDS.join(', ')}`,
});

export const policySchema = z.strictObject({
  version: z.literal(1, { error: 'version is required and must be 1' }),
  registries: z
    .strictObject({
      allow: z.array(allowEntry).optional(),
      remoteTypes: z.array(z.string()).optional(),
    })
    .optional(),
  transport: z.strictObject({ requireHttps: z.boolean().optional() }).optional(),
  timeouts: z
    .strictObject({
      pullUpdate: pullUpdateBounds.optional(),
      imageExpiration: imageExpirationBounds.optional(),
    })
    .optional(),
  severity: z.record(ruleIdKey, severity).optional(),
});

export type PolicyDocument = z.infer<typeof policySchema>;
