import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isPlainObject } from '../gateway/read';

export interface SavedConfig {
  file: string;
  clusterId: string;
  /** A top-level `RegionId` in the file, if it has one. */
  region?: string;
  document: unknown;
}

export class SavedConfigError extends Error {
  override readonly name = 'SavedConfigError';
}

/**
 * Reads one saved configuration for `check`: a whole DescribeImageGatewayConfig response or the
 * `Imagegw` object alone, either `Locations` shape. The cluster id is `clusterId` (the caller's
 * `--cluster`), else a top-level `ClusterId`, else the file name without `.json`.
 */
export async function readSavedConfig(file: string, clusterId?: string): Promise<SavedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SavedConfigError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`,
    );
  }
  let document: unknown;
  try {
    // Windows tools (PowerShell's Out-File, Notepad) write a byte order mark; it is not content.
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    // JSON.parse quotes the content it choked on, which may be a secret: say no more than where.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new SavedConfigError(
      `${file}: not JSON${position === undefined ? '' : ` (at character ${position})`}`,
    );
  }
  if (!isPlainObject(document))
    throw new SavedConfigError(
      `${file}: expected a JSON object, not ${Array.isArray(document) ? 'an array' : typeof document}`,
    );
  const ownId = typeof document.ClusterId === 'string' && document.ClusterId ? document.ClusterId : undefined;
  const region = typeof document.RegionId === 'string' && document.RegionId ? document.RegionId : undefined;
  return {
    file,
    clusterId: clusterId ?? ownId ?? basename(file).replace(/\.json$/i, ''),
    ...(region ? { region } : {}),
    document,
  };
}
