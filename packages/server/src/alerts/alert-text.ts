import type { Alert } from './alert-rules.js';

/** The plain text of an alert (e-mail body, the webhook's `text` fallback). */
export function alertText(a: Alert, held: number): string {
  const more = held > 0 ? [`(${held} more like it held back since the last alert)`] : [];
  return [a.title, ...a.facts, ...more, `at ${new Date(a.at).toISOString()}`].join('\n');
}

/**
 * A Slack-compatible incoming-webhook body: `text` (notifications, clients without blocks) and
 * `blocks` (a header and a section in mrkdwn). Mattermost, Rocket.Chat, Teams' Slack-compatible
 * connectors and Discord's `/slack` endpoint take the same shape.
 */
export function webhookPayload(a: Alert, held: number): { text: string; blocks: unknown[] } {
  const text = alertText(a, held);
  const body = text.split('\n').slice(1).join('\n');
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: a.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 3000) } },
    ],
  };
}
