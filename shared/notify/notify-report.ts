import type { Report } from '../audit/types';
import type { Env } from '../config';
import type { StateStore } from '../state/store';
import { loadChannelsFile } from './channels-file';
import { type NotifyOptions, notifyRun } from './deliver';

/** Runs the notifier for a finished report and returns the report with its `notifications` filled in. */
export async function notifyAndRecord(
  report: Report,
  settings: { channelsFile: string; store: StateStore; env: Env },
  options: Omit<NotifyOptions, 'store' | 'reportUrl'> = {},
): Promise<Report> {
  const config = await loadChannelsFile(settings.channelsFile, settings.env);
  const result = await notifyRun(report, config.channels, {
    ...options,
    store: settings.store,
    ...(config.reportUrl ? { reportUrl: config.reportUrl } : {}),
  });
  return {
    ...report,
    notifications: {
      queued: result.queued,
      delivered: result.delivered,
      undelivered: result.undelivered,
      ...(result.deferredTo ? { deferredTo: result.deferredTo } : {}),
      ...(result.rendered
        ? { rendered: result.rendered.map(({ id, channel, title, text }) => ({ id, channel, title, text })) }
        : {}),
    },
  };
}
