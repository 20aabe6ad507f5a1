import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Tests of the CLI and of the function bundles run the built artefacts: build them once, fresh. */
export default function setup(): void {
  execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
