/**
 * The latest full report and the run history, kept in the state store by every run that delivers
 * (the scheduled function, the worker that assembles a fanned-out run): `GET /report` serves the
 * page from them without auditing again.
 */
import type { Report } from '../audit/types';
import { getJson, keySegment, putJson, type StateStore } from '../state/store';

const LATEST = 'reports/latest.json';

export async function recordRun(store: StateStore, report: Report): Promise<void> {
  // The same record shared/notify/deliver.ts writes; writing it twice for a notified run is harmless.
  await putJson(store, `runs/${keySegment(report.runId)}.json`, {
    runId: report.runId,
    mode: report.mode,
    finishedAt: report.finishedAt,
    complete: report.complete,
    summary: report.summary,
  });
  // Only a run over every cluster stands for the fleet; a one-cluster audit does not replace it.
  if (!report.clusterFilter) await putJson(store, LATEST, report);
}

export async function readLatestReport(store: StateStore): Promise<Report | undefined> {
  const report = await getJson<Report>(store, LATEST);
  return report?.reportVersion === 1 && typeof report.runId === 'string' ? report : undefined;
}
