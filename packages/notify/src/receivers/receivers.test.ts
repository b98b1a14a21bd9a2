import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { Alertmanager, alertmanagerBinary } from '../../../../test/helpers/alertmanager.js';
import { RecordingReceiver, startEventsV2Receiver } from '../../../../test/helpers/notify-receivers.js';
import { waitFor } from '../../../../test/helpers/poll.js';
import { parseNotifyConfig } from '../config.js';
import type { NotifyKind } from '../event.js';
import { notifyEvent } from '../test-support/events.js';
import { createReceiver, DeliveryError, type Notification, type Receiver } from './index.js';
import { sign } from './webhook.js';

function receiver(yaml: string): Receiver {
  const c = parseNotifyConfig(`receivers:\n  - ${yaml}\nroute: { receiver: r }\n`);
  return createReceiver(c.receivers[0]!);
}

function note(kind: NotifyKind, level = 2, pagedLevels: number[] = [], over = {}, labels: Record<string, string> = { zone: 'eu-1', role: 'web' }): Notification {
  const e = notifyEvent(kind, { level, ...over }, labels);
  return { kind, deliveryId: `${e.incident.incidentId}/${kind === 'trigger' ? `L${level}` : kind}/r`, event: e, pagedLevels, routePath: 'route 1' };
}

describe('receiver - PagerDuty Events API v2', () => {
  let pd: Awaited<ReturnType<typeof startEventsV2Receiver>>;
  beforeAll(async () => {
    pd = await startEventsV2Receiver();
  });
  afterAll(() => pd.close());

  it('trigger, acknowledge and resolve follow the documented contract; dedup_key is the incident id; severity from the level', async () => {
    const r = receiver(`{ name: r, type: pagerduty, url: "${pd.url('/v2/enqueue')}", routingKey: R0123456789abcdef0123456789abcd }`);
    await r.send(note('trigger', 2));
    await r.send(note('trigger', 3));
    await r.send(note('acknowledge', 3, [2, 3]));
    await r.send(note('resolve', 3, [2, 3]));
    expect(pd.requests.map((q) => q.status)).toEqual([202, 202, 202, 202]);
    const bodies = pd.requests.map((q) => q.json as Record<string, any>);
    expect(bodies.map((b) => [b.event_action, b.dedup_key, b.payload?.severity])).toEqual([
      ['trigger', 'inc-1', 'error'],
      ['trigger', 'inc-1', 'critical'],
      ['acknowledge', 'inc-1', undefined],
      ['resolve', 'inc-1', undefined],
    ]);
    expect(bodies[1]).toMatchObject({
      routing_key: 'R0123456789abcdef0123456789abcd',
      payload: { summary: '[L3] web-1/nginx: service_failure: nginx.service failed', source: 'web-1/nginx', component: 'nginx', group: 'eu-1', class: 'service_failure', custom_details: { root_cause: 'configuration_error', fix: 'Fix /etc/nginx/nginx.conf and run nginx -t' } },
      links: [{ href: 'http://127.0.0.1:7401/v1/incidents/inc-1' }],
    });
  });

  it('a 400 is a refusal not worth retrying; a 500 is worth a retry', async () => {
    const r = receiver(`{ name: r, type: pagerduty, url: "${pd.url("/v2/enqueue")}", routingKey: x }`);
    pd.respond = () => ({ status: 400, body: '{"status":"invalid event"}' });
    await expect(r.send(note('trigger'))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 400') });
    pd.respond = () => ({ status: 500 });
    await expect(r.send(note('trigger'))).rejects.toMatchObject({ retryable: true });
  });
});

describe('receiver - Slack-compatible webhook', () => {
  it('posts text and blocks with the host, class, level, root cause, fix and link', async () => {
    const slack = await RecordingReceiver.start();
    try {
      await receiver(`{ name: r, type: slack, url: "${slack.url('/services/T/B/secret')}" }`).send(note('trigger', 3));
      const body = slack.requests[0]!.json as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
      expect(body.text).toBe(':rotating_light: [L3] web-1/nginx: service_failure: nginx.service failed');
      expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
      const section = body.blocks[1]!.text!.text;
      expect(section).toContain('Level: level 3 (emergency: manual intervention)');
      expect(section).toContain('Root cause: configuration_error — nginx: unknown directive "server_nam"');
      expect(section).toContain('Fix: Fix /etc/nginx/nginx.conf and run nginx -t');
      expect(section).toContain('Labels: zone=eu-1, role=web');
      expect(body.blocks[2]!.elements![0]!.text).toBe('<http://127.0.0.1:7401/v1/incidents/inc-1|Open the incident in Vigil>');
    } finally {
      await slack.close();
    }
  });
});

describe('receiver - templates', () => {
  it('a template replaces the title and the body; placeholders are filled from the incident', async () => {
    const slack = await RecordingReceiver.start();
    try {
      await receiver(`{ name: r, type: slack, url: "${slack.url('/s')}", template: { title: "{{what}} is down (L{{level}})", body: "{{classWords}}\\nfix: {{fix}}\\n{{url}}" } }`).send(note('trigger', 3));
      const body = slack.requests[0]!.json as { text: string; blocks: { text?: { text: string } }[] };
      expect(body.text).toBe(':rotating_light: web-1/nginx is down (L3)');
      expect(body.blocks[1]!.text!.text).toBe('Service-level failure; try restarting the service.\nfix: Fix /etc/nginx/nginx.conf and run nginx -t\nhttp://127.0.0.1:7401/v1/incidents/inc-1');
    } finally {
      await slack.close();
    }
  });
});

describe('receiver - generic webhook', () => {
  it('posts the CloudEvent as published, signed with HMAC-SHA256, with a delivery id', async () => {
    const hook = await RecordingReceiver.start();
    try {
      const n = note('resolve', 3, [3]);
      await receiver(`{ name: r, type: webhook, url: "${hook.url('/in')}", secret: "0123456789abcdef-secret", headers: { authorization: "Bearer t" } }`).send(n);
      const q = hook.requests[0]!;
      expect(q.json).toEqual(n.event.cloudEvent);
      expect(q.headers['content-type']).toBe('application/cloudevents+json');
      expect(q.headers['x-vigil-signature']).toBe(sign('0123456789abcdef-secret', q.body));
      expect(q.headers['x-vigil-signature']).not.toBe(sign('another-secret-of-16', q.body));
      expect(q.headers['x-vigil-delivery']).toBe('inc-1/resolve/r');
      expect(q.headers['x-vigil-notify-kind']).toBe('resolve');
      expect(q.headers['authorization']).toBe('Bearer t');
    } finally {
      await hook.close();
    }
  });

  it('a receiver that never answers fails after the timeout, as retryable', async () => {
    const hook = await RecordingReceiver.start();
    hook.hang = true;
    try {
      const started = performance.now();
      const err = await receiver(`{ name: r, type: webhook, url: "${hook.url('/in')}", timeout: 300ms }`).send(note('trigger')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('no answer within 300 ms') });
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await hook.close();
    }
  });
});

