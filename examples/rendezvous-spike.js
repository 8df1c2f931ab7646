// A LoadRunner-style rendezvous: every iteration, all VUs meet at one point and are released at the
// same instant, then each sends one request, so the system under test gets a true spike of VUS
// simultaneous requests, iteration after iteration (JMeter's Synchronizing Timer, across k6 instances).
//
// Run against the demo server (examples/waitingroom):
//   examples/demo.sh spike                 # starts the server, runs this, stops the server
//   k6 run -e VUS=200 -e BASE_URL=http://127.0.0.1:8080 examples/rendezvous-spike.js
//   k6 run -e VUS=200 -e REDIS_URL=redis://127.0.0.1:6379 -e RUN_ID=spike-$(date +%s) examples/rendezvous-spike.js
//
// Environment:
//   BASE_URL     the system under test (default http://127.0.0.1:8080); each VU sends GET /healthz
//   VUS          VUs, all meeting at every iteration: the barrier's parties (default 50)
//   ITERATIONS   iterations (spikes) per VU (default 5)
//   QUORUM       arrivals that release a spike: a count or a percentage such as '80%' (default: all)
//   REDIS_URL    the barrier's Redis: needed when several k6 instances share the spike (k6-operator,
//                --execution-segment); then RUN_ID (the same for every instance) too. Omitted: in-process.
//
// The participant id is the VU's id in the whole test (the default of arrive()), 1..VUS across instances.
// Metrics: barrier_phases_released (a Rate: 1 for each arrive() its phase released with every party,
// 0 for a timeout, a failure or a release on timeout), barrier_release_skew (from the spike's release
// to each VU running again: how simultaneous the spike really is) and barrier_arrive_duration (how
// long each VU waited, tagged by outcome).
import http from 'k6/http';
import { check } from 'k6';
import { Barrier } from 'k6/x/barrier';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const VUS = intEnv('VUS', 50);
const ITERATIONS = intEnv('ITERATIONS', 5);
const QUORUM = __ENV.QUORUM || undefined;

export const options = {
  scenarios: {
    spike: { executor: 'per-vu-iterations', vus: VUS, iterations: ITERATIONS, maxDuration: '5m' },
  },
  thresholds: {
    // Every spike released every VU: a timeout, a failure or an error of arrive() is a failed check
    // (see the default function), and fails the run.
    checks: ['rate==1'],
    // Every arrive() was released by its full phase: the run fails (exit code 99) otherwise.
    'barrier_phases_released{barrier:spike}': ['rate==1'],
    http_req_failed: ['rate==0'],
    // 99% of the VUs run again within 100ms of the release.
    'barrier_release_skew{barrier:spike}': ['p(99)<100'],
  },
};

const spike = new Barrier({
  name: 'spike',
  parties: VUS,
  redis: __ENV.REDIS_URL || undefined,
  runId: __ENV.RUN_ID || undefined,
});

export default async function () {
  let r = null;
  try {
    r = await spike.arrive({ timeout: '1m', quorum: quorum(QUORUM) });
  } catch (e) {
    console.error(String(e)); // e.g. barrier spike: phase 3 timeout after 1m0s: arrived 40/50, left 0, missing 10 (...)
  }
  if (!check(r, { 'spike released': (x) => x !== null && x.outcome === 'released' })) return;
  const res = http.get(`${BASE_URL}/healthz`, { tags: { name: 'spike' } });
  check(res, { 'spike request: 200': (x) => x.status === 200 });
}

/**
 * @param {string | undefined} q the QUORUM variable
 * @returns {number | `${number}%` | undefined} arrive()'s quorum option
 */
function quorum(q) {
  if (q === undefined) return undefined;
  if (/^\d+(\.\d+)?%$/.test(q)) return /** @type {`${number}%`} */ (q);
  return Number(q);
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
