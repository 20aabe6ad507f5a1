/**
 * Reads an `Imagegw` object into a shape the rules can walk, without judging values: it only
 * flattens `Locations` (both wire shapes, a single object where an array is expected) and records
 * structural problems (missing object, wrong container shapes). Value checks belong to the rules,
 * so the offline `check` command and the online run judge a configuration identically.
 */

export interface GatewayLocation {
  /** Field prefix in the wrapped form, whatever shape the input had: `Locations.LocationInfo[i]`. */
  path: string;
  fields: Record<string, unknown>;
}

export interface StructuralProblem {
  field: string;
  message: string;
}

export interface Gateway {
  /** The `Imagegw` object, or undefined when the input has none (then `problems` says why). */
  imagegw: Record<string, unknown> | undefined;
  locations: GatewayLocation[];
  problems: StructuralProblem[];
}

/** The fields a configuration must carry; a missing one is `config.invalid`. */
export const REQUIRED_FIELDS = [
  'UpdateDateTime',
  'ImageExpirationTimeout',
  'MongoDBURI',
  'DefaultImageLocation',
  'PullUpdateTimeout',
  'Locations',
] as const;

/** Fields every location must carry; `URL` and `Authentication` have documented defaults. */
export const REQUIRED_LOCATION_FIELDS = ['Location', 'RemoteType'] as const;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function locationPath(index: number): string {
  return `Locations.LocationInfo[${index}]`;
}

function flattenLocations(raw: unknown, problems: StructuralProblem[]): GatewayLocation[] {
  let items: unknown[];
  if (Array.isArray(raw)) {
    items = raw;
  } else if (isPlainObject(raw)) {
    const unknown = Object.keys(raw).filter((key) => key !== 'LocationInfo');
    if (unknown.length > 0) {
      // `{"Foo": [...]}` is not an empty list of locations: locations we cannot see are not compliant.
      problems.push({
        field: 'Locations',
        message: `Locations has unknown key(s) ${unknown.join(', ')}; expected {"LocationInfo": [...]}`,
      });
      return [];
    }
    const inner = raw.LocationInfo;
    if (inner === undefined || inner === null) items = [];
    else if (Array.isArray(inner)) items = inner;
    else if (isPlainObject(inner)) items = [inner];
    else {
      problems.push({ field: 'Locations.LocationInfo', message: 'Locations.LocationInfo is not a list' });
      return [];
    }
  } else {
    problems.push({ field: 'Locations', message: 'Locations is neither a list nor {"LocationInfo": [...]}' });
    return [];
  }
  const locations: GatewayLocation[] = [];
  items.forEach((item, index) => {
    if (isPlainObject(item)) locations.push({ path: locationPath(index), fields: item });
    else problems.push({ field: locationPath(index), message: `${locationPath(index)} is not an object` });
  });
  return locations;
}

/** Accepts the `Imagegw` object itself; `extractImagegw` finds it inside saved files and responses. */
export function readGateway(imagegw: unknown): Gateway {
  if (!isPlainObject(imagegw)) {
    return {
      imagegw: undefined,
      locations: [],
      problems: [{ field: 'Imagegw', message: 'the configuration has no Imagegw object' }],
    };
  }
  if (Object.keys(imagegw).length === 0) {
    return {
      imagegw: undefined,
      locations: [],
      problems: [
        { field: 'Imagegw', message: 'Imagegw is empty: the cluster has no image gateway configuration' },
      ],
    };
  }
  const problems: StructuralProblem[] = [];
  const locations = imagegw.Locations === undefined ? [] : flattenLocations(imagegw.Locations, problems);
  return { imagegw, locations, problems };
}

const IMAGEGW_KEYS = new Set<string>([...REQUIRED_FIELDS]);

/**
 * A saved file or an API body holds either a whole response (`{"RequestId", "Imagegw"}`) or the
 * `Imagegw` object alone. An object with an `Imagegw` key is a response; one with any gateway field
 * at the top level is the bare object; anything else is a response whose `Imagegw` is missing.
 */
export function extractImagegw(document: unknown): unknown {
  if (!isPlainObject(document)) return undefined;
  if ('Imagegw' in document) return document.Imagegw;
  return Object.keys(document).some((key) => IMAGEGW_KEYS.has(key)) ? document : undefined;
}

/**
 * The normalised gateway object that custom rules (JSON Schema) see: the `Imagegw` fields with
 * `Locations` as a flat array and `PullUpdateTimeout` as a number where it reads as one.
 */
export function normalisedGatewayObject(gateway: Gateway, pullUpdateSeconds: number | undefined) {
  if (!gateway.imagegw) return undefined;
  return {
    ...gateway.imagegw,
    Locations: gateway.locations.map((location) => location.fields),
    ...(pullUpdateSeconds === undefined ? {} : { PullUpdateTimeout: pullUpdateSeconds }),
  };
}
