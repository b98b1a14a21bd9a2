import { describe, expect, it } from 'vitest';
import { parseNotifyConfig } from './config.js';
import { describeRoutes, routeEvent } from './routes.js';
import { notifyEvent } from './test-support/events.js';

const RECEIVERS = `
receivers:
  - { name: default, type: webhook, url: "http://127.0.0.1:1/d" }
  - { name: pager, type: pagerduty, routingKey: k }
  - { name: net, type: slack, url: "http://127.0.0.1:1/s" }
  - { name: eu, type: slack, url: "http://127.0.0.1:1/e" }
  - { name: db, type: webhook, url: "http://127.0.0.1:1/b" }
`;

function tree(route: string) {
  return parseNotifyConfig(`${RECEIVERS}route:\n${route}`).route;
}

const names = (hits: { receiver: string }[]) => hits.map((h) => h.receiver);

describe('routes - evaluated in order like Alertmanager', () => {
  const root = tree(`
  receiver: default
  routes:
    - match: { level: 3 }
      receiver: pager
      continue: true
    - match: { class: network_issue }
      receiver: net
    - match: { zone: [eu-1, eu-2] }
      receiver: eu
      routes:
        - match: { role: db }
          receiver: db
`);

  it('falls through to the default route when no route matches', () => {
    expect(routeEvent(root, notifyEvent('trigger', { level: 2 }))).toEqual([{ receiver: 'default', path: 'default route' }]);
  });

  it('the first match wins and stops the walk', () => {
    const e = notifyEvent('trigger', { level: 2, class: 'network_issue' }, { zone: 'eu-1' });
    expect(routeEvent(root, e)).toEqual([{ receiver: 'net', path: 'route 2' }]);
  });

  it('continue: true goes on to the next routes', () => {
    const e = notifyEvent('trigger', { level: 3, class: 'network_issue' });
    expect(routeEvent(root, e)).toEqual([
      { receiver: 'pager', path: 'route 1' },
      { receiver: 'net', path: 'route 2' },
    ]);
  });

  it('a matching route with no matching child delivers to its own receiver; a matching child wins', () => {
    expect(names(routeEvent(root, notifyEvent('trigger', { level: 2 }, { zone: 'eu-2', role: 'web' })))).toEqual(['eu']);
    expect(routeEvent(root, notifyEvent('trigger', { level: 2 }, { zone: 'eu-2', role: 'db' }))).toEqual([{ receiver: 'db', path: 'route 3.1' }]);
  });

  it('a zone incident matches by the zone it names, without host labels', () => {
    const e = notifyEvent('trigger', { hostId: 'zone:eu-1', service: null, subject: { kind: 'zone', zone: 'eu-1' }, class: 'server_hardware_issue' });
    expect(names(routeEvent(root, e))).toEqual(['eu']);
  });

  it('matches host, service, subject kind and any label; a child without a receiver inherits', () => {
    const r = tree(`
  receiver: default
  routes:
    - match: { host: web-1, service: nginx, subject: service, labels: { team: web } }
      routes:
        - match: { level: [2, 3] }
`);
    expect(names(routeEvent(r, notifyEvent('trigger', { level: 2 }, { team: 'web' })))).toEqual(['default']);
    expect(routeEvent(r, notifyEvent('trigger', { level: 2 }, { team: 'web' }))[0]!.path).toBe('route 1.1');
    expect(routeEvent(r, notifyEvent('trigger', { level: 2 }, { team: 'ops' }))[0]!.path).toBe('default route');
  });

  it('names a receiver once when several routes pick it', () => {
    const r = tree(`
  receiver: default
  routes:
    - { match: { level: 3 }, receiver: pager, continue: true }
    - { match: { class: service_failure }, receiver: pager, continue: true }
    - { receiver: net }
`);
    expect(names(routeEvent(r, notifyEvent('trigger', { level: 3 })))).toEqual(['pager', 'net']);
  });

  it('prints the effective tree', () => {
    expect(describeRoutes(root)).toEqual([
      'default route → default',
      '  route 1: level=3 → pager, continue',
      '  route 2: class=network_issue → net',
      '  route 3: zone in (eu-1, eu-2) → eu',
      '    route 3.1: role=db → db',
    ]);
  });
});

