// One esbuild bundle per Function Compute function (dist/<name>/index.js, CommonJS, handler
// `index.handler`) plus the CLI (dist/cli/imagegw-audit.js). Each function folder gets a
// package.json that pins CommonJS, so the bundle loads the same way in FC and in our tests.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionsDir = join(root, 'functions');
const functionNames = (await readdir(functionsDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// The deployed functions read IMAGEGW_POLICY_FILE=policy.yaml next to their bundle: the
// repository's own policy (policy.yaml, .yml or .json; JSON is YAML too) when there is one, else
// the README's example policy. It is validated below, so a typo fails the build, not production.
const ownPolicies = ['policy.yaml', 'policy.yml', 'policy.json']
  .map((name) => join(root, name))
  .filter(existsSync);
if (ownPolicies.length > 1) {
  process.stderr.write(
    `build: more than one policy at the repository root (${ownPolicies.join(', ')}); keep one\n`,
  );
  process.exit(2);
}
const policyFile = ownPolicies[0] ?? join(root, 'examples', 'policy.yaml');
// Its secrets are ${VAR} references resolved at run time, so the file itself can be deployed as is.
const channelsFile = ['channels.yaml', 'channels.yml'].map((name) => join(root, name)).find(existsSync);

const common = {
  bundle: true,
  platform: 'node',
  // urllib (under ali-oss) requires proxy-agent only when a proxy is configured; it is not
  // installed, and we configure none.
  external: ['proxy-agent'],
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Minified: smaller bundles load faster on a cold start; the source maps keep stack traces readable.
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
  // import() becomes require(): lazy modules load like any CommonJS file, relative to the bundle.
  supported: { 'dynamic-import': false },
};

// Lazy modules: heavy SDKs that only some configurations use (ali-oss for the OSS state store,
// fc2 for fan-out). Each is built as its own file in `lazy/` next to the bundle, and the bundle's
// dynamic `import('./oss-store')` is rewritten to require that file, so the SDK costs neither
// bundle size nor import time until it is used. Only dynamic imports may reach them: a static
// import would load the SDK at start-up, so the build refuses it. Classes do not cross the
// boundary (each file has its own copies), so errors from a lazy module are recognised by `name`.
const lazyModules = ['shared/state/oss-store.ts', 'shared/fc/fc2-invoker.ts']
  .map((path) => join(root, path))
  .filter(existsSync);
const lazyFileName = (path) => `${basename(path, '.ts')}.js`;
const lazyModulesPlugin = {
  name: 'lazy-modules',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\./ }, (args) => {
      const target = lazyModules.find((path) => join(args.resolveDir, `${args.path}.ts`) === path);
      if (target === undefined || args.importer === target) return undefined;
      if (args.kind !== 'dynamic-import') {
        return {
          errors: [{ text: `${args.path} is a lazy module: import it with await import(), not statically` }],
        };
      }
      return { path: `./lazy/${lazyFileName(target)}`, external: true };
    });
  },
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
    await build({
      ...common,
      entryPoints: [entry],
      outfile: join(outdir, outfile),
      plugins: [lazyModulesPlugin],
    });
    await Promise.all(
      lazyModules.map((path) =>
        build({ ...common, entryPoints: [path], outfile: join(outdir, 'lazy', lazyFileName(path)) }),
      ),
    );
    if (entry.startsWith(functionsDir)) {
      await copyFile(policyFile, join(outdir, 'policy.yaml'));
      // The repository's chat channels (docs/notifications.md), for IMAGEGW_CHANNELS_FILE=channels.yaml.
      if (channelsFile) await copyFile(channelsFile, join(outdir, 'channels.yaml'));
    }
  }),
);

// The policy the functions will deploy with must be valid: check it with the CLI just built.
const cli = createRequire(import.meta.url)(join(root, 'dist', 'cli', 'imagegw-audit.js'));
const writeStdout = process.stdout.write;
process.stdout.write = () => true; // quiet on success; errors go to stderr
const status = await cli.main(['node', 'imagegw-audit', 'policy', 'validate', policyFile]);
process.stdout.write = writeStdout;
if (status !== 0) {
  process.stderr.write('build: the policy deployed with the functions is invalid (see above)\n');
  process.exit(status);
}
process.stderr.write(
  `build: dist/ ready; the functions deploy with ${relative(root, policyFile)}${channelsFile ? ` and ${relative(root, channelsFile)}` : ''}\n`,
);
