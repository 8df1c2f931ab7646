// Smoke test of both modules of xk6-barrier, with checks everywhere; every check must pass.
//
// - k6/x/barrier, in-process (no Redis): a few VUs join a barrier that a controller VU waits for; a
//   barrier failed with a reason rejects the wait at once (outcome 'failed'); a barrier nobody joins
//   times out; status() and reset(). The rendezvous: a few VUs arrive() together at every iteration;
//   a phase nobody completes is released on timeout, or rejects.
// - k6/x/eventsource, with no server: a stream whose connection is refused ends in one error event
//   (no open, readyState CLOSED), and so does sse.open().
// - k6/x/eventsource against the demo server, only when BASE_URL is set: an EventSource on a waiting
//   stream (WAITING, then the event is opened and IN_PROGRESS arrives), a refused stream (401 with its
//   body), and the blocking sse.open() API of xk6-sse.
//
// Run alone (no server, no environment: what `xk6 lint`'s smoke check runs):
//   k6 run examples/smoke.test.js
// With the demo server too (the in-process barrier needs one k6 process):
//   examples/demo.sh smoke                  # starts the server, runs this with BASE_URL, stops the server
//   go run ./examples/waitingroom &  k6 run -e BASE_URL=http://127.0.0.1:8080 examples/smoke.test.js
//
// Environment: BASE_URL (the demo server; unset: its streams are not tried), SMOKE_VUS (joiners,
// default 3), PASSWORD (default 'password').
import http from 'k6/http';
import { check, fail } from 'k6';
import exec from 'k6/execution';
import { Barrier, BarrierError } from 'k6/x/barrier';
import sse, { EventSource } from 'k6/x/eventsource';

const BASE_URL = (__ENV.BASE_URL || '').replace(/\/+$/, '');
// A loopback port where nothing listens (port 1: tcpmux, never served here): connections are refused.
const REFUSING_URL = 'http://127.0.0.1:1/stream';
const JOINERS = Number(__ENV.SMOKE_VUS || 3);
const PASSWORD = __ENV.PASSWORD || 'password';
const RENDEZVOUS_VUS = 3;

export const options = {
  scenarios: {
    joiners: { executor: 'per-vu-iterations', exec: 'joiner', vus: JOINERS, iterations: 1, maxDuration: '1m' },
    controller: { executor: 'per-vu-iterations', exec: 'controller', vus: 1, iterations: 1, maxDuration: '1m' },
    offline: { executor: 'per-vu-iterations', exec: 'offline', vus: 1, iterations: 1, maxDuration: '1m' },
    // the demo server's streams, only when BASE_URL names it
    ...(BASE_URL ? { streams: { executor: 'per-vu-iterations', exec: 'streams', vus: 1, iterations: 1, maxDuration: '1m' } } : {}),
    rendezvous: { executor: 'per-vu-iterations', exec: 'rendezvous', vus: RENDEZVOUS_VUS, iterations: 3, maxDuration: '1m' },
  },
  thresholds: {
    checks: ['rate==1'],
  },
};

// In-process barriers: no redis option, so no runId is needed.
const room = new Barrier({ name: 'smoke', parties: JOINERS });
const failing = new Barrier({ name: 'smoke_failing', parties: 2 });
const lonely = new Barrier({ name: 'smoke_timeout', parties: 1, ttl: '1h' });
// The rendezvous (arrive): the scenario's VUs meet at every iteration; `alone` and `stood_up` are
// never complete (one released on timeout, one rejected on timeout: a rendezvous's rule is fixed by its
// first arrival, so each policy needs a barrier of its own).
const meeting = new Barrier({ name: 'smoke_meeting', parties: RENDEZVOUS_VUS });
const alone = new Barrier({ name: 'smoke_alone', parties: 2 });
const stoodUp = new Barrier({ name: 'smoke_stood_up', parties: 2 });

