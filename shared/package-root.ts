import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package's own folder, found from the running file, so that the bundled CLI (dist/cli) and
 * the sources under test find the same bundled data (the demo fleet, the example policy).
 */
export function packageRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'imagegw-auditor')
          return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the imagegw-auditor package folder above ${start}`);
    dir = parent;
  }
}
