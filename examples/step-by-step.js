// Step by step (grafana/k6#2040, "requests per second per step in a user flow"): every VU finishes a
// step before any VU starts the next, so each step's requests form a block of their own and its rate
// and durations are measured alone (tag `step`). Here: step 1 logs every user in, step 2 has every
// user look at the event. A user whose login fails breaks the step for everyone at once (fail-fast,
// with who is missing), instead of leaving the others waiting for the timeout.
//
// Run against the demo server (examples/waitingroom):
//   examples/demo.sh steps                 # starts the server, runs this, stops the server
//   k6 run -e VUS=100 -e BASE_URL=http://127.0.0.1:8080 examples/step-by-step.js
//
// Environment:
//   BASE_URL    the waiting room (default http://127.0.0.1:8080)
//   VUS         users, one per VU (default 20); ITERATIONS flows per user (default 3)
//   PASSWORD    password of every user<n>@example.com (default 'password')
//   REDIS_URL   and RUN_ID: the barrier on Redis, for several k6 instances. Omitted: in-process.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { Barrier, BarrierError } from 'k6/x/barrier';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const VUS = intEnv('VUS', 20);
const ITERATIONS = intEnv('ITERATIONS', 3);
const PASSWORD = __ENV.PASSWORD || 'password';

export const options = {
  scenarios: {
    flow: { executor: 'per-vu-iterations', vus: VUS, iterations: ITERATIONS, maxDuration: '5m' },
  },
  thresholds: {
    checks: ['rate==1'],
    // Each step's requests on their own: their own rate and latency.
    'http_req_duration{step:login}': ['p(95)<1000'],
    'http_req_duration{step:event}': ['p(95)<1000'],
    'http_reqs{step:login}': [`count==${VUS * ITERATIONS}`],
    'http_reqs{step:event}': [`count==${VUS * ITERATIONS}`],
    'barrier_release_skew{barrier:steps}': ['p(99)<100'],
  },
};

// One barrier for all the steps: every step is the next phase.
const steps = new Barrier({
  name: 'steps',
  parties: VUS,
  redis: __ENV.REDIS_URL || undefined,
  runId: __ENV.RUN_ID || undefined,
});

export default async function () {
  const user = exec.vu.idInTest;
  try {
    // Step 1: log in.
    const login = http.post(`${BASE_URL}/api/auth/login`, JSON.stringify({ email: `user${user}@example.com`, password: PASSWORD }), {
      headers: { 'Content-Type': 'application/json' },
      tags: { step: 'login' },
    });
    if (!check(login, { 'login: 200': (r) => r.status === 200 })) {
      await steps.fail('login'); // every waiter of this step rejects at once, saying who is missing
      return;
    }
    await steps.arrive({ timeout: '1m' }); // everybody is logged in

    // Step 2: look at the event.
    const event = http.get(`${BASE_URL}/api/admin/events/1/waiting-count`, { tags: { step: 'event' } });
    check(event, { 'event: 200': (r) => r.status === 200 });
    await steps.arrive({ timeout: '1m' }); // everybody is done with the step
  } catch (e) {
    // Any exception (a BarrierError, or an error of arrive() such as a bad id) is a failed check.
    check(e, { 'step released': () => false });
    console.error(e instanceof BarrierError ? e.message : String(e)); // e.g. barrier steps: phase 4 failed after 80ms (login, by participant 7): ...
  }
}

/**
 * @param {string} name an environment variable
 * @param {number} def its default
 * @returns {number} its value, a positive whole number
 */
function intEnv(name, def) {
  const v = __ENV[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got '${v}'`);
  return n;
}
