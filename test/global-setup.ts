import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Tests of the CLI and of the function bundles run the built artefacts: build them once, fresh.
 * IMAGEGW_TEST_SKIP_BUILD=1 skips it when iterating on tests that do not use them.
 */
export default function setup(): void {
  if (process.env.IMAGEGW_TEST_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
