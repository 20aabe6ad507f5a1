/** The E-HPC emulator's public surface (tests and the demo import from here). */
export { ERROR_CODES } from './codes';
export {
  compliantImagegw,
  GATEWAY_SCENARIOS,
  generateFleet,
  loadFleetFixture,
  regionCode,
  stableRequestId,
} from './fleet';
export { EHPC_API_VERSION, startEhpcEmulator } from './server';
export {
  collectRpcParams,
  popEncode,
  rpcCanonicalQuery,
  rpcSignature,
  rpcSignatureMatches,
  rpcStringToSign,
  signRpcQuery,
} from './signature';
export type * from './types';
