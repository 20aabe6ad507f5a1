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
require(bundle)
  .main(process.argv)
  .then((code) => {
    // Exit explicitly: pooled keep-alive sockets of the HTTP clients would otherwise hold the
    // process open. stdout and stderr are synchronous for files and pipes on Linux.
    process.exit(code);
  });
