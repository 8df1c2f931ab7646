// THE OLD, BROKEN CONTROLLER, kept to show the hang that k6/x/barrier removes. Do not copy it.
//
// The controller polls GET /api/admin/events/{id}/waiting-count, a proxy of ZCARD WAITING:{eventId}, and
// opens the events once the counts add up to VUS. But WAITING:{eventId} is a live queue: the dispatcher
// removes users as it promotes them. Against the waiting room started with -promote-before-open, users
// are promoted (IN_PROGRESS) while others are still joining, so the sum never reaches VUS at one moment:
// main_scenario ends within seconds, every user got IN_PROGRESS and the queue is empty, yet the run stays
// alive, polling, until BARRIER_TIMEOUT_MS (default 300000 = 5 minutes), and then fails. A user whose
// login or stream fails is never counted either, with the same result. examples/sse-throughput-test.js
// is the fix.
//
// See it happen (a short timeout instead of 5 minutes):
//   make demo-legacy                       # server with -promote-before-open, BARRIER_TIMEOUT_MS=30000
// or by hand:
//   go run ./examples/waitingroom -users 300 -promote-before-open -promote-rate 50 &
//   k6 run -e VUS=300 -e BASE_URL=http://127.0.0.1:8080 -e BARRIER_TIMEOUT_MS=30000 examples/legacy-zcard-barrier.js
// Without -promote-before-open nobody is promoted before the events open, the queue holds every user,
// and this script happens to pass.
//
// Environment: BASE_URL (default http://127.0.0.1:8080), EVENT_IDS (default '1'), VUS (default 10),
// BARRIER_TIMEOUT_MS (default 300000), POLL_INTERVAL_MS (default 1000), PASSWORD (default 'password').
// Needs no Redis of its own: it only reads the server's queue sizes over HTTP.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';
import { EventSource } from 'k6/x/eventsource';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const EVENT_IDS = (__ENV.EVENT_IDS || '1')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const VUS = intEnv('VUS', 10);
const BARRIER_TIMEOUT_MS = intEnv('BARRIER_TIMEOUT_MS', 300000);
const POLL_INTERVAL_MS = intEnv('POLL_INTERVAL_MS', 1000);
const PASSWORD = __ENV.PASSWORD || 'password';
const MAX_DURATION = `${Math.ceil(BARRIER_TIMEOUT_MS / 1000) + 120}s`;

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
    // fail() only ends the controller's iteration; this makes the run itself fail when it timed out.
    legacy_barrier_met: ['rate==1'],
  },
};

const barrierMet = new Rate('legacy_barrier_met');

/** A user VU: login, then wait on the stream for IN_PROGRESS. */
export default async function () {
  const userId = exec.scenario.iterationInTest + 1;
  const eventId = EVENT_IDS[(userId - 1) % EVENT_IDS.length];
  const res = http.post(`${BASE_URL}/api/auth/login`, JSON.stringify({ email: `user${userId}@example.com`, password: PASSWORD }), {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'POST /api/auth/login' },
  });
  const token = res.status === 200 ? res.json('accessToken') : null;
  if (!check(token, { 'login: 200 with a token': (t) => typeof t === 'string' && t !== '' }) || typeof token !== 'string') {
    fail(`user ${userId}: login failed: HTTP ${res.status}`);
  }

  const promoted = await new Promise((resolve) => {
    const es = new EventSource(`${BASE_URL}/api/events/${encodeURIComponent(eventId)}/waiting`, {
      headers: { Authorization: `Bearer ${token}` },
      tags: { name: 'GET /api/events/{eventId}/waiting' },
      timeout: '30s',
      idleTimeout: '60s',
    });
    es.onopen = (e) => {
      check(e, { 'sse: status 200': (x) => x.status === 200 });
    };
    es.onerror = (e) => {
      console.warn(`user ${userId}: waiting stream: ${e.status || ''} ${e.error}`);
      es.close();
      resolve(false);
    };
    es.addEventListener('IN_PROGRESS', (e) => {
      check(e, { 'IN_PROGRESS received': (x) => x.data.includes('"IN_PROGRESS"') });
      es.close();
      resolve(true);
    });
  });
  check(promoted, { 'user promoted (IN_PROGRESS)': (p) => p === true });
}

/** The old barrier: poll the queue sizes until they add up to VUS. */
export function adminController() {
  const started = Date.now();
  let lastLog = 0;
  for (;;) {
    const counts = waitingCountsByEvent();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const elapsed = Date.now() - started;
    if (total >= VUS) {
      barrierMet.add(true);
      console.log(`Barrier met after ${elapsed}ms: waiting ${total}/${VUS}. Setting events to OPEN`);
      for (const eventId of EVENT_IDS) {
        const res = http.post(`${BASE_URL}/api/admin/events/${encodeURIComponent(eventId)}/open`, null, {
          tags: { name: 'POST /api/admin/events/{eventId}/open' },
        });
        check(res, { 'open event: 200': (x) => x.status === 200 });
      }
      return;
    }
    if (elapsed >= BARRIER_TIMEOUT_MS) {
      barrierMet.add(false);
      fail(`barrier not met after ${elapsed}ms: waiting ${total}/${VUS} (by event: ${JSON.stringify(counts)})`);
    }
    if (elapsed - lastLog >= 10000) {
      lastLog = elapsed;
      console.log(`barrier: waiting ${total}/${VUS} after ${Math.round(elapsed / 1000)}s (by event: ${JSON.stringify(counts)})`);
    }
    sleep(POLL_INTERVAL_MS / 1000);
  }
}

/**
 * ZCARD WAITING:{eventId} of every event, through the admin endpoint.
 * @returns {{ [eventId: string]: number }}
 */
function waitingCountsByEvent() {
  /** @type {{ [eventId: string]: number }} */
  const out = {};
  for (const eventId of EVENT_IDS) {
    const res = http.get(`${BASE_URL}/api/admin/events/${encodeURIComponent(eventId)}/waiting-count`, {
      tags: { name: 'GET /api/admin/events/{eventId}/waiting-count' },
    });
    const n = res.status === 200 ? res.json('waiting') : null;
    out[eventId] = typeof n === 'number' ? n : 0;
  }
  return out;
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