/** @returns {{ eventId: string }} a fresh event id, so that reruns against one Redis do not meet */
export function setup() {
  return { eventId: `smoke-${Date.now()}` };
}

/** Joins the barrier twice (the second call does not count); participant 1 also fails `failing`. */
export async function joiner() {
  const id = exec.scenario.iterationInTest + 1;
  const first = await room.join(id);
  check(first, { 'join: counted': (r) => r.counted === true });
  const again = await room.join(id);
  check(again, { 'join again: not counted, previous joined': (r) => r.counted === false && r.previous === 'joined' });

  if (id === 1) {
    const f = await failing.fail('login', 1);
    check(f, { 'fail: counted': (r) => r.counted === true });
    const f2 = await failing.join(1);
    check(f2, { 'join after fail: not counted, previous failed:login': (r) => !r.counted && r.previous === 'failed:login' });
  }
}

/** Waits for the barriers and checks every settled value and rejection. */
export async function controller() {
  const r = await room.wait({ timeout: '30s', progress: '1s' });
  check(r, {
    'wait: met': (x) => x.outcome === 'met',
    'wait: name': (x) => x.name === 'smoke',
    'wait: all joined': (x) => x.joined === JOINERS && x.failed === 0 && x.accounted === JOINERS,
    'wait: parties and quorum': (x) => x.parties === JOINERS && x.quorum === JOINERS,
    'wait: nobody missing': (x) => Array.isArray(x.missing) && x.missing.length === 0,
    'wait: waitedMs': (x) => typeof x.waitedMs === 'number' && x.waitedMs >= 0,
  });

  const q = await room.wait({ quorum: 1, progress: false });
  check(q, { 'wait with quorum 1: met at once': (x) => x.outcome === 'met' && x.quorum === 1 });

  const failed = await rejection(failing.wait({ timeout: '30s', progress: false, abortOnFail: false }));
  check(failed, {
    'failed wait: BarrierError': (e) => e instanceof BarrierError && e instanceof Error,
    'failed wait: outcome failed': (e) => e instanceof BarrierError && e.outcome === 'failed',
    'failed wait: failures by reason': (e) => e instanceof BarrierError && e.failed === 1 && e.failures?.login === 1,
    'failed wait: names the barrier': (e) => e instanceof BarrierError && e.name === 'smoke_failing' && e.message.includes('barrier smoke_failing'),
  });

  const timedOut = await rejection(lonely.wait({ timeout: '500ms', progress: false, abortOnFail: false }));
  check(timedOut, {
    'timeout wait: outcome timeout': (e) => e instanceof BarrierError && e.outcome === 'timeout',
    'timeout wait: missing [1]': (e) => e instanceof BarrierError && e.missing.length === 1 && e.missing[0] === 1,
    'timeout wait: one-line message': (e) => e instanceof BarrierError && e.message.includes('timeout') && !e.message.includes('\n'),
  });

  const s = await room.status();
  check(s, { 'status: met, all accounted': (x) => x.outcome === 'met' && x.accounted === JOINERS });

  await lonely.join(1);
  await lonely.reset();
  const after = await lonely.status();
  check(after, { 'reset: counts back to 0': (x) => x.outcome === 'pending' && x.joined === 0 && x.accounted === 0 });
}

/** The SSE client with no server: a refused connection is one error event, for both APIs. */
export async function offline() {
  /** @type {string[]} */
  const seen = [];
  const e = await new Promise((resolve) => {
    const es = new EventSource(REFUSING_URL, { timeout: '5s' });
    es.onopen = () => seen.push('open');
    es.onmessage = () => seen.push('message');
    es.onerror = (ev) => {
      seen.push('error');
      es.close();
      resolve(ev);
    };
  });
  check(e, {
    'refused connection: one error event, no open': () => seen.join() === 'error',
    'refused connection: error text': (x) => typeof x.error === 'string' && x.error !== '',
    'refused connection: no status': (x) => !x.status,
  });
  const res = sse.open(REFUSING_URL, { timeout: '5s' }, (client) => {
    client.on('open', () => check(null, { 'sse.open refused: no open': () => false }));
  });
  check(res, { 'sse.open refused: error, no status': (r) => !!r.error && !r.status });
}

