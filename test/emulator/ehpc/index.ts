/** The E-HPC emulator's public surface (tests and the demo import from here). */
export { ERROR_CODES } from './codes.js';
export {
  compliantImagegw,
  GATEWAY_SCENARIOS,
  generateFleet,
  loadFleetFixture,
  regionCode,
  stableRequestId,
} from './fleet.js';
export { EHPC_API_VERSION, startEhpcEmulator } from './server.js';
export {
  collectRpcParams,
  popEncode,
  rpcCanonicalQuery,
  rpcSignature,
  rpcSignatureMatches,
  rpcStringToSign,
  signRpcQuery,
} from './signature.js';
export type * from './types.js';
