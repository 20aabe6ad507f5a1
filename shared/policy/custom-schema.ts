import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';

/**
 * `pattern` and `patternProperties` run on RE2 (re2js, linear time) instead of JavaScript's
 * backtracking RegExp: a custom rule is user input, and `^(a+)+$` against forty a's and a `!`
 * would otherwise hang every audit. RE2 has no look-around or back-references; a schema using
 * them does not compile, which the loader reports as a policy error.
 */
const linearRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const compiled = RE2JS.compile(pattern);
    return {
      test: (text: string) => compiled.matcher(text).find(),
      // ajv caches compiled patterns by toString(): it must tell patterns apart.
      toString: () => `/${pattern}/${flags}`,
    };
  },
  { code: 'linearRegExp' },
);

/**
 * Custom rules are JSON Schema draft 2020-12, evaluated with ajv (spec/policy.md). One instance
 * serves every policy; `allErrors` so that each failing field becomes its own finding.
 * Unknown keywords are errors (a misspelt `patern` would otherwise check nothing), but the
 * type-strictness checks are off: the spec's own example (`items: { properties: … }` without a
 * `type`) is a valid, common way to write a schema. Standard formats (`date-time`, `uri`, …) work.
 */
const ajv = new Ajv2020({
  allErrors: true,
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
  code: { regExp: linearRegExp },
});
addFormats(ajv);

export class CustomSchemaError extends Error {
  override readonly name = 'CustomSchemaError';
}

export function compileCustomSchema(schema: Record<string, unknown>): ValidateFunction {
  try {
    // Schemas are compiled fresh: a policy may be reloaded, and an $id would collide in the cache.
    const { $id: _ignored, ...rest } = schema;
    return ajv.compile(rest);
  } catch (error) {
    throw new CustomSchemaError(`the schema does not compile: ${(error as Error).message.split('\n')[0]}`);
  }
}