/** The SSE client against the demo server: EventSource, a refused stream, and sse.open(). */
export async function streams(/** @type {{ eventId: string }} */ data) {
  const url = `${BASE_URL}/api/events/${encodeURIComponent(data.eventId)}/waiting`;

  // 1. EventSource: WAITING, then open the event, then IN_PROGRESS.
  const token1 = login(1);
  const seen = await new Promise((resolve) => {
    /** @type {string[]} */
    const types = [];
    const es = new EventSource(url, { headers: { Authorization: `Bearer ${token1}` }, timeout: '10s', idleTimeout: '30s' });
    check(es, {
      'EventSource: url': (x) => x.url === url,
      'EventSource: CONNECTING first': (x) => x.readyState === EventSource.CONNECTING && EventSource.CONNECTING === 0,
    });
    const removed = () => {
      check(null, { 'removeEventListener: removed listener not called': () => false });
    };
    es.addEventListener('WAITING', removed);
    es.removeEventListener('WAITING', removed);

    es.onopen = (e) => {
      types.push(e.type);
      check(e, {
        'onopen: status 200': (x) => x.status === 200,
        'onopen: headers': (x) => typeof x.headers === 'object' && x.headers !== null,
        'onopen: readyState OPEN': () => es.readyState === EventSource.OPEN,
      });
    };
    es.onerror = (e) => {
      check(e, { 'EventSource: no error': () => false });
      console.error(`EventSource error: ${e.status || ''} ${e.error} ${e.body || ''}`);
      es.close();
      resolve(types);
    };
    let opened = false;
    es.addEventListener('WAITING', (e) => {
      types.push(e.type);
      const d = JSON.parse(e.data);
      check(d, { 'WAITING: position >= 1': (x) => x.status === 'WAITING' && x.position >= 1 && x.userId === '1' });
      if (!opened) {
        opened = true;
        const res = http.post(`${BASE_URL}/api/admin/events/${encodeURIComponent(data.eventId)}/open`);
        check(res, { 'open event: 200': (x) => x.status === 200 && x.json('open') === true });
      }
    });
    es.addEventListener('IN_PROGRESS', (e) => {
      types.push(e.type);
      check(e, {
        'IN_PROGRESS: data': (x) => JSON.parse(x.data).status === 'IN_PROGRESS',
        'IN_PROGRESS: lastEventId is a string': (x) => typeof x.lastEventId === 'string',
      });
      es.close();
      check(es, { 'close: readyState CLOSED': (x) => x.readyState === EventSource.CLOSED });
      resolve(types);
    });
  });
  check(seen, { 'EventSource: open, WAITING, IN_PROGRESS in order': (t) => t.join(',').startsWith('open,WAITING') && t[t.length - 1] === 'IN_PROGRESS' });

  // 2. A refused stream (no token): an error event with the status and body, never an open.
  const refused = await new Promise((resolve) => {
    const es = new EventSource(url);
    es.onopen = () => {
      check(null, { 'refused stream: no open event': () => false });
    };
    es.onerror = (e) => {
      es.close();
      resolve(e);
    };
  });
  check(refused, {
    'refused stream: status 401': (e) => e.status === 401,
    'refused stream: body': (e) => typeof e.body === 'string' && e.body.includes('error'),
    'refused stream: error text': (e) => typeof e.error === 'string' && e.error !== '',
  });

  // 3. The blocking API of xk6-sse: the event is open, so user 2 is promoted soon.
  const token2 = login(2);
  /** @type {string[]} */
  const names = [];
  let errors = 0;
  const res = sse.open(url, { method: 'GET', headers: { Authorization: `Bearer ${token2}` }, tags: { api: 'blocking' } }, (client) => {
    client.on('open', () => names.push('open'));
    client.on('event', (ev) => {
      names.push(ev.name);
      if (ev.name === 'IN_PROGRESS') {
        check(ev, { 'sse.open: IN_PROGRESS data': (x) => JSON.parse(x.data).userId === '2' && typeof x.id === 'string' });
        client.close();
      }
    });
    client.on('error', (e) => {
      errors++;
      console.error(`sse.open error: ${e.error()}`);
    });
  });
  check(res, {
    'sse.open: status 200': (r) => r.status === 200,
    'sse.open: url': (r) => r.url === url,
    'sse.open: no error': (r) => !r.error && errors === 0,
  });
  check(names, { 'sse.open: open, then IN_PROGRESS': (n) => n[0] === 'open' && n[n.length - 1] === 'IN_PROGRESS' });
}

