// `npm run bench` (after scripts/build.mjs): bundles the bench's TypeScript entry points, and the
// emulator and shared code they import, into dist/bench/ with esbuild (the same options as the
// function bundles, unminified), then runs dist/bench/main.js. See docs/benchmarks.md.

import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');

await mkdir(outdir, { recursive: true });
await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
await build({
  entryPoints: [join(root, 'bench', 'main.ts'), join(root, 'bench', 'fleet-child.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  external: ['proxy-agent'],
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
});

const run = spawnSync(process.execPath, ['--enable-source-maps', join(outdir, 'main.js')], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
