import { z } from 'zod';
import { detailLines, title } from '../message.js';
import { render } from '../template.js';
import { post } from './http.js';
import type { CommonReceiverConfig, Notification, Receiver, ReceiverType } from './types.js';

const schema = z
  .object({
    /** The incoming webhook URL (it is a secret: logs show its host only). */
    url: z.url({ protocol: /^https?$/ }),
  })
  .strict();

type Config = z.output<typeof schema> & CommonReceiverConfig;

const EMOJI = { trigger: ':rotating_light:', acknowledge: ':eyes:', resolve: ':white_check_mark:' } as const;

/** `text` is what notifications and old clients show; `blocks` is the formatted message. */
export function slackBody(n: Notification, template?: CommonReceiverConfig['template']): { text: string; blocks: unknown[] } {
  const head = `${EMOJI[n.kind]} ${template?.title ? render(template.title, n.kind, n.event) : title(n.kind, n.event)}`;
  const lines = template?.body ? render(template.body, n.kind, n.event).split('\n') : detailLines(n.kind, n.event, n.routePath);
  const url = n.event.incident.url;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: head.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.filter((l) => !l.startsWith('Link: ')).join('\n').slice(0, 3000) } },
  ];
  if (url) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${url}|Open the incident in Vigil>` }] });
  return { text: head, blocks };
}

function create(c: Config): Receiver {
  return {
    name: c.name,
    type: 'slack',
    async send(n) {
      await post(c.url, JSON.stringify(slackBody(n, c.template)), {}, c.timeout);
    },
  };
}

export const slackReceiver: ReceiverType<typeof schema> = {
  type: 'slack',
  description: 'Slack-compatible incoming webhook (text + blocks; Mattermost and Rocket.Chat accept it too)',
  schema,
  create,
};
