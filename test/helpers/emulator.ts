import { afterEach } from 'vitest';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator, EhpcEmulatorOptions } from '../emulator/ehpc/types';

/** Registers an afterEach that closes the emulator the test started; returns the starter. */
export function useEhpcEmulator(): (options: EhpcEmulatorOptions) => Promise<EhpcEmulator> {
  let emulator: EhpcEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });
  return async (options) => {
    await emulator?.close();
    emulator = await startEhpcEmulator(options);
    return emulator;
  };
}
