/**
 * The error codes the emulator can answer with, their HTTP status and the service's wording
 * (spec/cloud-apis.md §1.4). Statuses marked [open] in the spec use the spec's suggested value.
 */

export interface ErrorCodeInfo {
  status: number;
  message: string;
}

export const ERROR_CODES: Readonly<Record<string, ErrorCodeInfo>> = {
  // Gateway (every action)
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
  },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  'InvalidAccessKeyId.Inactive': { status: 400, message: 'Specified access key is disabled.' },
  'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
  'InvalidTimeStamp.Format': {
    status: 400,
    message: 'Specified time stamp or date value is not well formatted.',
  },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
  'Forbidden.RAM': { status: 403, message: 'User not authorized to operate on the specified resource.' },
  // Missing common parameters: `Missing<Name>` with "<Name> is mandatory for this action." is the
  // observed wording (e.g. MissingTimestamp from public gateways); the status is assumed 400.
  MissingSignature: { status: 400, message: 'Signature is mandatory for this action.' },
  MissingAccessKeyId: { status: 400, message: 'AccessKeyId is mandatory for this action.' },
  MissingSignatureNonce: { status: 400, message: 'SignatureNonce is mandatory for this action.' },
  MissingTimestamp: { status: 400, message: 'Timestamp is mandatory for this action.' },
  // An unsupported SignatureMethod/SignatureVersion: the gateway's code for this is not documented;
  // IncompleteSignature is the observed code for malformed signatures.
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Aliyun standards.',
  },
  MissingSecurityToken: { status: 400, message: 'SecurityToken is mandatory for this action.' },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  'InvalidSecurityToken.Expired': { status: 400, message: 'Specified SecurityToken is expired.' },
  // Throttling
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.' },
  'Throttling.Api': { status: 400, message: 'Request was denied due to api flow control.' },
  Throttling: { status: 400, message: 'Request was denied due to flow control.' },
  // Transient
  ServiceUnavailable: {
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
  },
  InternalError: {
    status: 500,
    message: 'The request processing has failed due to some unknown error, exception or failure.',
  },
  // DescribeImageGatewayConfig page
  InvalidParams: { status: 400, message: 'Invalid param: %s' },
  LoginNotFound: { status: 404, message: 'The specified login node does not exist.' },
  AliyunError: { status: 406, message: 'Failed to request other cloud service APIs.' },
  DbError: { status: 406, message: 'Database request failed.' },
  // The documentation prints no message for this code; an empty one is the faithful choice.
  'AgentError.Image.DescribeImagegwFailed': { status: 406, message: '' },
  NotAuthorized: { status: 407, message: 'The request is not authorized by RAM.' },
  UnknownError: { status: 500, message: 'An unknown error occurred.' },
  // ModifyImageGatewayConfig page, reused for unknown clusters and account states
  ClusterNotFound: { status: 404, message: 'The specified cluster does not exist.' },
  NotEnabled: { status: 400, message: 'You have not enabled this service' },
  InDebt: { status: 400, message: 'Your account has overdue payments.' },
};

/** Codes not in the table are answered like an unexpected server failure. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return ERROR_CODES[code] ?? { status: 500, message: `Emulated error ${code}.` };
}
