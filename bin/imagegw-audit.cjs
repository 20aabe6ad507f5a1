#!/usr/bin/env node
// The installed command. It runs the CLI bundle that `npm ci` (prepare) or `npm run build` makes.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'imagegw-audit.js');
if (!existsSync(bundle)) {
  process.stderr.write(
    'imagegw-audit: the CLI is not built yet; run `npm run build` in the package folder\n',
  );
  process.exit(2);
}

// The bundle is minified; its source map makes --debug stack traces name our own files.
process.setSourceMapsEnabled(true);

// A reader that goes away (`| head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));

require(bundle)
  .main(process.argv)
  .then(async (code) => {
    process.exitCode = code;
    // Exit explicitly, or pooled keep-alive sockets of the HTTP clients hold the process open;
    // but only after stdout and stderr are flushed: pipe writes are asynchronous, and exiting
    // early cuts a large report short (`| jq` would see broken JSON).
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });
