/** Per-hook fault scripts (§12.3): next N requests, from the Kth on, or with a seeded probability. */
import type { ChatFault } from './types';

interface Slot {
  fault: ChatFault;
  /** undefined = unlimited. */
  remaining: number | undefined;
  /** Requests still to let through before the fault starts. */
  skip: number;
}

export class FaultBook {
  private readonly slots = new Map<string, Slot[]>();

  constructor(private readonly random: () => number) {}

  add(hookId: string, fault: ChatFault): void {
    const list = this.slots.get(hookId) ?? [];
    list.push({ fault, remaining: fault.times, skip: Math.max(0, fault.after ?? 0) });
    this.slots.set(hookId, list);
  }

  /** Counts one request to the hook and returns the fault it gets, if any (first eligible slot wins). */
  take(hookId: string): ChatFault | undefined {
    const list = this.slots.get(hookId);
    if (!list) return undefined;
    let chosen: Slot | undefined;
    for (const slot of list) {
      if (slot.skip > 0) {
        slot.skip -= 1;
        continue;
      }
      if (chosen || (slot.remaining !== undefined && slot.remaining <= 0)) continue;
      const p = slot.fault.probability;
      if (p !== undefined && this.random() >= p) continue;
      chosen = slot;
    }
    if (chosen?.remaining !== undefined) chosen.remaining -= 1;
    const live = list.filter((s) => s.remaining === undefined || s.remaining > 0);
    if (live.length > 0) this.slots.set(hookId, live);
    else this.slots.delete(hookId);
    return chosen?.fault;
  }

  clear(hookId?: string): void {
    if (hookId === undefined) this.slots.clear();
    else this.slots.delete(hookId);
  }
}
