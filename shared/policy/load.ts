import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { BASELINE_POLICY_SOURCE, BASELINE_POLICY_YAML } from './baseline';
import { compileCustomSchema } from './custom-schema';
import { PolicyError, type PolicyIssue } from './errors';
import { compilePolicy, type Policy } from './policy';
import { policySchema } from './schema';

const POLICY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text ? `${text}.${String(part)}` : String(part);
  }, '');
}

/** The YAML node a zod issue points at, to give it a line and column. */
function nodeAt(root: unknown, path: readonly PropertyKey[], unknownKey?: string): Node | undefined {
  let node: unknown = root;
  let last: Node | undefined = isScalar(node) || isMap(node) ? (node as Node) : undefined;
  for (const part of path) {
    if (!node || typeof node !== 'object' || !('get' in node)) break;
    const next = (node as { get(key: unknown, keepScalar: boolean): unknown }).get(part, true);
    if (!next) break;
    node = next;
    last = next as Node;
  }
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === unknownKey);
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return last;
}

function locate(
  file: string,
  lineCounter: LineCounter,
  node: Node | undefined,
): Pick<PolicyIssue, 'file' | 'line' | 'column'> {
  const offset = node?.range?.[0];
  if (offset === undefined) return { file };
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, part) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined,
    data,
  );
}

function issuesFromZod(
  error: z.ZodError,
  file: string,
  data: unknown,
  contents: unknown,
  lineCounter: LineCounter,
): PolicyIssue[] {
  return error.issues.flatMap((issue): PolicyIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        ...locate(file, lineCounter, nodeAt(contents, issue.path, key)),
        key: keyPath([...issue.path, key]),
        message: 'unknown key; check its spelling (every key is listed in docs/policy.md)',
      }));
    }
    const key = keyPath(issue.path);
    if (issue.code === 'invalid_key') {
      // A record key that failed its own schema (an unknown rule id): the inner issue says why.
      const inner = issue.issues[0]?.message ?? issue.message;
      const recordKey = String(issue.path.at(-1) ?? '');
      const recordPath = issue.path.slice(0, -1);
      return [
        {
          ...locate(file, lineCounter, nodeAt(contents, recordPath, recordKey)),
          ...(key ? { key } : {}),
          message: inner,
        },
      ];
    }
    return [
      {
        ...locate(file, lineCounter, nodeAt(contents, issue.path)),
        ...(key ? { key } : {}),
        message:
          issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined
            ? 'required'
            : issue.message,
      },
    ];
  });
}

/**
 * The YAML library's messages name its own API ("use YAML.parseAllDocuments()") and repeat the
 * position; say what to fix instead, for the mistakes people make.
 */
function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear only once in a mapping';
  if (code === 'MULTIPLE_DOCS') return 'more than one YAML document (---): a policy is one document';
  if (code === 'TAB_AS_INDENT') return 'a tab used for indentation: indent with spaces';
  const first = message.split('\n')[0] ?? code;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

/** Whether an object or array contains itself, at any depth. */
function isCyclic(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  for (const inner of Object.values(value)) if (isCyclic(inner, ancestors)) return true;
  ancestors.delete(value);
  return false;
}

/** `__proto__` and friends as keys: never a policy key or rule id, and unsafe in plain objects. */
function forbiddenKeyPath(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return [...path, key];
    const inner = forbiddenKeyPath((value as Record<string, unknown>)[key], [
      ...path,
      Array.isArray(value) ? Number(key) : key,
    ]);
    if (inner) return inner;
  }
  return undefined;
}

/** The engine's words for a document nested deeper than the parser's stack. */
const tooDeep = (message: string) => message.includes('Maximum call stack size exceeded');

