/** The two E-HPC 2018-04-12 actions the audit uses (spec/cloud-apis.md §1.2, §1.3). */
import { compliantImagegw } from './fleet';
import { errorReply, faultReply, JSON_CONTENT_TYPE, jsonReply, newRequestId, type Reply } from './reply';
import type { ClusterInfo, EhpcEmulatorOptions, EmulatedCluster, EmulatedFault } from './types';

interface Placed {
  cluster: EmulatedCluster;
  /** The region whose endpoint answers DescribeImageGatewayConfig for it. */
  home: string;
  /** The region it is configured under (and listed from). */
  listedIn: string;
}

/** Null-valued info fields are left out of the answer, so a test can drop RegionId, Name or Status. */
function renderInfo(info: ClusterInfo, listedIn: string): Record<string, unknown> {
  const item: Record<string, unknown> = { Id: info.Id, RegionId: listedIn, Name: info.Id, Status: 'running' };
  for (const [key, value] of Object.entries(info)) {
    if (value === null) delete item[key];
    else if (value !== undefined) item[key] = value;
  }
  return item;
}

export class EmulatedFleet {
  private readonly placed: Placed[] = [];

  constructor(
    regions: EhpcEmulatorOptions['regions'],
    private readonly scope: 'region' | 'account',
  ) {
    for (const [listedIn, clusters] of Object.entries(regions)) {
      for (const cluster of clusters) {
        const regionId = cluster.info.RegionId;
        this.placed.push({
          cluster,
          listedIn,
          home: typeof regionId === 'string' && regionId ? regionId : listedIn,
        });
      }
    }
  }

  all(): readonly EmulatedCluster[] {
    return this.placed.map((entry) => entry.cluster);
  }

  listing(region: string): Record<string, unknown>[] {
    return this.placed
      .filter((entry) => this.scope === 'account' || entry.listedIn === region)
      .map((entry) => renderInfo(entry.cluster.info, entry.listedIn));
  }

  /** A cluster is found only at its own region's endpoint, like a regional service would. */
  find(region: string, clusterId: string): EmulatedCluster | undefined {
    return this.placed.find((entry) => entry.home === region && entry.cluster.info.Id === clusterId)?.cluster;
  }
}

export interface PagingOptions {
  max: number;
  outOfRange: 'reject' | 'clamp';
}

function parsePositiveInt(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

export function listClusters(
  region: string,
  params: Readonly<Record<string, string>>,
  fleet: EmulatedFleet,
  paging: PagingOptions,
  regionFault: EmulatedFault | undefined,
): Reply {
  if (regionFault) return faultReply(region, regionFault);
  const pageNumber = parsePositiveInt(params.PageNumber, 1);
  if (pageNumber === undefined || pageNumber < 1)
    return errorReply(region, 'InvalidParams', { arg: 'PageNumber' });
  let pageSize = parsePositiveInt(params.PageSize, 10);
  if (pageSize === undefined) return errorReply(region, 'InvalidParams', { arg: 'PageSize' });
  if (pageSize < 1 || pageSize > paging.max) {
    if (paging.outOfRange === 'reject') return errorReply(region, 'InvalidParams', { arg: 'PageSize' });
    pageSize = Math.min(Math.max(pageSize, 1), paging.max);
  }
  const items = fleet.listing(region);
  const start = (pageNumber - 1) * pageSize;
  return jsonReply({
    RequestId: newRequestId(),
    TotalCount: items.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Clusters: { ClusterInfoSimple: items.slice(start, start + pageSize) },
  });
}

export interface DescribeContext {
  unknownCluster: 'ClusterNotFound' | 'InvalidParams';
  now: number;
  takeFault: (clusterId: string) => EmulatedFault | undefined;
}

export function describeImageGatewayConfig(
  region: string,
  params: Readonly<Record<string, string>>,
  fleet: EmulatedFleet,
  context: DescribeContext,
): Reply {
  const clusterId = params.ClusterId;
  if (!clusterId) return errorReply(region, 'InvalidParams', { arg: 'ClusterId' });
  const cluster = fleet.find(region, clusterId);
  if (!cluster) {
    return context.unknownCluster === 'InvalidParams'
      ? errorReply(region, 'InvalidParams', { arg: 'ClusterId' })
      : errorReply(region, 'ClusterNotFound');
  }
  const fault = context.takeFault(clusterId);
  if (fault) return faultReply(region, fault);

  const { describe } = cluster;
  if (typeof describe === 'string' || Buffer.isBuffer(describe)) {
    return { status: 200, body: describe, contentType: JSON_CONTENT_TYPE };
  }
  if (describe !== undefined) return jsonReply(describe);
  return jsonReply({ RequestId: newRequestId(), Imagegw: compliantImagegw(0, region, context.now) });
}
