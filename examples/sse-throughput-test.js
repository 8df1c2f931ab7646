// SSE throughput test of a waiting room, with a deterministic barrier.
//
// The load test whose plain-k6 controller hung (it polled the size of the live waiting queue),
// rewritten on k6/x/barrier and k6/x/eventsource. Every user VU logs in, opens the waiting stream of its event and, once the
// stream's handshake is verified (HTTP 200, text/event-stream), joins the barrier; a user whose login or
// stream fails fails the barrier with the reason ('login', 'sse'). One controller VU waits until all VUS
// users are accounted for: met -> it opens the events, and the users receive IN_PROGRESS and end;
// any failure or the timeout -> it aborts the run at once with one line that says who is missing and
// how many users each event's queue holds. It never waits on the size of the live queue (ZCARD
// WAITING:{eventId}), which shrinks as users are promoted: that was the hang (see
// legacy-zcard-barrier.js).
//
// Run against the demo server (examples/waitingroom):
//   make demo                              # starts the server, runs this with VUS=300
//   k6 run -e VUS=300 -e BASE_URL=http://127.0.0.1:8080 \
//          -e REDIS_URL=redis://127.0.0.1:6379 -e RUN_ID=demo-$(date +%s) examples/sse-throughput-test.js
//
// Environment:
//   BASE_URL            the waiting room (default http://127.0.0.1:8080)
//   EVENT_IDS           comma-separated event ids; user n waits for event n modulo their number (default '1')
//   VUS                 user VUs, one iteration each; also the barrier's parties (default 10)
//   REDIS_URL           the barrier's Redis. Omitted: the in-process barrier, which only works when ONE
//                       k6 process runs the test (not with k6-operator or --execution-segment).
//   RUN_ID              id of this run, the same for every k6 instance; required with REDIS_URL (a value
//                       made in setup() or at init would differ between instances). K6_BARRIER_RUN_ID
//                       works too. Use a new one per run (e.g. demo-$(date +%s)) or keys of an earlier
//                       run with the same id count (they expire after 24h).
//   BARRIER_TIMEOUT_MS  how long the controller waits at most (default 300000)
//   LOGIN_ATTEMPTS      login attempts per user (default 3)
//   PASSWORD            password of every user<n>@example.com (default 'password')
//
// Participant ids: user n is user<n>@example.com and participant n of the barrier, n = 1..VUS, taken from
// exec.scenario.iterationInTest + 1 (unique and gapless across instances for one iteration per VU). The
// VU's global id (the default id of join/fail) is not used: the controller's VU draws one of the ids
// too, in no fixed order, so the users' VU ids are not 1..VUS and `missing` would name the wrong ids.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import { Rate, Trend } from 'k6/metrics';
import { Barrier, BarrierError } from 'k6/x/barrier';
import { EventSource } from 'k6/x/eventsource';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const EVENT_IDS = (__ENV.EVENT_IDS || '1')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const VUS = intEnv('VUS', 10);
const REDIS_URL = __ENV.REDIS_URL || '';
const RUN_ID = __ENV.RUN_ID || __ENV.K6_BARRIER_RUN_ID || '';
const BARRIER_TIMEOUT_MS = intEnv('BARRIER_TIMEOUT_MS', 300000);
const LOGIN_ATTEMPTS = intEnv('LOGIN_ATTEMPTS', 3);
const PASSWORD = __ENV.PASSWORD || 'password';

if (EVENT_IDS.length === 0) {
  throw new Error('EVENT_IDS is empty: give at least one event id, e.g. -e EVENT_IDS=1,2');
}
if (REDIS_URL && !RUN_ID) {
  throw new Error(
    'RUN_ID is required with REDIS_URL: every k6 instance of the run must use the same one, e.g. -e RUN_ID=run-$(date +%s)',
  );
}

// The run's maximum: the controller may wait BARRIER_TIMEOUT_MS, then users are promoted.
const MAX_DURATION = __ENV.MAX_DURATION || `${Math.ceil(BARRIER_TIMEOUT_MS / 1000) + 120}s`;

export const options = {
  scenarios: {
    main_scenario: {
      executor: 'per-vu-iterations',
      vus: VUS,
      iterations: 1,
      maxDuration: MAX_DURATION,
    },
    admin_controller_scenario: {
      executor: 'per-vu-iterations',
      exec: 'adminController',
      vus: 1,
      iterations: 1,
      maxDuration: MAX_DURATION,
    },
  },
  thresholds: {
    checks: ['rate>0.99'],
    // Recorded by the extension on every settle of a wait (tags barrier, outcome).
    barrier_wait_duration: ['p(95)<60000'],
    // 1 sample from the controller: 1 when the barrier was met, 0 otherwise. The run fails unless met.
    controller_barrier_met: ['rate==1'],
  },
};

