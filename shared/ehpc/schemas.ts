/**
 * Shapes of the E-HPC answers as they leave pop-core, and the conversion of json-bigint output to
 * plain JSON. pop-core casts whatever parsed to the caller's type and resolves codeless error bodies
 * as success (spec/cloud-apis.md §3), so nothing is trusted before it passes these schemas.
 */
import { z } from 'zod';

/** bignumber.js marks its instances with this prototype flag; json-bigint uses it above 15 digits. */
interface BigNumberLike {
  _isBigNumber: true;
  toFixed(): string;
}

function isBigNumber(value: object): value is BigNumberLike {
  return (
    (value as { _isBigNumber?: unknown })._isBigNumber === true &&
    typeof (value as BigNumberLike).toFixed === 'function'
  );
}

/**
 * A number stays a number, as JSON.parse would give it (the nearest double), so a number where the
 * API documents text is still seen as a number and flagged (`"RemoteType": 12345678901234567890`
 * is config.invalid, not a plausible string). Only a value too large for a double becomes its
 * decimal string, which every numeric reader refuses.
 */
function fromBigNumber(value: BigNumberLike): number | string {
  const text = value.toFixed();
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

/**
 * Ordinary prototypes and no BigNumber: what callers (and deep equality in tests) expect from JSON.
 * json-bigint builds objects with `Object.create(null)`. defineProperty keeps every key a plain data
 * property, so even a `__proto__` key could never change the new object's prototype.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (isBigNumber(value)) return fromBigNumber(value);
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(plain, key, {
      value: toPlainJson((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return plain;
}

/** Counts arrive as numbers, or as digit strings (a BigNumber that was not safe, or a lenient server). */
const count = z
  .union([z.number().nonnegative().refine(Number.isInteger, 'a whole number'), z.string().regex(/^\d+$/)])
  .transform(Number);

/** Every field but Id is optional and loosely typed: unknown values are dropped, not fatal. */
const optionalText = z
  .unknown()
  .transform((value) => (typeof value === 'string' && value !== '' ? value : undefined))
  // zod 4 reports a required key whose transform yields undefined as missing; mark it optional.
  .optional();

export const clusterInfoSimpleSchema = z.looseObject({
  Id: z.string().min(1),
  RegionId: optionalText,
  Name: optionalText,
  Status: optionalText,
});

export type ClusterInfoSimple = z.infer<typeof clusterInfoSimpleSchema>;

export const listClustersResponseSchema = z.object({
  RequestId: z.string().min(1),
  // Required: without it a codeless error body (`{RequestId, Message}`) would read as "no clusters".
  TotalCount: count,
  PageNumber: count.optional(),
  PageSize: count.optional(),
  // An empty account may send no list at all, and one item may arrive as a bare object.
  Clusters: z
    .object({
      ClusterInfoSimple: z.union([z.array(clusterInfoSimpleSchema), clusterInfoSimpleSchema]).optional(),
    })
    .optional()
    .transform((clusters) => {
      const items = clusters?.ClusterInfoSimple;
      return items === undefined ? [] : Array.isArray(items) ? items : [items];
    }),
});

export type ListClustersPage = z.infer<typeof listClustersResponseSchema>;

/**
 * Only the envelope: the `Imagegw` fields are the auditor's to judge (config.invalid per field),
 * so a malformed field must not fail the call.
 */
export const describeImageGatewayConfigResponseSchema = z.looseObject({
  RequestId: z.string().min(1),
});
