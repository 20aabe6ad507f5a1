import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';

/**
 * Custom rules are JSON Schema draft 2020-12, evaluated with ajv (spec/policy.md). One instance
 * serves every policy; `allErrors` so that each failing field becomes its own finding.
 */
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });

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