describe('config - errors name the line, the field and the value', () => {
  const bad = (text: string) => {
    try {
      parseNotifyConfig(text, 'notify.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('an unknown receiver in a route', () => {
    expect(bad(`${RECEIVERS}route:\n  receiver: default\n  routes:\n    - match: { level: 3 }\n      receiver: pagr\n`)).toContain(
      'notify.yaml: line 12: route.routes[0].receiver: no receiver is named "pagr" (known: default, pager, net, eu, db)',
    );
  });

  it('an unknown receiver type, a duration without unit, an unknown match field, a level out of range', () => {
    const msg = bad(`receivers:
  - name: pd
    type: pagerdooty
  - name: hook
    type: webhook
    url: http://127.0.0.1:1/x
    timeout: 5
route:
  receiver: hook
  routes:
    - match: { level: 4 }
    - match: { colour: red }
`);
    expect(msg).toContain('notify.yaml: line 3: receivers[0].type: unknown receiver type "pagerdooty" (known: alertmanager, pagerduty, slack, webhook, email)');
    expect(msg).toContain('notify.yaml: line 7: receivers[1].timeout: 5 has no unit');
    expect(msg).toContain('notify.yaml: line 11: route.routes[0].match.level: level "4" is not 1, 2 or 3');
    expect(msg).toMatch(/notify\.yaml: line 12: route\.routes\[1\]\.match: Unrecognized key: "colour"/);
  });

  it('a fallback that does not exist or is the receiver itself, a name used twice', () => {
    const msg = bad(`receivers:
  - { name: a, type: webhook, url: "http://127.0.0.1:1/a", fallback: b }
  - { name: a, type: webhook, url: "http://127.0.0.1:1/a" }
  - { name: c, type: webhook, url: "http://127.0.0.1:1/a", fallback: c }
route: { receiver: a }
`);
    expect(msg).toContain('line 3: receivers[1].name: receiver name "a" is used twice (also receivers[0])');
    expect(msg).toContain('line 2: receivers[0].fallback: no receiver is named "b"');
    expect(msg).toContain('line 4: receivers[2].fallback: a receiver cannot be its own fallback ("c")');
  });

  it('rate limits and grouping are refused on receivers that group by incident themselves', () => {
    expect(bad('receivers:\n  - { name: pd, type: pagerduty, routingKey: k, rateLimit: { pages: 5, per: 1m } }\nroute: { receiver: pd }\n')).toContain(
      'line 2: receivers[0].rateLimit: not for pagerduty receivers, which group by incident themselves (use it on slack, webhook or email receivers)',
    );
  });

  it('a template with an unknown placeholder is an error naming its line, not a missing page', () => {
    const msg = bad('receivers:\n  - name: chat\n    type: slack\n    url: "http://127.0.0.1:1/s"\n    template:\n      title: "{{host}} is down"\n      body: "fix: {{fixx}}"\nroute: { receiver: chat }\n');
    expect(msg).toContain('line 7: receivers[0].template.body: unknown placeholder {{fixx}} (known: kind, what, host, service, class, classWords, level, summary, rootCause, diagnosis, fix, reason, incident, url, zone, labels)');
    expect(msg).not.toContain('template.title');
    expect(bad('receivers:\n  - { name: chat, type: slack, url: "http://127.0.0.1:1/s", template: { title: "{{host" } }\nroute: { receiver: chat }\n')).toContain('receivers[0].template.title: a "{{" without a matching "}}"');
  });

  it('a YAML syntax error names its line', () => {
    expect(bad('receivers:\n  - name: a\n   type: webhook\n')).toMatch(/^invalid configuration:\n {2}notify\.yaml: line 3: /);
  });

  it('the top route must name the default receiver', () => {
    expect(bad(`${RECEIVERS}route:\n  routes: []\n`)).toContain('route.receiver: the top route must name the default receiver');
  });
});
