import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/cli';

/**
 * docs/ram-policy.json is what the operator attaches to the functions' role (docs/operating.md,
 * "The RAM role and its policy"). It must grant exactly what the code calls and nothing more, so
 * the expectations below are read from the code and s.yaml, not written out a second time: a new
 * E-HPC action in the client, a new ali-oss call in the state store or a renamed function fails
 * this test until the policy (and docs/operating.md) follow.
 */

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const unique = (values: string[]) => [...new Set(values)].sort();

/** RAM policies have no variables: the operator replaces these literals (docs/operating.md). */
const PLACEHOLDERS = ['ACCOUNT_ID', 'REGION', 'STATE_BUCKET'];

/**
 * Services whose RAM authorization is operation-level only, so their actions take Resource "*"
 * (docs/operating.md cites the E-HPC 2018-04-12 authorization pages). No other service may use "*".
 */
const OPERATION_LEVEL_SERVICES = new Set(['ehpc']);

// ---- What the code calls ----------------------------------------------------------------------

/**
 * E-HPC: the actions the pop-core adapter sends. Every call goes through `context('<Action>', …)`
 * in shared/ehpc/pop-client.ts, whose first argument is the RPC action name; the `EhpcAction` union
 * in shared/ehpc/errors.ts names them too. The RAM action is `ehpc:<Action>`.
 */