describe('receiver - email over SMTP', () => {
  it('sends a mail with the page to every address, via a real SMTP server on loopback', async () => {
    const mails: { from: string; to: string[]; data: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, done) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as { port: number }).port;
    const r = receiver(`{ name: r, type: email, host: 127.0.0.1, port: ${port}, from: vigil@example.test, to: [oncall@example.test, lead@example.test] }`);
    try {
      await r.send(note('trigger', 3));
      await r.send(note('resolve', 3, [3]));
      await waitFor(() => mails.length === 2, { timeoutMs: 5000 });
      expect(mails[0]).toMatchObject({ from: 'vigil@example.test', to: ['oncall@example.test', 'lead@example.test'] });
      const unfolded = mails[0]!.data.replace(/\r\n[ \t]+/g, ' ');
      expect(unfolded).toContain('Subject: [Vigil] [L3] web-1/nginx: service_failure: nginx.service failed');
      expect(unfolded).toContain('X-Vigil-Delivery: inc-1/L3/r');
      expect(mails[0]!.data).toContain('Fix: Fix /etc/nginx/nginx.conf and run nginx -t');
      expect(mails[1]!.data.replace(/\r\n[ \t]+/g, ' ')).toContain('Subject: [Vigil] RESOLVED: [L3]');
    } finally {
      await r.close?.();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('an SMTP server that is not there is a retryable failure', async () => {
    const r = receiver('{ name: r, type: email, host: 127.0.0.1, port: 1, from: v@x.test, to: o@x.test, timeout: 2s }');
    await expect(r.send(note('trigger'))).rejects.toMatchObject({ retryable: true });
    await r.close?.();
  });
});

const amBin = alertmanagerBinary();

// Skipped only where the binary is not installed; scripts/setup.sh installs it.
describe.skipIf(!amBin)(
  amBin ? 'receiver - Alertmanager API v2 (real prometheus-alertmanager)' : 'receiver - Alertmanager API v2: SKIPPED, prometheus-alertmanager not installed (apt-get install -y prometheus-alertmanager, or set ALERTMANAGER_BIN)',
  () => {
  let am: Alertmanager;
  beforeAll(async () => {
    am = await Alertmanager.start();
  }, 30_000);
  afterAll(() => am?.stop());

  it('one alert per level with the documented labels and annotations; resolve ends every paged level', async () => {
    const r = receiver(`{ name: r, type: alertmanager, url: "${am.url}", labels: { team: web } }`);
    await r.send(note('trigger', 2));
    await r.send(note('trigger', 3));
    await r.send(note('trigger', 2)); // the same label set: the same alert, not a second one
    const firing = await waitFor(async () => {
      const a = (await am.alerts()).filter((x) => x.labels['incident'] === 'inc-1');
      return a.length === 2 ? a : undefined;
    }, { timeoutMs: 10_000 });
    const l3 = firing.find((a) => a.labels['level'] === '3')!;
    expect(l3.labels).toEqual({ alertname: 'VigilIncident', incident: 'inc-1', host: 'web-1', service: 'nginx', class: 'service_failure', level: '3', zone: 'eu-1', team: 'web' });
    expect(l3.annotations).toMatchObject({ summary: '[L3] web-1/nginx: service_failure: nginx.service failed', root_cause: 'configuration_error: nginx: unknown directive "server_nam"', fix: 'Fix /etc/nginx/nginx.conf and run nginx -t', incident_url: 'http://127.0.0.1:7401/v1/incidents/inc-1' });
    expect(l3.status.state).toBe('active');
    expect(Date.parse(l3.endsAt)).toBeGreaterThan(Date.now() + 3_600_000);

    await r.send(note('resolve', 3, [2, 3]));
    await waitFor(async () => (await am.alerts()).filter((x) => x.labels['incident'] === 'inc-1' && Date.parse(x.endsAt) > Date.now()).length === 0, {
      timeoutMs: 10_000,
      what: 'both levels resolved in Alertmanager',
      observe: () => am.alerts(),
    });
  }, 30_000);
},
);
