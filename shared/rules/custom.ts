import type { ErrorObject } from 'ajv';
import type { CustomRule } from '../policy/policy';
import { type RuleFinding, showValue } from './rule';

/**
 * Maps a JSON Pointer into the normalised gateway object back to the report's field path: the
 * flat `Locations` array is reported in the wrapped form, `Locations.LocationInfo[i].X`.
 */
export function fieldFromInstancePath(instancePath: string, missingProperty?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (missingProperty !== undefined) parts.push(missingProperty);
  let field = '';
  parts.forEach((part, index) => {
    if (index === 1 && parts[0] === 'Locations' && /^\d+$/.test(part)) field += `.LocationInfo[${part}]`;
    else if (/^\d+$/.test(part)) field += `[${part}]`;
    else field += field ? `.${part}` : part;
  });
  return field || 'Imagegw';
}

function valueAt(root: unknown, instancePath: string): unknown {
  return instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>(
      (node, part) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
      root,
    );
}

/** Each schema error is a finding on the field its instance path names. */
export function customRuleFindings(rule: CustomRule, normalised: unknown): RuleFinding[] {
  if (rule.validate(normalised)) return [];
  const errors: ErrorObject[] = rule.validate.errors ?? [];
  const seen = new Set<string>();
  return errors.flatMap((error) => {
    const params = error.params as {
      missingProperty?: unknown;
      additionalProperty?: unknown;
      unevaluatedProperty?: unknown;
    };
    // `required` names a property that is absent; additional/unevaluated ones name one that is
    // present and should not be: either way the finding belongs on that property, not its parent.
    const missing = error.keyword === 'required' ? String(params.missingProperty) : undefined;
    const extra = params.additionalProperty ?? params.unevaluatedProperty;
    const property = missing ?? (extra === undefined ? undefined : String(extra));
    const field = fieldFromInstancePath(error.instancePath, property);
    const message = `${rule.description}: ${field} ${error.message ?? 'does not match the rule'}`;
    // allErrors can report one field several times (e.g. an anyOf branch); one finding a message.
    if (seen.has(`${field}\u0000${message}`)) return [];
    seen.add(`${field}\u0000${message}`);
    const path = extra === undefined ? error.instancePath : `${error.instancePath}/${String(extra)}`;
    const value = missing === undefined ? valueAt(normalised, path) : undefined;
    return [{ field, ...(value === undefined ? {} : { value: showValue(value) }), message }];
  });
}