function ehpcActions(): string[] {
  const client = read('shared/ehpc/pop-client.ts');
  const sent = [...client.matchAll(/\bcontext\(\s*'([A-Z][A-Za-z]+)'/g)].map((match) => match[1] ?? '');
  const union = /export type EhpcAction\s*=([^;]+);/.exec(read('shared/ehpc/errors.ts'))?.[1] ?? '';
  const typed = [...union.matchAll(/'([A-Z][A-Za-z]+)'/g)].map((match) => match[1] ?? '');
  return unique([...sent, ...typed].map((action) => `ehpc:${action}`));
}

/**
 * FC: shared/fc/fc2-invoker.ts's calls into @alicloud/fc2, and the RAM action each needs. Both
 * are the InvokeFunction API (FC 3.0's `POST /2023-03-30/functions/<fn>/invocations`, or the 2.0
 * path for a worker deployed as an FC 2.0 service, docs/decisions/0001).
 */
const FC_CALLS: Record<string, string> = {
  post: 'fc:InvokeFunction', // client.post('/functions/<fn>/invocations', …), the default 3.0 path
  invokeFunction: 'fc:InvokeFunction', // client.invokeFunction(service, fn, …), IMAGEGW_WORKER_SERVICE set
};

function fc2Calls(): string[] {
  const source = read('shared/fc/fc2-invoker.ts');
  return unique([...source.matchAll(/\bclient\.(\w+)\(/g)].map((match) => match[1] ?? ''));
}

/**
 * OSS: shared/state/oss-store.ts's calls into ali-oss, and the RAM action each needs.
 *   get    → GetObject                                                      → oss:GetObject
 *   put    → PutObject; `create` is the same call with x-oss-forbid-overwrite → oss:PutObject
 *   listV2 → ListObjectsV2 (GetBucketV2) with `prefix`                        → oss:ListObjects
 *   delete → DeleteObject                                                   → oss:DeleteObject
 */
const OSS_CALLS: Record<string, string> = {
  get: 'oss:GetObject',
  put: 'oss:PutObject',
  listV2: 'oss:ListObjects',
  delete: 'oss:DeleteObject',
};

function ossCalls(): string[] {
  const source = read('shared/state/oss-store.ts');
  return unique(
    [...source.matchAll(/\(await this\.oss\(\)\)\.(\w+)\(|\bclient\.(\w+)\(/g)].map(
      (match) => match[1] ?? match[2] ?? '',
    ),
  );
}

interface SYamlResource {
  props: { functionName?: string; environmentVariables?: Record<string, string> };
}

const sYaml = parse(read('s.yaml')) as { resources: Record<string, SYamlResource> };

function functionName(resource: string): string {
  const name = sYaml.resources[resource]?.props.functionName;
  if (!name) throw new Error(`s.yaml: resource ${resource} has no functionName`);
  return name;
}

/** The key prefix the state store uses unless IMAGEGW_STATE_OSS_PREFIX says otherwise. */
function defaultStatePrefix(): string {
  const prefix = /const DEFAULT_STATE_PREFIX = '([^']+)'/.exec(read('shared/config.ts'))?.[1];
  if (!prefix) throw new Error('shared/config.ts: DEFAULT_STATE_PREFIX not found');
  return prefix;
}

// ---- The check --------------------------------------------------------------------------------

interface Expectations {
  /** Every action the code needs, exactly. */
  actions: string[];
  /** The functions fc:InvokeFunction may name, exactly. */
  functions: string[];
  /** The state store's key prefix, without a trailing `/`. */
  prefix: string;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string');
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify(unique([...a])) === JSON.stringify(unique([...b]));

/** Every way the policy differs from what the code needs; empty when it grants exactly that. */
function policyProblems(policy: unknown, expected: Expectations): string[] {
  const problems: string[] = [];
  if (typeof policy !== 'object' || policy === null) return ['the policy is not a JSON object'];
  const { Version, Statement, ...rest } = policy as Record<string, unknown>;
  if (Version !== '1') problems.push(`Version is ${JSON.stringify(Version)}, not "1"`);
  if (Object.keys(rest).length > 0)
    problems.push(`unexpected top-level keys: ${Object.keys(rest).join(', ')}`);
  if (!Array.isArray(Statement) || Statement.length === 0) return [...problems, 'Statement is not a list'];

  const granted: string[] = [];
  const bucketArn = 'acs:oss:*:*:STATE_BUCKET';
  const objectArn = `${bucketArn}/${expected.prefix}/*`;
  Statement.forEach((raw: unknown, index) => {
    const where = `Statement[${index}]`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`${where} is not an object`);
      return;
    }
    const { Effect, Action, Resource, Condition, ...other } = raw as Record<string, unknown>;
    if (Object.keys(other).length > 0)
      problems.push(`${where}: unexpected keys ${Object.keys(other).join(', ')}`);
    if (Effect !== 'Allow') problems.push(`${where}: Effect is ${JSON.stringify(Effect)}, not "Allow"`);
    if (!isStringArray(Action)) {
      problems.push(`${where}: Action is not a non-empty list of strings`);
      return;
    }
    if (!isStringArray(Resource)) {
      problems.push(`${where}: Resource is not a non-empty list of strings`);
      return;
    }
    granted.push(...Action);
    for (const action of Action) {
      if (action.includes('*')) problems.push(`${where}: wildcard action ${action}`);
    }
    const services = unique(Action.map((action) => action.split(':')[0] ?? ''));
    if (services.length !== 1) {
      problems.push(`${where}: mixes services ${services.join(', ')}; keep one service per statement`);
      return;
    }
    const service = services[0] ?? '';
    if (Resource.includes('*') && !OPERATION_LEVEL_SERVICES.has(service)) {
      problems.push(`${where}: Resource "*" for ${service}, which supports resource-level authorization`);
    }
    if (service === 'ehpc') {
      if (!sameSet(Resource, ['*'])) problems.push(`${where}: E-HPC takes Resource "*" only`);
      if (Condition !== undefined) problems.push(`${where}: E-HPC needs no Condition`);
    } else if (service === 'fc') {
      const arns = expected.functions.map((name) => `acs:fc:REGION:ACCOUNT_ID:functions/${name}`);
      if (!sameSet(Resource, arns)) {
        problems.push(`${where}: fc resources ${Resource.join(', ')} are not exactly ${arns.join(', ')}`);
      }
      if (Condition !== undefined) problems.push(`${where}: fc needs no Condition`);
    } else if (service === 'oss') {
      const lists = Action.includes('oss:ListObjects');
      if (lists && Action.length > 1) {
        problems.push(
          `${where}: oss:ListObjects is on the bucket; keep the object actions in their own statement`,
        );
      } else if (lists) {
        if (!sameSet(Resource, [bucketArn]))
          problems.push(`${where}: ListObjects resource is not ${bucketArn}`);
        const expectedCondition = { StringLike: { 'oss:Prefix': [`${expected.prefix}/*`] } };
        if (JSON.stringify(Condition) !== JSON.stringify(expectedCondition)) {
          problems.push(`${where}: ListObjects is not limited by ${JSON.stringify(expectedCondition)}`);
        }
      } else {
        if (!sameSet(Resource, [objectArn])) {
          problems.push(`${where}: object resources ${Resource.join(', ')} are not exactly ${objectArn}`);
        }
        if (Condition !== undefined) problems.push(`${where}: object actions need no Condition`);
      }
    } else {
      problems.push(`${where}: service ${service} is called by no code`);
    }
  });

  for (const action of expected.actions) {
    if (!granted.includes(action)) problems.push(`missing action ${action} (the code calls it)`);
  }
  for (const action of unique(granted)) {
    if (!expected.actions.includes(action)) problems.push(`extra action ${action} (no code calls it)`);
  }
  return problems;
}

// ---- The tests --------------------------------------------------------------------------------

const policyText = read('docs/ram-policy.json');
const policy = JSON.parse(policyText) as { Statement: Record<string, unknown>[] };

function expectations(): Expectations {
  return {
    actions: unique([
      ...ehpcActions(),
      ...fc2Calls().map((call) => FC_CALLS[call] ?? `unknown fc2 call ${call}`),
      ...ossCalls().map((call) => OSS_CALLS[call] ?? `unknown ali-oss call ${call}`),
    ]),
    functions: [functionName('audit-worker'), functionName('audit-api')],
    prefix: defaultStatePrefix(),
  };
}

describe('docs/ram-policy.json', () => {
  it('finds the calls the code makes (the greps still match the code)', () => {
    expect(ehpcActions()).toEqual(
      expect.arrayContaining(['ehpc:ListClusters', 'ehpc:DescribeImageGatewayConfig']),
    );
    // Each call must have a documented RAM action above; a new one fails here first.
    expect(fc2Calls().filter((call) => !(call in FC_CALLS))).toEqual([]);
    expect(fc2Calls()).not.toEqual([]);
    expect(ossCalls().filter((call) => !(call in OSS_CALLS))).toEqual([]);
    expect(ossCalls()).toEqual(unique(Object.keys(OSS_CALLS)));
    expect(defaultStatePrefix()).toBe('imagegw-auditor');
  });

  it('invokes exactly the two functions s.yaml deploys as audit-worker and audit-api', () => {
    const scheduledEnv = sYaml.resources['scheduled-audit']?.props.environmentVariables ?? {};
    const apiEnv = sYaml.resources['audit-api']?.props.environmentVariables ?? {};
    // The fan-out target, and chat audits' invocation of the API function itself
    // (IMAGEGW_SELF_FUNCTION, default: the invocation's own function name).
    expect(scheduledEnv.IMAGEGW_WORKER_FUNCTION).toBe(functionName('audit-worker'));
    expect(apiEnv.IMAGEGW_SELF_FUNCTION ?? functionName('audit-api')).toBe(functionName('audit-api'));
  });

  it('grants exactly what the code calls, on the narrowest resources the services support', () => {
    expect(policyProblems(policy, expectations())).toEqual([]);
  });

  it('uses only the documented placeholders, and the docs replace each of them', () => {
    const tokens = unique([...policyText.matchAll(/\b[A-Z][A-Z_]{2,}\b/g)].map((match) => match[0]));
    expect(tokens).toEqual(PLACEHOLDERS);
    for (const doc of ['docs/operating.md', 'README.md']) {
      const text = read(doc);
      for (const placeholder of PLACEHOLDERS) expect(text, doc).toContain(`s/${placeholder}/`);
    }
    let filled = policyText;
    for (const [placeholder, value] of [
      ['REGION', 'cn-hangzhou'],
      ['ACCOUNT_ID', '1234567890123456'],
      ['STATE_BUCKET', 'team-audit-state'],
    ] as const) {
      filled = filled.replaceAll(placeholder, value);
    }
    expect(filled).not.toMatch(/\b[A-Z][A-Z_]{2,}\b/);
    expect(JSON.parse(filled).Statement).toHaveLength(policy.Statement.length);
  });

  describe('fails when the policy and the code disagree', () => {
    const mutate = (change: (copy: { Statement: Record<string, unknown>[] }) => void) => {
      const copy = JSON.parse(policyText) as { Statement: Record<string, unknown>[] };
      change(copy);
      return policyProblems(copy, expectations());
    };
    const statementWith = (copy: { Statement: Record<string, unknown>[] }, action: string) => {
      const found = copy.Statement.find((statement) => (statement.Action as string[]).includes(action));
      if (!found) throw new Error(`no statement grants ${action}`);
      return found;
    };

    it('an action the client sends but the policy lacks', () => {
      const needed = { ...expectations() };
      needed.actions = [...needed.actions, 'ehpc:DescribeCluster'];
      expect(policyProblems(policy, needed)).toContain(
        'missing action ehpc:DescribeCluster (the code calls it)',
      );
    });

    it('an action no code calls', () => {
      const problems = mutate((copy) => {
        (statementWith(copy, 'ehpc:ListClusters').Action as string[]).push('ehpc:DeleteCluster');
      });
      expect(problems).toContain('extra action ehpc:DeleteCluster (no code calls it)');
    });

    it('a wildcard action', () => {
      const problems = mutate((copy) => {
        statementWith(copy, 'oss:GetObject').Action = ['oss:*'];
      });
      expect(problems.some((problem) => problem.includes('wildcard action oss:*'))).toBe(true);
    });

    it('OSS objects outside the state prefix', () => {
      const problems = mutate((copy) => {
        statementWith(copy, 'oss:GetObject').Resource = ['acs:oss:*:*:STATE_BUCKET/*'];
      });
      expect(problems.some((problem) => problem.includes('object resources'))).toBe(true);
    });

    it('listing without the oss:Prefix condition', () => {
      const problems = mutate((copy) => {
        delete statementWith(copy, 'oss:ListObjects').Condition;
      });
      expect(problems.some((problem) => problem.includes('ListObjects is not limited'))).toBe(true);
    });

    it('Resource "*" for a service that supports resource-level authorization', () => {
      const problems = mutate((copy) => {
        statementWith(copy, 'fc:InvokeFunction').Resource = ['*'];
      });
      expect(problems.some((problem) => problem.includes('Resource "*" for fc'))).toBe(true);
    });

    it('a function other than the two s.yaml deploys', () => {
      const problems = mutate((copy) => {
        statementWith(copy, 'fc:InvokeFunction').Resource = ['acs:fc:REGION:ACCOUNT_ID:functions/*'];
      });
      expect(problems.some((problem) => problem.includes('fc resources'))).toBe(true);
    });
  });
});
