/** Injected faults: per cluster, per region (ListClusters) and request-wide throttling. */
import type { EmulatedFault, ThrottleOptions } from './types';

interface Slot {
  fault: EmulatedFault;
  /** undefined = unlimited. */
  remaining: number | undefined;
}

function slot(fault: EmulatedFault): Slot {
  return { fault, remaining: fault.times };
}

/** Returns the fault if the slot still has uses, consuming one. */
function take(slots: Map<string, Slot>, key: string): EmulatedFault | undefined {
  const entry = slots.get(key);
  if (!entry) return undefined;
  if (entry.remaining === undefined) return entry.fault;
  if (entry.remaining <= 0) {
    slots.delete(key);
    return undefined;
  }
  entry.remaining -= 1;
  return entry.fault;
}

export function toFault(fault: string | EmulatedFault, times: number | undefined): EmulatedFault {
  const base: EmulatedFault = typeof fault === 'string' ? { code: fault } : { ...fault };
  if (times !== undefined) base.times = times;
  return base;
}

export class FaultBook {
  private readonly clusters = new Map<string, Slot>();
  private readonly regions = new Map<string, Slot>();
  private throttling: { every: number; next: number; code: string; count: number } | undefined;

  setCluster(clusterId: string, fault: EmulatedFault): void {
    this.clusters.set(clusterId, slot(fault));
  }

  setRegion(region: string, fault: EmulatedFault): void {
    this.regions.set(region, slot(fault));
  }

  takeCluster(clusterId: string): EmulatedFault | undefined {
    return take(this.clusters, clusterId);
  }

  takeRegion(region: string): EmulatedFault | undefined {
    return take(this.regions, region);
  }

  throttle(options: ThrottleOptions): void {
    const every = options.every ?? 0;
    const next = options.next ?? 0;
    this.throttling =
      every > 0 || next > 0 ? { every, next, code: options.code ?? 'Throttling.User', count: 0 } : undefined;
  }

  /** Counts one request that reached the API and says whether to throttle it (and with which code). */
  takeThrottle(): string | undefined {
    const rule = this.throttling;
    if (!rule) return undefined;
    rule.count += 1;
    if (rule.next > 0) {
      rule.next -= 1;
      return rule.code;
    }
    return rule.every > 0 && rule.count % rule.every === 0 ? rule.code : undefined;
  }

  clear(): void {
    this.clusters.clear();
    this.regions.clear();
    this.throttling = undefined;
  }
}
