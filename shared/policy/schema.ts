import { z } from 'zod';
import { SEVERITIES } from '../audit/types';
import { maskSecretValue } from '../redact';
import { RULE_IDS } from '../rules/ids';
import { parsePolicyDuration } from './duration';
import { parseExpiry } from './expiry';
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
  })
  .meta({
    description: 'A duration: number-unit pairs, units s m h d (45s, 30m, 12h, 90d, 1d12h)',
    pattern: '^([0-9]+[smhd])+$',
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

const allowEntry = z
  .string()
  .superRefine((value, ctx) => {
    const parsed = parseAllowEntry(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `"${maskSecretValue(value)}" ${parsed.reason}` });
  })
  .meta({
    description: 'A registry: host, host:port, *.domain or *.domain:port (no scheme, path or user info)',
  });

const severity = z.enum(SEVERITIES, { error: `expected one of: ${SEVERITIES.join(', ')}` });

const RULE_FAMILIES = [...new Set([...RULE_IDS.map((id) => id.split('.')[0]), 'custom'])];
const CUSTOM_ID = /^custom\.[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
const BUILT_IN = new Set<string>(RULE_IDS);

/**
 * Checked field by field, so one policy run reports every unknown id alongside every other
 * problem; whether a `custom.*` id is defined in this policy is checked once the rest is valid.
 */
const ruleReference = (allowFamily: boolean) =>
  z
    .string()
    .superRefine((id, ctx) => {
      const family = /^([a-z]+)\.\*$/.exec(id)?.[1];
      if (allowFamily && family !== undefined && RULE_FAMILIES.includes(family)) return;
      if (BUILT_IN.has(id) || CUSTOM_ID.test(id)) return;
      const families = allowFamily
        ? ` or a family glob (${RULE_FAMILIES.map((f) => `${f}.*`).join(', ')})`
        : '';
      ctx.addIssue({
        code: 'custom',
        message: `unknown rule id "${id}"; give one of ${RULE_IDS.join(', ')}, a custom.* id${families}`,
      });
    })
    // For editors: complete the built-in ids, accept custom ones (and families where allowed).
    .meta({
      anyOf: [
        { enum: [...RULE_IDS, ...(allowFamily ? RULE_FAMILIES.map((family) => `${family}.*`) : [])] },
        { pattern: CUSTOM_ID.source },
      ],
    });

/** `*` = any run of characters; anything else literal. Ids, regions and cluster names have no other syntax. */
const glob = z.string().min(1, 'an empty pattern matches nothing; remove it');

const expires = z
  .string({ error: 'expected a date (2027-03-31) or an RFC 3339 time (2027-03-31T12:00:00Z)' })
  .superRefine((value, ctx) => {
    if (parseExpiry(value) === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a date (2027-03-31) or an RFC 3339 time (2027-03-31T12:00:00Z)`,
      });
    }
  });

const waiver = z.strictObject({
  rule: ruleReference(true),
  clusters: z.array(glob).min(1).optional(),
  regions: z.array(glob).min(1).optional(),
  registries: z.array(allowEntry).min(1).optional(),
  reason: z
    .string({ error: 'required: say why the finding is accepted (at least 10 characters)' })
    .refine(
      (reason) => reason.trim().length >= 10,
      'give a reason of at least 10 characters: who accepted what, and why',
    ),
  expires,
});

const customRule = z.strictObject({
  id: z.string().regex(CUSTOM_ID, 'a custom rule id must look like custom.my-rule'),
  severity,
  description: z.string().min(1),
  schema: z.record(z.string(), z.unknown()),
});

/** The sections of a policy that rules read; overrides replace them whole for matching clusters. */
const ruleSections = {
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
  mongodb: z
    .strictObject({ forbidInlineCredentials: z.boolean().optional(), requireTls: z.boolean().optional() })
    .optional(),
  config: z.strictObject({ maxAge: duration.optional() }).optional(),
};

const override = z
  .strictObject({
    clusters: z.array(glob).min(1).optional(),
    regions: z.array(glob).min(1).optional(),
    set: z.strictObject(ruleSections),
  })
  .refine((value) => value.clusters !== undefined || value.regions !== undefined, {
    message: 'give clusters, regions or both: an override for every cluster is just the base policy',
  });

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: 'version is required and must be 1' }),
    ...ruleSections,
    severity: z.record(ruleReference(false), severity).optional(),
    waivers: z.array(waiver).optional(),
    overrides: z.array(override).optional(),
    custom: z.array(customRule).optional(),
  })
  .superRefine((policy, ctx) => {
    const custom = new Set((policy.custom ?? []).map((rule) => rule.id));
    const undefinedCustom = (id: string) => id.startsWith('custom.') && !id.endsWith('.*') && !custom.has(id);
    for (const id of Object.keys(policy.severity ?? {})) {
      if (undefinedCustom(id))
        ctx.addIssue({
          code: 'custom',
          path: ['severity', id],
          message: `no custom rule "${id}" is defined in custom:`,
        });
    }
    (policy.waivers ?? []).forEach((entry, index) => {
      if (undefinedCustom(entry.rule)) {
        ctx.addIssue({
          code: 'custom',
          path: ['waivers', index, 'rule'],
          message: `no custom rule "${entry.rule}" is defined in custom:`,
        });
      }
    });
    const ids = (policy.custom ?? []).map((rule) => rule.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index)
        ctx.addIssue({
          code: 'custom',
          path: ['custom', index, 'id'],
          message: `custom rule id "${id}" is defined twice`,
        });
    });
  });

export type PolicyDocument = z.infer<typeof policySchema>;
export type RuleSections = Pick<PolicyDocument, keyof typeof ruleSections>;
export const RULE_SECTION_NAMES = Object.keys(ruleSections) as (keyof typeof ruleSections)[];
