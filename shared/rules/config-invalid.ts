import { REQUIRED_FIELDS, REQUIRED_LOCATION_FIELDS } from '../gateway/read';
import { parseImageExpiration, parsePullUpdateTimeout } from '../policy/duration';
import { readUpdateDateTime } from './config-stale';
import { MONGODB_URI_EXAMPLE, maskMongoUri, parseMongoUri } from './mongodb-uri';
import { type Rule, type RuleFinding, showValue } from './rule';

function invalid(field: string, value: unknown, message: string, expected?: string): RuleFinding {
  return { field, value: showValue(value), message, ...(expected ? { expected } : {}) };
}

/** Type and readability checks of every non-registry field; registry values are registry.invalid. */
export const configInvalid: Rule = {
  id: 'config.invalid',
  summary: 'A configuration that cannot be read can never be shown to be compliant',
  check(gateway, policy) {
    const findings: RuleFinding[] = gateway.problems.map((problem) => ({
      field: problem.field,
      message: problem.message,
    }));
    const imagegw = gateway.imagegw;
    if (!imagegw) return findings;

    for (const field of REQUIRED_FIELDS) {
      if (imagegw[field] === undefined || imagegw[field] === null)
        findings.push(invalid(field, undefined, `${field} is missing`));
    }
    const { UpdateDateTime, ImageExpirationTimeout, MongoDBURI, DefaultImageLocation, PullUpdateTimeout } =
      imagegw;

    if (UpdateDateTime !== undefined && UpdateDateTime !== null) {
      if (typeof UpdateDateTime !== 'string' || readUpdateDateTime(UpdateDateTime) === undefined) {
        findings.push(
          invalid(
            'UpdateDateTime',
            UpdateDateTime,
            'UpdateDateTime is not a date and time',
            'YYYY-MM-DDTHH:mm:ss',
          ),
        );
      }
    }
    if (ImageExpirationTimeout !== undefined && ImageExpirationTimeout !== null) {
      const parsed = parseImageExpiration(ImageExpirationTimeout, policy.threeFieldFormat);
      if (!parsed.ok) {
        findings.push(
          invalid(
            'ImageExpirationTimeout',
            ImageExpirationTimeout,
            `ImageExpirationTimeout cannot be read: ${parsed.reason}`,
            `D:H:M:S, or three fields read as ${policy.threeFieldFormat}`,
          ),
        );
      }
    }
    if (PullUpdateTimeout !== undefined && PullUpdateTimeout !== null) {
      const parsed = parsePullUpdateTimeout(PullUpdateTimeout);
      if (!parsed.ok) {
        findings.push(
          invalid(
            'PullUpdateTimeout',
            PullUpdateTimeout,
            `PullUpdateTimeout cannot be read: ${parsed.reason}`,
            'whole seconds',
          ),
        );
      }
    }
    if (MongoDBURI !== undefined && MongoDBURI !== null) {
      // The same reader as the mongodb rules; the value is masked here because an unreadable URI
      // can hide a password where generic URL masking does not look (`mongodb://u:pa/ss@host`).
      const parsed = parseMongoUri(MongoDBURI);
      if (!parsed.ok) {
        findings.push({
          ...invalid('MongoDBURI', MongoDBURI, `MongoDBURI ${parsed.reason}`, MONGODB_URI_EXAMPLE),
          ...(typeof MongoDBURI === 'string' ? { value: maskMongoUri(MongoDBURI) } : {}),
        });
      }
    }
    if (
      DefaultImageLocation !== undefined &&
      DefaultImageLocation !== null &&
      typeof DefaultImageLocation !== 'string'
    ) {
      findings.push(
        invalid('DefaultImageLocation', DefaultImageLocation, 'DefaultImageLocation is not a string'),
      );
    }

    for (const location of gateway.locations) {
      for (const name of REQUIRED_LOCATION_FIELDS) {
        const value = location.fields[name];
        if (value === undefined || value === null)
          findings.push(invalid(`${location.path}.${name}`, undefined, `${name} is missing`));
      }
      for (const name of ['Location', 'URL', 'RemoteType', 'Authentication'] as const) {
        const value = location.fields[name];
        if (value !== undefined && value !== null && typeof value !== 'string') {
          findings.push(invalid(`${location.path}.${name}`, value, `${name} is not a string`));
        }
      }
    }
    return findings;
  },
};
