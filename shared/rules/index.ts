import { configInvalid } from './config-invalid';
import { configStale } from './config-stale';
import { mongodbInlineCredentials } from './mongodb-inline-credentials';
import { mongodbTlsDisabled } from './mongodb-tls-disabled';
import { registryCredentialsInUrl } from './registry-credentials-in-url';
import { registryDefaultUndefined } from './registry-default-undefined';
import { registryInvalid } from './registry-invalid';
import { registryNotAllowed } from './registry-not-allowed';
import { registryRemoteTypeNotAllowed } from './registry-remote-type-not-allowed';
import type { Rule } from './rule';
import { imageExpirationOutOfBounds, pullUpdateOutOfBounds } from './timeouts';
import { transportInsecure } from './transport-insecure';

/** Every built-in rule, in report order. A test pins this list against RULE_DEFAULT_SEVERITY. */
export const RULES: readonly Rule[] = [
  configInvalid,
  registryInvalid,
  registryCredentialsInUrl,
  registryNotAllowed,
  registryRemoteTypeNotAllowed,
  registryDefaultUndefined,
  transportInsecure,
  pullUpdateOutOfBounds,
  imageExpirationOutOfBounds,
  mongodbInlineCredentials,
  mongodbTlsDisabled,
  configStale,
];
