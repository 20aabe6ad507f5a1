import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/audit-api/index';
import type { Report } from '../../shared/audit/types';
import { generateFleet } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator } from '../emulator/ehpc/types';
import { REPO } from '../helpers/cli';
import { fcContext, httpEvent } from '../helpers/fc';

const ROLE = {
  accessKeyId: 'STS.apiRoleKey0001',
  accessKeySecret: 'api-role-secret',
  securityToken: 'api-role-token-4455',
};
const TOKEN = 'correct-horse-battery-staple';

let emulator: EhpcEmulator;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEhpcEmulator({
    regions: { 'cn-hangzhou': generateFleet('cn-hangzhou', 7) },
    credentials: [ROLE],
  });
  env = {
    IMAGEGW_REGIONS: 'cn-hangzhou',
    IMAGEGW_ENDPOINT: emulator.endpoints['cn-hangzhou'] ?? '',
    IMAGEGW_POLICY_FILE: join(REPO, 'examples', 'policy.yaml'),
    IMAGEGW_API_TOKENS: `old-token-being-rotated,${TOKEN}`,
    // On-demand runs take a lease and spend a caller budget in the state store: a fresh one per run.
    IMAGEGW_STATE_DIR: mkdtempSync(join(tmpdir(), 'audit-api-state-')),
  };
});

afterAll(() => emulator.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('audit-api handler', () => {
  it('answers GET /audit with the JSON report of every cluster', async () => {
    const response = await createHandler({ env })(
      httpEvent({ path: '/audit', headers: bearer(TOKEN) }),
      fcContext(ROLE),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    const report = JSON.parse(response.body) as Report;
    expect(report).toMatchObject({ reportVersion: 1, mode: 'on-demand', complete: true });
    expect(report.clusters).toHaveLength(7);
  });

  it('audits one cluster with ?cluster=ID and accepts either rotated token', async () => {
    const handler = createHandler({ env });
    const response = await handler(
      httpEvent({
        path: '/audit',
        query: { cluster: 'ehpc-hz-0003' },
        headers: bearer('old-token-being-rotated'),
      }),
      fcContext(ROLE),
    );
    const report = JSON.parse(response.body) as Report;
    expect(report.clusters.map((cluster) => cluster.clusterId)).toEqual(['ehpc-hz-0003']);
    const describes = emulator.requests.filter(
      (request) =>
        request.action === 'DescribeImageGatewayConfig' && request.params.ClusterId === 'ehpc-hz-0003',
    );
    expect(describes.length).toBeGreaterThan(0);
  });

  it('refuses without a configured token, without a header, and with a wrong token', async () => {
    const closed = await createHandler({ env: { ...env, IMAGEGW_API_TOKENS: '' } })(
      httpEvent({ path: '/audit', headers: bearer(TOKEN) }),
      fcContext(ROLE),
    );
    expect(closed.statusCode).toBe(503);
    expect(closed.body).toContain('IMAGEGW_API_TOKENS');
    const handler = createHandler({ env });
    expect((await handler(httpEvent({ path: '/audit' }), fcContext(ROLE))).statusCode).toBe(401);
    expect(
      (await handler(httpEvent({ path: '/audit', headers: bearer(`${TOKEN}x`) }), fcContext(ROLE)))
        .statusCode,
    ).toBe(401);
    expect(
      (
        await handler(
          httpEvent({ path: '/audit', headers: { authorization: `bearer ${TOKEN}` } }),
          fcContext(ROLE),
        )
      ).statusCode,
    ).toBe(200);
  });

  it('validates the cluster id before any API call', async () => {
    const before = emulator.requests.length;
    const response = await createHandler({ env })(
      httpEvent({ path: '/audit', query: { cluster: "ehpc-hz-1' OR 1=1" }, headers: bearer(TOKEN) }),
      fcContext(ROLE),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/cluster/);
    expect(emulator.requests.length).toBe(before);
  });

  it('answers unknown routes 404, wrong methods 405, malformed events 400, health 200', async () => {
    const handler = createHandler({ env });
    expect((await handler(httpEvent({ path: '/nope' }), fcContext(ROLE))).statusCode).toBe(404);
    const post = await handler(
      httpEvent({
        method: 'POST',
        path: '/audit',
        headers: bearer(TOKEN),
        body: Buffer.from([0xff, 0x00, 0x01]),
      }),
      fcContext(ROLE),
    );
    expect(post.statusCode).toBe(405);
    expect((await handler(Buffer.from('{"rawPath":'), fcContext(ROLE))).statusCode).toBe(400);
    expect((await handler(httpEvent({ path: '/healthz' }), fcContext(ROLE))).statusCode).toBe(200);
  });

  it('works the same from the deployed bundle', async () => {
    const bundle = createRequire(__filename)(join(REPO, 'dist', 'audit-api', 'index.js')) as {
      handler: unknown;
      createHandler: typeof createHandler;
    };
    expect(typeof bundle.handler).toBe('function');
    const response = await bundle.createHandler({ env })(
      httpEvent({ path: '/audit', headers: bearer(TOKEN) }),
      fcContext(ROLE),
    );
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 for paths that are names on an object prototype', async () => {
    const handler = createHandler({ env });
    for (const path of ['/__proto__', '/constructor', '/toString', '/hasOwnProperty']) {
      expect((await handler(httpEvent({ path }), fcContext(ROLE))).statusCode).toBe(404);
    }
  });

  it('authenticates before reading its configuration, so anonymous callers learn nothing of it', async () => {
    const broken = {
      ...env,
      IMAGEGW_POLICY: 'version: 1\nregistries:\n  allow: ["admin:Hunter2Pw@docker.io"]\n',
    };
    const handler = createHandler({ env: broken });
    const anonymous = await handler(httpEvent({ path: '/audit' }), fcContext(ROLE));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toMatch(/policy|allow/);
    const authenticated = await handler(
      httpEvent({ path: '/audit', headers: bearer(TOKEN) }),
      fcContext(ROLE),
    );
    expect(authenticated.statusCode).toBe(500);
    expect(authenticated.body).toContain('registries.allow[0]');
    expect(authenticated.body).not.toContain('Hunter2Pw');
  });
});
