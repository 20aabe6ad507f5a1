import type { Credentials } from '../config';
import { FileStateStore } from './file-store';
import type { StateStore } from './store';

/** Where the functions keep their memory between runs (IMAGEGW_STATE_DIR or IMAGEGW_STATE_OSS_*). */
export type StateLocation =
  | { kind: 'file'; dir: string }
  | { kind: 'oss'; bucket: string; region: string; prefix: string; endpoint?: string };

/**
 * Opens the configured store for one invocation. The OSS store gets this invocation's role
 * credentials (they expire, so a store is never kept across invocations). Its module is imported
 * dynamically: the build ships it as a separate file next to the bundle (scripts/build.mjs,
 * "lazy modules"), so ali-oss costs neither bundle size nor import time unless OSS is configured.
 */
export async function openStateStore(location: StateLocation, credentials: Credentials): Promise<StateStore> {
  if (location.kind === 'file') return new FileStateStore(location.dir);
  const { OssStateStore } = await import('./oss-store');
  return new OssStateStore({
    bucket: location.bucket,
    region: location.region,
    prefix: location.prefix,
    credentials,
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
  });
}