// The participant id of this VU in the rendezvous scenario, 1..RENDEZVOUS_VUS. Not the VU's id
// (the other scenarios' VUs take ids too, so it may exceed the parties): the scenario's first
// RENDEZVOUS_VUS iterations are one per VU (no VU starts its second before phase 0 is released,
// which takes them all), so the test-wide number of this VU's first iteration is unique.
let meetingId = 0;

/** The rendezvous: released together at every iteration (phase 0, 1, 2); a phase nobody completes. */
export async function rendezvous() {
  try {
    await meet();
  } catch (e) {
    // An exception is a failed check, so that the checks threshold fails the run.
    check(e, { 'rendezvous: no exception': () => false });
    console.error(`rendezvous: ${e}`);
  }
}

async function meet() {
  if (meetingId === 0) meetingId = exec.scenario.iterationInTest + 1;
  const phase = exec.vu.iterationInScenario;
  const r = await meeting.arrive({ id: meetingId, timeout: '30s' });
  check(r, {
    'arrive: released': (x) => x.outcome === 'released',
    'arrive: phase is the iteration': (x) => x.phase === phase,
    'arrive: all arrived': (x) => x.arrived === RENDEZVOUS_VUS && x.parties === RENDEZVOUS_VUS && x.quorum === RENDEZVOUS_VUS,
  });
  if (exec.scenario.iterationInTest === 0) {
    const released = await alone.arrive({ id: 1, timeout: '300ms', onTimeout: 'release' });
    check(released, { 'arrive with onTimeout release: released-on-timeout': (x) => x.outcome === 'released-on-timeout' && x.missing.join() === '2' });
    const otherRule = await rejection(alone.arrive({ id: 1, timeout: '300ms' }));
    check(otherRule, {
      'arrive with another rule: refused': (e) => e instanceof Error && String(e.message).includes('fixed by its first arrival'),
    });
    const timedOut = await rejection(stoodUp.arrive({ id: 1, timeout: '300ms' }));
    check(timedOut, {
      'arrive timeout: BarrierError': (e) => e instanceof BarrierError && e.outcome === 'timeout',
      'arrive timeout: phase 0, missing 2': (e) => e instanceof BarrierError && e.phase === 0 && e.missing.join() === '2',
    });
  }
}

/**
 * Settles with the rejection of p, or null when it resolved.
 * @param {Promise<unknown>} p
 * @returns {Promise<unknown>}
 */
async function rejection(p) {
  try {
    await p;
    return null;
  } catch (e) {
    return e;
  }
}

/**
 * @param {number} n
 * @returns {string} the access token of user<n>@example.com
 */
function login(n) {
  const res = http.post(`${BASE_URL}/api/auth/login`, JSON.stringify({ email: `user${n}@example.com`, password: PASSWORD }), {
    headers: { 'Content-Type': 'application/json' },
  });
  const token = res.status === 200 ? res.json('accessToken') : null;
  if (!check(res, { 'login: 200': (r) => r.status === 200 }) || typeof token !== 'string') {
    fail(`login of user${n} failed: HTTP ${res.status} ${res.body}`);
  }
  return token;
}
