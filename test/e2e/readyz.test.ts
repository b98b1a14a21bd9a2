import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent.js';
import { Coordinator } from '../helpers/coordinator.js';
import { dumpLogsOnFailure, teardown } from '../helpers/fleet.js';
import { freePort } from '../helpers/free-port.js';
import { getRaw } from '../helpers/http.js';
import { waitFor } from '../helpers/poll.js';

/**
 * /healthz says the process runs; /readyz says it does its job. With NATS unreachable, the
 * first host's event waits in the outbox and, past --ready-publish-grace, /readyz is 503.
 */
describe('readiness', () => {
  dumpLogsOnFailure();
  afterAll(() => teardown());

  it('readyz - 200 with nothing to publish, 503 with the reason once an event waits beyond the grace', async () => {
    const deadNats = `nats://127.0.0.1:${await freePort()}`;
    const coordinator = await Coordinator.start({ nats: deadNats, extraArgs: ['--ready-publish-grace', '1s'] });
    const ready = await getRaw(`${coordinator.baseUrl}/readyz`);
    expect(ready.status, ready.body).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true });

    startAgent({ coordinator: coordinator.grpcTarget, hostId: 'ready-1' });
    const notReady = await waitFor(
      async () => {
        const r = await getRaw(`${coordinator.baseUrl}/readyz`);
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 15_000, what: '/readyz to answer 503' },
    );
    expect(JSON.parse(notReady.body)).toEqual({ ready: false, reasons: [expect.stringMatching(/^events not published for \d+s/)] });
    expect((await getRaw(`${coordinator.baseUrl}/healthz`)).status).toBe(200);
    // The publisher logs the outage once at error on its next look at the outbox.
    await waitFor(() => /"level":50[^\n]*events have not been published/.test(coordinator.child.stderr.text()), { timeoutMs: 5000, what: 'the error line' });
    expect(coordinator.child.stderr.text()).toMatch(/"level":40[^\n]*NATS not reachable/);
  });
});