/** Line and column of a JSON.parse failure, from the position V8 reports (when it does). */
function jsonErrorPlace(text: string, error: unknown): { line?: number; column?: number } {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return {};
  const before = text.replace(/^\uFEFF/, '').slice(0, Number(position));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** Parses and validates policy text. `file` names the source in every error. */
export function parsePolicy(text: string, file: string): Policy {
  if (file.toLowerCase().endsWith('.json')) {
    // A .json policy must be JSON (no comments, no single quotes) even though the YAML parser,
    // which JSON is a subset of, reads it below for line and column reporting.
    try {
      JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      // V8's message quotes the file's text around the error; only the position is given back.
      throw new PolicyError([{ file, ...jsonErrorPlace(text, error), message: 'not valid JSON' }]);
    }
  }
  const lineCounter = new LineCounter();
  // JSON is parsed by the YAML 1.2 parser too: JSON is a subset of it, and this gives JSON files
  // the same line and column reporting. Duplicate keys are an error in both.
  // logLevel 'error': the yaml library's warnings (unresolved tags, collection keys) would go to
  // stderr through process.emitWarning, unattributed; the schema refuses such values anyway.
  const document = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    logLevel: 'error',
  });
  const yamlIssues: PolicyIssue[] = document.errors.map((error) => {
    const position = error.linePos?.[0];
    return {
      file,
      ...(position ? { line: position.line, column: position.col } : {}),
      message: tooDeep(error.message)
        ? 'the document is nested too deeply'
        : yamlMessage(error.code, error.message),
    };
  });
  // A duplicate key still leaves a readable document: go on, so every other problem is reported
  // in the same run. Any other YAML error leaves nothing reliable to validate.
  if (document.errors.some((error) => error.code !== 'DUPLICATE_KEY')) throw new PolicyError(yamlIssues);
  let data: unknown;
  try {
    // A bounded alias count: a "billion laughs" document is refused instead of expanded.
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = (error as Error).message;
    throw new PolicyError([
      {
        file,
        message: tooDeep(reason)
          ? 'the document is nested too deeply'
          : `cannot be read: ${reason.split('\n')[0]}`,
      },
    ]);
  }
  if (data === null || data === undefined)
    throw new PolicyError([{ file, message: 'the policy is empty; it needs at least "version: 1"' }]);
  // An alias inside its own anchor (`a: &a [*a]`) makes the data a cycle, which no policy is and
  // which every walk below would follow forever.
  if (isCyclic(data)) {
    throw new PolicyError([
      { file, message: 'an alias refers to its own anchor (a cycle): write the value out' },
    ]);
  }
  const forbidden = forbiddenKeyPath(data);
  if (forbidden) {
    throw new PolicyError([
      {
        ...locate(
          file,
          lineCounter,
          nodeAt(document.contents, forbidden.slice(0, -1), String(forbidden.at(-1))),
        ),
        key: keyPath(forbidden),
        message: 'this key name is not allowed in a policy (it is not a policy key or rule id)',
      },
    ]);
  }
  const result = policySchema.safeParse(data);
  if (!result.success) {
    throw new PolicyError([
      ...yamlIssues,
      ...issuesFromZod(result.error, file, data, document.contents, lineCounter),
    ]);
  }
  if (yamlIssues.length > 0) throw new PolicyError(yamlIssues);
  const schemaIssues: PolicyIssue[] = [];
  const policy = compilePolicy(
    result.data,
    file,
    createHash('sha256').update(text).digest('hex'),
    (schema, index) => {
      try {
        return compileCustomSchema(schema);
      } catch (error) {
        const path = ['custom', index, 'schema'];
        schemaIssues.push({
          ...locate(file, lineCounter, nodeAt(document.contents, path)),
          key: keyPath(path),
          message: (error as Error).message,
        });
        return (() => true) as unknown as ValidateFunction;
      }
    },
  );
  // A custom rule that does not compile fails the whole policy: never half a policy.
  if (schemaIssues.length > 0) throw new PolicyError(schemaIssues);
  return policy;
}

export async function loadPolicyFile(path: string): Promise<Policy> {
  const extension = extname(path).toLowerCase();
  if (!POLICY_EXTENSIONS.has(extension)) {
    throw new PolicyError([{ file: path, message: 'a policy file must end in .yaml, .yml or .json' }]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyError(
      [
        {
          file: path,
          message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? 'error'})`,
        },
      ],
      {
        cause: error,
      },
    );
  }
  return parsePolicy(text, path);
}

export function baselinePolicy(): Policy {
  return parsePolicy(BASELINE_POLICY_YAML, BASELINE_POLICY_SOURCE);
}
