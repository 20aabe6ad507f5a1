/**
 * The E-HPC port: what the audit needs from the E-HPC 2018-04-12 API, independent of the SDK.
 * `pop-client.ts` is the adapter that implements it with @alicloud/pop-core.
 */

export interface ClusterSummary {
  clusterId: string;
  /** The region whose endpoint the cluster's own calls go to. */
  region: string;
  name?: string;
  status?: string;
}

export interface RegionListing {
  region: string;
  clusters: ClusterSummary[];
  /** `TotalCount` as the API reported it on the last page read. */
  totalCount: number;
  pages: number;
}

export interface GatewayConfigResponse {
  requestId: string;
  /** The whole response body as plain JSON (ordinary prototypes, no BigNumber); `Imagegw` may be absent. */
  body: Record<string, unknown>;
}

export interface EhpcReader {
  /** Every page of ListClusters against the region's endpoint. */
  listClusters(region: string): Promise<RegionListing>;
  describeImageGatewayConfig(cluster: { clusterId: string; region: string }): Promise<GatewayConfigResponse>;
}

export type EhpcErrorKind =
  | 'api'
  | 'timeout'
  | 'network'
  | 'bad-response'
  | 'credentials'
  | 'config'
  /** Not sent: the run reached its deadline (shared/deadline.ts). */
  | 'deadline'
  | 'unknown';
