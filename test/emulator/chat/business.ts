/** The `business` fault: HTTP 200 carrying the channel's own error field (§1.1, §12.3). */
import { dingtalkBusinessOutcome } from './dingtalk';
import { feishuBusinessOutcome } from './feishu';
import type { AnyHook, Outcome, RequestContext } from './hooks';
import { slackBusinessOutcome } from './slack';
import { webhookBusinessOutcome } from './webhook';
import { wecomBusinessOutcome } from './wecom';

export function businessOutcome(hook: AnyHook, ctx: RequestContext, code: number, msg: string): Outcome {
  switch (hook.channel) {
    case 'dingtalk':
      return dingtalkBusinessOutcome(hook, code, msg);
    case 'feishu':
      return feishuBusinessOutcome(code, msg);
    case 'wecom':
      return wecomBusinessOutcome(ctx, code, msg);
    case 'slack':
      return slackBusinessOutcome(msg);
    default:
      return webhookBusinessOutcome(code, msg);
  }
}
