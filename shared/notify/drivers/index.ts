import type { ChannelDriver, ChannelType } from '../channel';
import { dingtalkDriver } from './dingtalk';
import { feishuDriver } from './feishu';
import { slackDriver } from './slack';
import { webhookDriver } from './webhook';
import { wecomDriver } from './wecom';

export { PartRequestError } from './common';
export { dingtalkDriver, dingtalkSign, dingtalkSignedUrl } from './dingtalk';
export { feishuDriver, feishuSign } from './feishu';
export { escapeMrkdwn, slackDriver, slackSections } from './slack';
export { standardWebhooksSign, webhookDriver, webhookId } from './webhook';
export { wecomDriver } from './wecom';

const DRIVERS: Record<ChannelType, ChannelDriver> = {
  dingtalk: dingtalkDriver,
  feishu: feishuDriver,
  wecom: wecomDriver,
  slack: slackDriver,
  webhook: webhookDriver,
};

/** The driver for a channel type (spec/chat-protocols.md §3–§6, §8). */
export function driverFor(type: ChannelType): ChannelDriver {
  return DRIVERS[type];
}
