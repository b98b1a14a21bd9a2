import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@vigil/shared';
import type { IncidentManager } from '../incidents/incident-manager.js';
import { openApiFixture, type ApiFixture } from '../test-support/api-fixture.js';
import { hashToken } from './auth.js';
import { incidentDetail, incidentList, silenceList } from './schemas.js';

const OPERATOR = 'operator-token-0123456789';
const BOB = 'bob-operator-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
let fx: ApiFixture;
let app: FastifyInstance;
let incidents: IncidentManager;
const clock = new FakeClock(Date.parse('2026-11-26T08:00:00Z'));
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  fx = openApiFixture({ name: 'vigil-inc-api', clock, registry: { restartGraceMs: 1000, detectionWindowMs: () => 1000 } });
  incidents = fx.incidents;
  app = await fx.build({
    tokens: [
      { name: 'alice', role: 'operator', sha256: hashToken(OPERATOR) },
      { name: 'bob', role: 'operator', sha256: hashToken(BOB) },
      { name: 'victor', role: 'viewer', sha256: hashToken(VIEWER) },
    ],
  });
});

afterAll(async () => {
  await fx.close();
});

describe('api auth - bearer tokens with roles', () => {
  it('lets /healthz through without a token and refuses everything else', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const res = await app.inject({ url: '/v1/incidents' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
    const wrong = await app.inject({ url: '/v1/incidents', headers: auth('not-a-real-token-000000') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toMatch(/not valid/);
  });
  it('lets a viewer read but not act', async () => {
    const { incident } = incidents.raise({ hostId: 'h1', class: 'network_issue', confidence: 0.9, summary: 'h1 unreachable' });
    expect((await app.inject({ url: '/v1/incidents', headers: auth(VIEWER) })).statusCode).toBe(200);
    const ack = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(VIEWER), payload: {} });
    expect(ack.statusCode).toBe(403);
    expect(ack.json().error.code).toBe('PERMISSION_DENIED');
  });
});

describe('api incidents - list, show, ack, resolve', () => {
  it('filters by state, host, class and level, and shows the timeline', async () => {
    const { incident } = incidents.raise({ hostId: 'web-2', service: 'api', class: 'service_failure', confidence: 0.95, summary: 'api down' });
    const list = incidentList.parse((await app.inject({ url: '/v1/incidents?class=service_failure&state=open&level=1', headers: auth(VIEWER) })).json());
    expect(list.incidents.map((i) => i.id)).toEqual([incident.id]);
    expect(incidentList.parse((await app.inject({ url: '/v1/incidents?host=WEB-2', headers: auth(VIEWER) })).json()).incidents).toHaveLength(1);
    const detail = incidentDetail.parse((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json());
    expect(detail.incident.timeline.map((t) => t.kind)).toEqual(['opened', 'notification']);
    expect(detail.incident.service).toBe('api');
  });

  it('acks once, refuses a second ack with 409, and resolves with a comment', async () => {
    const { incident } = incidents.raise({ hostId: 'db-1', class: 'server_hardware_issue', confidence: 0.85, summary: 'ssh fails' });
    const ack = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(OPERATOR), payload: { comment: 'looking' } });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().incident).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice', nextEscalationAt: null });
    const again = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(OPERATOR), payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');
    const noComment = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/resolve`, headers: auth(OPERATOR), payload: {} });
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json().error.message).toMatch(/body\.comment/);
    const res = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/resolve`, headers: auth(OPERATOR), payload: { comment: 'PSU replaced' } });
    expect(res.json().incident).toMatchObject({ state: 'resolved', resolvedBy: 'alice', resolution: 'PSU replaced' });
  });

  it('reopens a resolved incident, and refuses with 409 what its state does not allow', async () => {
    const { incident } = incidents.raise({ hostId: 'db-9', class: 'network_issue', confidence: 0.9, summary: 'unreachable' });
    const early = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/reopen`, headers: auth(OPERATOR), payload: { comment: 'x' } });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is open: only a resolved incident can be reopened/) });
    await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/resolve`, headers: auth(OPERATOR), payload: { comment: 'looked fine' } });
    const ackResolved = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(OPERATOR), payload: {} });
    expect(ackResolved.statusCode).toBe(409);
    const r = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/reopen`, headers: auth(OPERATOR), payload: { comment: 'it was not' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().incident).toMatchObject({ state: 'open', resolvedBy: null });
    const detail = incidentDetail.parse((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json());
    // The reopening, then its level announced again for the pagers.
    expect(detail.incident.timeline.slice(-2)).toMatchObject([
      { kind: 'human', summary: 'reopened by alice: it was not' },
      { kind: 'notification', summary: expect.stringMatching(/^published level 1 on vigil\.v1\.escalation\.l1\.network_issue\./) },
    ]);
  });

  it("records who acked and resolved from the token's name, never from the body", async () => {
    const { incident } = incidents.raise({ hostId: 'db-7', class: 'network_issue', confidence: 0.9, summary: 'unreachable' });
    const forged = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(BOB), payload: { by: 'alice' } });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.message).toMatch(/by/);
    const ack = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/ack`, headers: auth(BOB), payload: { comment: 'mine' } });
    expect(ack.json().incident.acknowledgedBy).toBe('bob');
    const res = await app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/resolve`, headers: auth(OPERATOR), payload: { comment: 'cable' } });
    expect(res.json().incident).toMatchObject({ acknowledgedBy: 'bob', resolvedBy: 'alice' });
    const detail = incidentDetail.parse((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json());
    expect(detail.incident.timeline.filter((t) => t.kind === 'human').map((t) => t.summary)).toEqual(['acknowledged by bob: mine', 'resolved by alice: cable']);
  });

  it('?host= also finds the incidents that explain or explained that host: its zone and the observer partition', async () => {
    const obs = incidents.raise({ hostId: 'coordinator:c', class: 'observer_partition', confidence: 0.9, summary: 'cut off' }).incident;
    const zone = incidents.raise({ hostId: 'zone:rack-9', class: 'network_issue', confidence: 0.9, summary: 'rack-9 down' }).incident;
    const a = incidents.raise({ hostId: 'rack9-a', class: 'network_issue', confidence: 0.9, summary: 'a down', parentId: zone.id }).incident;
    const b = incidents.raise({ hostId: 'rack9-b', class: 'network_issue', confidence: 0.9, summary: 'b down' }).incident;
    incidents.setParent(zone.id, obs.id, 'explained by the partition');
    const ids = async (q: string) => incidentList.parse((await app.inject({ url: `/v1/incidents?${q}`, headers: auth(VIEWER) })).json()).incidents.map((i) => i.id).sort();
    expect(await ids('host=rack9-a')).toEqual([a.id, obs.id, zone.id].sort());
    expect(await ids('host=rack9-b')).toEqual([b.id]);
    expect(await ids('host=rack9-a&class=observer_partition')).toEqual([obs.id]);
    // Resolving the zone releases the host, which still finds the zone it was grouped under.
    incidents.resolve(zone.id, 'alice', 'switch replaced');
    expect(incidents.get(a.id)!.parentId).toBeNull();
    expect(await ids('host=rack9-a')).toEqual([a.id, obs.id, zone.id].sort());
    expect(await ids('host=rack9-a&state=open')).toEqual([a.id, obs.id].sort());
  });

  it('shows whether an incident flaps and since when its condition is clear', async () => {
    const { incident } = incidents.raise({ hostId: 'flappy', class: 'network_issue', confidence: 0.9, summary: 'down' });
    incidents.conditionClear(incident.id, 'back');
    incidents.conditionPresent(incident.id, 'down');
    const before = incidentDetail.parse((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json()).incident;
    expect(before).toMatchObject({ flapping: false, clearSince: null, subject: { kind: 'host', hostId: 'flappy' } });
    incidents.conditionClear(incident.id, 'back');
    const after = incidentDetail.parse((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json()).incident;
    expect(after).toMatchObject({ flapping: true, clearSince: new Date(clock.now()).toISOString() });
    expect(after.timeline.map((t) => t.kind)).toContain('flapping');
  });

  it('answers bad input with the field and value', async () => {
    const bad = await app.inject({ url: '/v1/incidents?level=7&class=alien', headers: auth(VIEWER) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/query\.level/);
    expect(bad.json().error.message).toMatch(/query\.class.*"alien"/);
    const unknown = await app.inject({ url: '/v1/incidents/inc-nope', headers: auth(VIEWER) });
    expect(unknown.statusCode).toBe(404);
    for (const action of ['ack', 'resolve', 'reopen']) {
      const r = await app.inject({ method: 'POST', url: `/v1/incidents/inc-nope/${action}`, headers: auth(OPERATOR), payload: { comment: 'x' } });
      expect(r.statusCode, action).toBe(404);
      expect(r.json().error.message).toBe('no incident "inc-nope"');
    }
    const notJson = await app.inject({ method: 'POST', url: '/v1/silences', headers: { ...auth(OPERATOR), 'content-type': 'application/json' }, payload: '{oops' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('BAD_REQUEST');
  });
});

describe('api silences - create, list, delete', () => {
  it('needs a comment and a matcher, and an end in the future', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth(OPERATOR), payload: { duration: '1h', comment: 'x' } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toMatch(/host, service, class/);
    const noComment = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth(OPERATOR), payload: { host: 'h1', duration: '1h', comment: ' ' } });
    expect(noComment.json().error.message).toMatch(/body\.comment/);
    const past = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth(OPERATOR), payload: { host: 'h1', endsAt: '2020-01-01T00:00:00Z', comment: 'late' } });
    expect(past.statusCode).toBe(400);
    const badDur = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth(OPERATOR), payload: { host: 'h1', duration: 'forever', comment: 'x' } });
    expect(badDur.json().error.message).toMatch(/body\.duration.*"forever"/);
  });

  it('creates, lists and deletes a silence that quiets matching incidents', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth(OPERATOR), payload: { host: 'Maint-1', duration: '2h', comment: 'kernel upgrade' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().silence.id as string;
    expect(created.json().silence).toMatchObject({ host: 'maint-1', createdBy: 'alice' });
    const { incident } = incidents.raise({ hostId: 'maint-1', class: 'network_issue', confidence: 0.9, summary: 'rebooting' });
    expect((await app.inject({ url: `/v1/incidents/${incident.id}`, headers: auth(VIEWER) })).json().incident.silenced).toBe(true);
    expect(silenceList.parse((await app.inject({ url: '/v1/silences', headers: auth(VIEWER) })).json()).silences.map((s) => s.id)).toContain(id);
    expect((await app.inject({ method: 'DELETE', url: `/v1/silences/${id}`, headers: auth(OPERATOR) })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/v1/silences/${id}`, headers: auth(OPERATOR) })).statusCode).toBe(404);
  });
});

describe('api diagnose - unknown host', () => {
  it('answers 404 for a host never seen', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/hosts/ghost/diagnose', headers: auth(OPERATOR) });
    expect(res.statusCode).toBe(404);
  });
});