/** The controller's verdict: one sample, true when the barrier was met. */
const barrierMet = new Rate('controller_barrier_met');
/** Time from opening the stream to IN_PROGRESS, per user. */
const timeToInProgress = new Trend('waiting_time_to_in_progress', true);

/** @type {import('k6/x/barrier').BarrierOptions} */
const barrierOptions = { name: 'default', parties: VUS, ttl: '24h' };
if (REDIS_URL) {
  barrierOptions.redis = REDIS_URL;
  barrierOptions.runId = RUN_ID;
}
// Constructed in the init context of every VU: it only validates here and connects on first use.
const room = new Barrier(barrierOptions);

/** A user VU: login, waiting stream, barrier join, IN_PROGRESS. */
export default async function () {
  const userId = exec.scenario.iterationInTest + 1;
  const eventId = EVENT_IDS[(userId - 1) % EVENT_IDS.length];

  const token = login(userId);
  if (token === null) {
    const r = await room.fail('login', userId);
    check(r, { 'barrier: login failure recorded': (x) => x.counted || x.previous !== undefined });
    fail(`user ${userId}: login failed after ${LOGIN_ATTEMPTS} attempts`);
  }

  const outcome = await waitForTurn(userId, eventId, token);
  check(outcome, { 'user promoted (IN_PROGRESS)': (o) => o === 'promoted' });
}

/**
 * Logs user<userId>@example.com in, retrying with a short backoff.
 * @param {number} userId
 * @returns {string | null} the access token, or null when every attempt failed
 */
function login(userId) {
  const body = JSON.stringify({ email: `user${userId}@example.com`, password: PASSWORD });
  const params = { headers: { 'Content-Type': 'application/json' }, tags: { name: 'POST /api/auth/login' } };
  for (let attempt = 1; attempt <= LOGIN_ATTEMPTS; attempt++) {
    const res = http.post(`${BASE_URL}/api/auth/login`, body, params);
    const token = res.status === 200 ? res.json('accessToken') : null;
    if (typeof token === 'string' && token !== '') {
      check(res, { 'login: 200 with a token': () => true });
      return token;
    }
    if (attempt < LOGIN_ATTEMPTS) {
      sleep(0.2 * attempt);
    } else {
      check(res, { 'login: 200 with a token': () => false });
      console.warn(`user ${userId}: login attempt ${attempt} failed: HTTP ${res.status} ${res.body}`);
    }
  }
  return null;
}

/**
 * Opens the waiting stream of eventId and settles when the user was promoted or the stream failed.
 * The barrier is joined once the handshake is verified, failed with 'sse' when the stream cannot open.
 * @param {number} userId
 * @param {string} eventId
 * @param {string} token
 * @returns {Promise<'promoted' | 'sse_failed' | 'stream_error'>}
 */
function waitForTurn(userId, eventId, token) {
  return new Promise((resolve) => {
    const url = `${BASE_URL}/api/events/${encodeURIComponent(eventId)}/waiting`;
    const started = Date.now();
    let opened = false;
    let done = false;
    const es = new EventSource(url, {
      headers: { Authorization: `Bearer ${token}` },
      tags: { name: 'GET /api/events/{eventId}/waiting' },
      timeout: '30s', // to the response headers
      idleTimeout: '60s', // the server sends a keep-alive comment every 5s
    });
    /** @param {'promoted' | 'sse_failed' | 'stream_error'} how */
    const finish = (how) => {
      if (done) return;
      done = true;
      es.close();
      resolve(how);
    };

    es.onopen = async (e) => {
      opened = true;
      const ok = check(e, {
        'sse: status 200': (x) => x.status === 200,
        'sse: text/event-stream': (x) => contentType(x.headers).startsWith('text/event-stream'),
      });
      if (!ok) {
        await room.fail('sse', userId);
        finish('sse_failed');
        return;
      }
      // The handshake is verified: the server enqueued the user before answering.
      try {
        const r = await room.join(userId);
        check(r, { 'barrier: joined': (x) => x.counted || x.previous === 'joined' });
      } catch (err) {
        check(null, { 'barrier: joined': () => false });
        console.error(`user ${userId}: barrier join failed: ${err}`);
        finish('stream_error');
      }
    };

    es.onerror = async (e) => {
      if (!opened) {
        // The stream never opened (refused, non-2xx, network error): account the user as failed.
        check(e, { 'sse: status 200': () => false });
        console.warn(`user ${userId}: waiting stream of event ${eventId} failed: ${e.status || ''} ${e.error} ${e.body || ''}`);
        try {
          await room.fail('sse', userId);
        } catch (err) {
          console.error(`user ${userId}: barrier fail failed: ${err}`);
        }
        finish('sse_failed');
        return;
      }
      if (!done) {
        console.warn(`user ${userId}: waiting stream of event ${eventId} ended before IN_PROGRESS: ${e.error}`);
        finish('stream_error');
      }
    };

    let sawWaiting = false;
    es.addEventListener('WAITING', (e) => {
      if (sawWaiting) return;
      sawWaiting = true;
      const d = parseJSON(e.data);
      check(d, { 'WAITING: has a position': (x) => x !== null && x.status === 'WAITING' && x.position >= 1 });
    });

    es.addEventListener('IN_PROGRESS', (e) => {
      const d = parseJSON(e.data);
      check(d, {
        'IN_PROGRESS: status': (x) => x !== null && x.status === 'IN_PROGRESS',
        'IN_PROGRESS: this user': (x) => x !== null && x.userId === String(userId),
      });
      timeToInProgress.add(Date.now() - started);
      finish('promoted');
    });
  });
}

