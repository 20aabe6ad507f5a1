import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { functionConfig } from '../../shared/config';
import { REPO } from '../helpers/cli';

interface Resource {
  component: string;
  props: Record<string, unknown> & {
    code: string;
    handler: string;
    runtime: string;
    triggers?: { triggerType: string }[];
  };
}

const sYaml = parse(readFileSync(join(REPO, 's.yaml'), 'utf8')) as {
  vars: Record<string, unknown>;
  resources: Record<string, Resource>;
};

/** Resolves Serverless Devs variables the way `s` would, with stand-ins for env and config lookups. */
function resolveVariables(value: unknown): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/\$\{vars\.([\w.]+)\}/g, (_match, path: string) =>
        String(
          path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], sYaml.vars),
        ),
      )
      .replace(/\$\{env\('(\w+)'\)\}/g, 'value-of-$1')
      .replace(/\$\{config\('AccountID'\)\}/g, '1234567890123456');
  }
  if (Array.isArray(value)) return value.map(resolveVariables);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolveVariables(inner)]));
  }
  return value;
}

const FC3_SCHEMA = join(REPO, '..', 'shared', 'fixtures', 'fc3-props.schema.json');

describe('s.yaml', () => {
  const resources = Object.entries(sYaml.resources);

  it('deploys the three functions on nodejs20 with a timer and an HTTP trigger', () => {
    expect(resources.map(([name]) => name).sort()).toEqual(['audit-api', 'audit-worker', 'scheduled-audit']);
    expect(
      resources.every(
        ([, resource]) => resource.component === 'fc3' && resource.props.runtime === 'nodejs20',
      ),
    ).toBe(true);
    const triggers = resources.flatMap(
      ([, resource]) => resource.props.triggers?.map((trigger) => trigger.triggerType) ?? [],
    );
    expect(triggers.sort()).toEqual(['http', 'timer']);
  });

  it.each(resources)(
    '%s points at a bundle that `npm run build` made, exporting its handler',
    (_name, resource) => {
      const [file, exported] = resource.props.handler.split('.');
      const bundle = join(REPO, resource.props.code, `${file}.js`);
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(join(REPO, resource.props.code, 'policy.yaml'))).toBe(true);
      const module = createRequire(__filename)(bundle) as Record<string, unknown>;
      expect(typeof module[exported ?? '']).toBe('function');
    },
  );

  it.skipIf(!existsSync(FC3_SCHEMA))(
    'validates against the fc3 component schema (../shared/fixtures)',
    () => {
      const schema = JSON.parse(readFileSync(FC3_SCHEMA, 'utf8')) as object;
      const ajv = new Ajv({ strict: false });
      const validate = ajv.compile(schema);
      ajv.addSchema(schema, 'fc3');
      const triggerSchemas = {
        timer: ajv.getSchema('fc3#/definitions/ITimerTriggerConfig'),
        http: ajv.getSchema('fc3#/definitions/IHttpTriggerConfig'),
      };
      for (const [name, resource] of resources) {
        const props = resolveVariables(resource.props) as Resource['props'] & {
          triggers: { triggerType: 'timer' | 'http'; triggerConfig: unknown }[];
        };
        expect(validate(props), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        for (const trigger of props.triggers ?? []) {
          const check = triggerSchemas[trigger.triggerType];
          expect(
            check?.(trigger.triggerConfig),
            `${name} ${trigger.triggerType}: ${ajv.errorsText(check?.errors)}`,
          ).toBe(true);
        }
      }
    },
  );

  it('lets the HTTP trigger take the chat routes POSTs, and configures the chat secrets from the environment', () => {
    const api = resolveVariables(sYaml.resources['audit-api']?.props) as Record<string, unknown>;
    const [trigger] = api.triggers as { triggerConfig: { methods: string[]; authType: string } }[];
    expect(trigger?.triggerConfig.methods).toEqual(expect.arrayContaining(['GET', 'POST']));
    const variables = api.environmentVariables as Record<string, string>;
    for (const name of [
      'IMAGEGW_API_TOKENS',
      'SLACK_SIGNING_SECRET',
      'DINGTALK_APP_SECRET',
      'IMAGEGW_STATE_OSS_BUCKET',
    ]) {
      expect(variables[name]).toBe(`value-of-${name}`);
    }
  });

  it('points the scheduled function at the worker it deploys, which FC retries and the timer does not', () => {
    const scheduled = resolveVariables(sYaml.resources['scheduled-audit']?.props) as Record<string, unknown>;
    const worker = resolveVariables(sYaml.resources['audit-worker']?.props) as Record<string, unknown>;
    const scheduledEnv = scheduled.environmentVariables as Record<string, string>;
    const workerEnv = worker.environmentVariables as Record<string, string>;
    expect(scheduledEnv.IMAGEGW_WORKER_FUNCTION).toBe(worker.functionName);
    // The FC 3.0 path (docs/decisions/0001): no service, so none may be configured.
    expect(scheduledEnv.IMAGEGW_WORKER_SERVICE).toBeUndefined();
    // Both read and write the same run state, and judge with the same policy and regions.
    expect(workerEnv.IMAGEGW_STATE_OSS_BUCKET).toBe(scheduledEnv.IMAGEGW_STATE_OSS_BUCKET);
    expect(workerEnv.IMAGEGW_POLICY_FILE).toBe(scheduledEnv.IMAGEGW_POLICY_FILE);
    expect(workerEnv.IMAGEGW_REGIONS).toBe(scheduledEnv.IMAGEGW_REGIONS);
    expect(worker.asyncInvokeConfig).toMatchObject({ maxAsyncRetryAttempts: 3 });
    expect(scheduled.asyncInvokeConfig).toMatchObject({ maxAsyncRetryAttempts: 0 });
    // The configuration the scheduled function will read must be valid as deployed.
    // (The stand-ins for `${env(...)}` become values a real deploy would pass.)
    const deployed = {
      ...scheduledEnv,
      IMAGEGW_WEBHOOK_URL: 'https://hooks.example.com/audit',
      IMAGEGW_STATE_OSS_BUCKET: 'team-audit-state',
    };
    expect(functionConfig(deployed, 'cn-hangzhou').fanOut).toMatchObject({
      functionName: worker.functionName,
    });
  });

  it.runIf(!existsSync(FC3_SCHEMA))('notes why the fc3 schema check is skipped', () => {
    console.warn(
      `skipped: the fc3 props schema is not at ${FC3_SCHEMA} (it lives in ../shared, absent in a user's clone)`,
    );
    expect(existsSync(FC3_SCHEMA)).toBe(false);
  });
});
