// One esbuild bundle per Function Compute function (dist/<name>/index.js, CommonJS, handler
// `index.handler`) plus the CLI (dist/cli/imagegw-audit.js). Each function folder gets a
// package.json that pins CommonJS, so the bundle loads the same way in FC and in our tests.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionsDir = join(root, 'functions');
const functionNames = (await readdir(functionsDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// The deployed functions read IMAGEGW_POLICY_FILE=policy.yaml next to their bundle: the
// repository's own policy.yaml when there is one, else the README's example policy.
const policyFile = existsSync(join(root, 'policy.yaml'))
  ? join(root, 'policy.yaml')
  : join(root, 'examples', 'policy.yaml');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

const targets = [
  ...functionNames.map((name) => ({
    entry: join(functionsDir, name, 'index.ts'),
    outdir: join(root, 'dist', name),
    outfile: 'index.js',
  })),
  { entry: join(root, 'bin', 'cli.ts'), outdir: join(root, 'dist', 'cli'), outfile: 'imagegw-audit.js' },
];

await Promise.all(
  targets.map(async ({ entry, outdir, outfile }) => {
    await mkdir(outdir, { recursive: true });
    await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
    await build({ ...common, entryPoints: [entry], outfile: join(outdir, outfile) });
    if (entry.startsWith(functionsDir)) await copyFile(policyFile, join(outdir, 'policy.yaml'));
  }),
);
