import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';

/**
 * Custom rules are JSON Schema draft 2020-12, evaluated with ajv (spec/policy.md). One instance
 * serves every policy; `allErrors` so that each failing field becomes its own finding.
 * Unknown keywords are errors (a misspelt `patern` would otherwise check nothing), but the
 * type-strictness checks are off: the spec's own example (`items: { properties: … }` without a
 * `type`) is a valid, common way to write a schema.
 */
const ajv = new Ajv2020({
  allErrors: true,
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
});

export class CustomSchemaError extends Error {
  override readonly name = 'CustomSchemaError';
}

export function compileCustomSchema(schema: Record<string, unknown>): ValidateFunction {
  try {
    // Schemas are compiled fresh: a policy may be reloaded, and an $id would collide in the cache.
    const { $id: _ignored, ...rest } = schema;
    return ajv.compile(rest);
  } catch (error) {
    throw new CustomSchemaError(`the schema does not compile: ${(error as Error).message}`);
  }
}