/**
 * The controller: waits for the barrier, then opens the events. On any barrier failure (outcome failed
 * or timeout, or an error) it aborts the run at once with the barrier's line plus the waiting count of
 * every event: fail fast. A plain fail() would end only this iteration, and the users who
 * joined would wait for an event that never opens until maxDuration. (Without the extra waiting counts,
 * `room.wait({ ... })` does the same in one line: abortOnFail is its default.)
 */
export async function adminController() {
  let r;
  try {
    r = await room.wait({ timeout: `${BARRIER_TIMEOUT_MS}ms`, maxFailures: 0, progress: '10s', abortOnFail: false });
  } catch (err) {
    barrierMet.add(false);
    // A BarrierError's message is the barrier's one-line account (outcome, counts, missing ids); any
    // other error (Redis unreachable, ...) ends the run the same way.
    const why = isBarrierError(err) ? err.message : `barrier wait failed: ${err}`;
    const msg = `${why}; waiting by event: ${JSON.stringify(waitingCountsByEvent())}`;
    console.error(msg);
    exec.test.abort(msg);
    return;
  }
  barrierMet.add(true);
  check(r, {
    'barrier: met': (x) => x.outcome === 'met',
    'barrier: every user joined': (x) => x.joined === VUS && x.failed === 0,
  });
  console.log(
    `Barrier met after ${r.waitedMs}ms: joined ${r.joined}/${r.parties}, failed ${r.failed}. Setting events to OPEN: ${EVENT_IDS.join(', ')}`,
  );

  for (const eventId of EVENT_IDS) {
    const res = http.post(`${BASE_URL}/api/admin/events/${encodeURIComponent(eventId)}/open`, null, {
      tags: { name: 'POST /api/admin/events/{eventId}/open' },
    });
    const ok = check(res, {
      'open event: 200': (x) => x.status === 200,
      'open event: open': (x) => x.status === 200 && x.json('open') === true,
    });
    console.log(`event ${eventId}: OPEN ${ok ? 'ok' : 'FAILED'}: HTTP ${res.status} ${res.body}`);
  }
}

/**
 * GET /api/admin/events/{id}/waiting-count of every event (for diagnostics only).
 * @returns {{ [eventId: string]: number | string }}
 */
function waitingCountsByEvent() {
  /** @type {{ [eventId: string]: number | string }} */
  const out = {};
  for (const eventId of EVENT_IDS) {
    const res = http.get(`${BASE_URL}/api/admin/events/${encodeURIComponent(eventId)}/waiting-count`, {
      tags: { name: 'GET /api/admin/events/{eventId}/waiting-count' },
    });
    const n = res.status === 200 ? res.json('waiting') : null;
    out[eventId] = typeof n === 'number' ? n : `HTTP ${res.status}`;
  }
  return out;
}

/**
 * Whether err is the barrier's rejection. `instanceof` is enough with the extension; the duck test
 * keeps the script clear of a realm mismatch.
 * @param {unknown} err
 * @returns {err is BarrierError}
 */
function isBarrierError(err) {
  return err instanceof BarrierError || (typeof err === 'object' && err !== null && 'outcome' in err && 'missing' in err);
}

/**
 * The Content-Type of a header map, whatever the case of its name.
 * @param {{ [name: string]: string }} headers
 */
function contentType(headers) {
  for (const k of Object.keys(headers || {})) {
    if (k.toLowerCase() === 'content-type') return String(headers[k]).toLowerCase();
  }
  return '';
}

/**
 * @param {string} s
 * @returns {any} the parsed JSON, or null
 */
function parseJSON(s) {
  try {
    return JSON.parse(s);
  } catch (_) {
    return null;
  }
}

/**
 * A positive integer from the environment.
 * @param {string} name
 * @param {number} def
 */
function intEnv(name, def) {
  const v = __ENV[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}
