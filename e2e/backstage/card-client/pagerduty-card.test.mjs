// @backstage/plugin-pagerduty 0.6.8's own PagerDutyClient, imported from the npm package, run
// with Backstage's discovery and fetch stand-ins through a real Backstage proxy route: every
// call the card makes, and every field its components read. Run by tests/e2e
// (test_pagerduty_card.py) with `node --import ./card-client/register.mjs --test`, once per
// target (our /pagerduty-api, the bare sandbox, our read-only server); the environment says
// where and what to expect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JSDOM } from 'jsdom';

const env = name => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set`);
  return value;
};
const BACKSTAGE = env('CARD_BACKSTAGE_URL');
const TOKEN = env('CARD_BACKSTAGE_TOKEN');
const PROXY_BASE = env('CARD_PROXY_BASE'); // what discovery says for 'proxy'
const EVENTS_BASE = env('CARD_EVENTS_BASE'); // app-config pagerDuty.eventsBaseUrl
const KEY = env('CARD_INTEGRATION_KEY');
const SERVICE_ID = env('CARD_SERVICE_ID');
const SERVICE_NAME = env('CARD_SERVICE_NAME');
const ON_CALL = JSON.parse(env('CARD_ON_CALL')); // {name, email}
const CHANGE = JSON.parse(env('CARD_CHANGE_EVENT')); // {summary, link: {href, text}}
const READ_ONLY = process.env.CARD_READ_ONLY === '1';

// Globals the card's dependencies read while being imported (MUI, React DOM, emotion).
const dom = new JSDOM('<!doctype html><html><body></body></html>', {
  url: 'http://localhost/',
  pretendToBeVisual: true,
});
for (const key of ['window', 'document', 'navigator', 'HTMLElement', 'Element', 'Node',
  'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  if (!(key in globalThis)) globalThis[key] = key === 'window' ? dom.window : dom.window[key];
}
after(() => dom.window.close());
// React's scheduler keeps a MessageChannel port open when it finds one (Node has one), and an
// open port keeps the process alive after the tests; without it, it uses timers, as in jsdom.
const { MessageChannel } = globalThis;
delete globalThis.MessageChannel;

const calls = [];
const discoveryApi = {
  async getBaseUrl(pluginId) {
    return pluginId === 'proxy' ? PROXY_BASE : `${BACKSTAGE}/api/${pluginId}`;
  },
};
// Backstage's FetchApi adds the signed-in user's token for backend URLs; ours a static one.
const fetchApi = {
  async fetch(url, init = {}) {
    calls.push(`${init.method ?? 'GET'} ${url}`);
    return fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${TOKEN}` } });
  },
};
const configApi = {
  getOptionalString: key => (key === 'pagerDuty.eventsBaseUrl' ? EVENTS_BASE : undefined),
};

let client;
before(async () => {
  const { PagerDutyClient } = await import('@backstage/plugin-pagerduty');
  globalThis.MessageChannel = MessageChannel;
  client = PagerDutyClient.fromConfig(configApi, { discoveryApi, fetchApi });
});

const entity = annotations => ({ metadata: { name: 'checkout', annotations } });
const isUrl = value => typeof value === 'string' && /^https?:\/\//.test(value);

test('looks the service up by integration key and by id, as the card does', async () => {
  const byKey = await client.getServiceByEntity(entity({ 'pagerduty.com/integration-key': KEY }));
  const byId = await client.getServiceByEntity(entity({ 'pagerduty.com/service-id': SERVICE_ID }));
  for (const { service } of [byKey, byId]) {
    // PagerDutyCard reads id, name, html_url, escalation_policy.id and .html_url.
    assert.equal(service.id, SERVICE_ID);
    assert.equal(service.name, SERVICE_NAME);
    assert.ok(isUrl(service.html_url), service.html_url);
    assert.ok(service.escalation_policy.id);
    assert.ok(isUrl(service.escalation_policy.html_url));
  }
  assert.ok(calls.some(c => c.includes('/pagerduty/services?') && c.includes('query=')));
});

test('reads change events with the fields ChangeEventListItem reads', async () => {
  const { change_events: events } = await client.getChangeEventsByServiceId(SERVICE_ID);
  const change = events.find(e => e.summary === CHANGE.summary);
  assert.ok(change, JSON.stringify(events));
  assert.ok(change.id && change.timestamp && typeof change.source === 'string');
  assert.deepEqual(change.links[0], CHANGE.link);
  assert.ok(isUrl(change.html_url), `html_url ${change.html_url}`); // not null, not "null"
});

test('reads on-call users with the fields EscalationUser reads', async () => {
  const { service } = await client.getServiceByEntity(entity({ 'pagerduty.com/service-id': SERVICE_ID }));
  const { oncalls } = await client.getOnCallByPolicyId(service.escalation_policy.id);
  assert.ok(oncalls.length > 0);
  const users = oncalls.sort((a, b) => a.escalation_level - b.escalation_level).map(o => o.user);
  assert.equal(users[0].name, ON_CALL.name);
  assert.equal(users[0].email, ON_CALL.email); // not mailto:undefined
  assert.ok(isUrl(users[0].html_url));
});

if (READ_ONLY) {
  test('in read-only mode the trigger is refused, saying why', async () => {
    await assert.rejects(
      client.triggerAlarm({ integrationKey: KEY, source: 'e2e', description: 'refused', userName: 'e2e' }),
      error => {
        assert.match(error.message, /Request failed with 403/);
        assert.match(error.message, /read-only/);
        return true;
      },
    );
  });
} else {
  test('triggers an incident, then reads it with the fields IncidentListItem reads', async () => {
    const title = `Card trigger ${Date.now()}`;
    const response = await client.triggerAlarm({
      integrationKey: KEY, source: `${BACKSTAGE}/catalog/default/component/checkout`,
      description: title, userName: 'e2e',
    });
    assert.equal(response.status, 202);
    assert.ok(calls.some(c => c.startsWith('POST ') && c.endsWith('/enqueue')));
    let incident;
    for (let i = 0; i < 50 && !incident; i += 1) {
      const { incidents } = await client.getIncidentsByServiceId(SERVICE_ID);
      incident = incidents.find(candidate => candidate.title === title);
      if (!incident) await new Promise(done => setTimeout(done, 100));
    }
    assert.ok(incident, 'the triggered incident is listed');
    assert.ok(incident.id && isUrl(incident.html_url) && incident.created_at);
    assert.ok(['triggered', 'acknowledged'].includes(incident.status));
    const assignee = incident.assignments[0]?.assignee;
    assert.ok(assignee, 'assigned (PagerDuty assigns the first escalation level)');
    assert.equal(assignee.summary, ON_CALL.name);
    assert.ok(isUrl(assignee.html_url));
  });
}
