import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkKey, StateError, type StateStore } from './store';

/**
 * The default store: one file per key under a directory (`--state DIR`, `IMAGEGW_STATE_DIR`).
 * Writes go to a temporary file and are renamed into place, so a crash never leaves half a file;
 * `create` uses O_EXCL, so two processes cannot both create the same key.
 */
export class FileStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, ...checkKey(key).split('/'));
  }

  async get(key: string): Promise<string | undefined> {
    // Outside the try: an invalid key is refused with its own reason, not as an unreadable file.
    const path = this.path(key);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError(`cannot read state ${key}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }

  async put(key: string, value: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, value);
    await rename(temporary, path);
  }

  async create(key: string, value: string): Promise<boolean> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(value);
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = join(this.dir, ...checkKey(prefix.replace(/\/+$/, '')).split('/'));
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.tmp')) keys.push(relative(this.dir, full).split(sep).join('/'));
      }
    };
    await walk(start);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
