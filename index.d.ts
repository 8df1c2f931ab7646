// TypeScript declarations of the JavaScript modules of xk6-barrier: k6/x/barrier and k6/x/eventsource.
//
// Use them in an editor or with tsc: reference this file (`/// <reference path="index.d.ts" />`) or list
// it in a tsconfig.json's "files", next to @types/k6 for k6's own modules. They describe the API that
// README.md documents; the example scripts under examples/ are type-checked against them
// (`make typecheck`).

/**
 * A deterministic barrier for k6 tests.
 *
 * Virtual users {@link Barrier.join | join} it, or {@link Barrier.fail | fail} it with a reason; a
 * controller VU {@link Barrier.wait | waits} until every expected participant is accounted for, then
 * proceeds (for example, opens a ticket sale). Backed by Redis, it works across several k6 instances
 * (k6-operator, `--execution-segment`); without `redis` it is in-process, which only works when one k6
 * process runs the whole test.
 *
 * ```js
 * import { Barrier, BarrierError } from 'k6/x/barrier';
 *
 * const room = new Barrier({ parties: 1000, redis: __ENV.REDIS_URL, runId: __ENV.RUN_ID });
 *
 * export default async function () { await room.join(); }
 *
 * export async function controller() {
 *   // failed or timeout: the whole test aborts with the barrier's one line (exit code 108)
 *   const r = await room.wait({ timeout: '5m', progress: '10s', abortOnFail: true });
 * }
 *
 * export async function handlingIt() {
 *   try {
 *     await room.wait({ timeout: '5m' });
 *   } catch (e) {
 *     if (e instanceof BarrierError) console.error(e.outcome, e.missing);
 *     throw e;
 *   }
 * }
 * ```
 *
 * Metrics: `barrier_wait_duration` (Trend, time; tags `barrier`, `outcome`: `met`, `failed`, `timeout`,
 * `aborted`, or `error` for a Redis error) on every settle of a wait,
 * `barrier_joins` (Counter), `barrier_failures` (Counter, tag `reason`). Of `arrive()`:
 * `barrier_arrive_duration` (Trend, time; tags `barrier`, `outcome`), `barrier_release_skew` (Trend,
 * time; tag `barrier`) and `barrier_phases_released` (Rate, tag `barrier`: 1 for each arrive() released
 * with every party, 0 for released-on-timeout, timeout, failed or an error; nothing when k6 stopped the
 * VU), for a threshold such as `'barrier_phases_released': ['rate==1']`.
 */
declare module 'k6/x/barrier' {
  /**
   * A duration: a Go/k6 duration string such as `'5m'`, `'10s'`, `'1m30s'`, `'250ms'`, or a number of
   * milliseconds.
   */
  export type Duration = string | number;

  /**
   * A participant id: an integer in 1..parties (the ids the barrier counts, and names in `missing`).
   * Any other value (0, an id above parties, a fraction, a string) throws a TypeError at the call.
   */
  export type ParticipantId = number;

  /**
   * How a wait settled: `met` (resolved), or why it was rejected: `failed` (more failures than
   * `maxFailures`, or the quorum can no longer be reached), `timeout` (the deadline passed), `aborted`
   * (the VU's context ended: test stopped, gracefulStop).
   */
  export type BarrierOutcome = 'met' | 'failed' | 'timeout' | 'aborted';

  /** The state {@link Barrier.status} reports: `pending` until the barrier is met or failed. */
  export type BarrierState = 'pending' | 'met' | 'failed';

  /** Options of the {@link Barrier} constructor. Unknown options are an error. */
  export interface BarrierOptions {
    /**
     * Tells barriers of one run apart (1 to 64 letters, digits, `_`, `.`, `:` or `-`). Default
     * `'default'`, whose keys are exactly the fix plan's: `K6_BARRIER_JOINED:{<runId>}`.
     */
    name?: string;
    /** Required: the number of participants expected, across all k6 instances (1..10,000,000). */
    parties: number;
    /**
     * Redis URL: `redis://`, `rediss://` (TLS), with `user:pass@` if needed;
     * `redis+cluster://host:port,host:port` for a Redis Cluster;
     * `redis+sentinel://host:port,host:port/<master-name>` for a primary behind Sentinel. Omitted or
     * empty: the in-process backend, which only works when one k6 process runs the whole test.
     */
    redis?: string;
    /**
     * Id of the test run, shared by every k6 instance of it. Required with `redis`; default from the
     * environment variable `K6_BARRIER_RUN_ID`. At most 128 characters, no `{` or `}`. Ignored in-process.
     */
    runId?: string;
    /** Expiry of every key this barrier writes (1s..7d). Default `'24h'`. */
    ttl?: Duration;
    /** Starts every key name. Default `'K6_BARRIER'`. */
    keyPrefix?: string;
  }

  /** Options of {@link Barrier.wait}. */
  export interface WaitOptions {
    /**
     * Reject with outcome `timeout` at this deadline, whatever Redis does: 1ms..7d; 0 is refused.
     * Default: no deadline (the VU's context still ends it).
     */
    timeout?: Duration;
    /** Failed participants tolerated (0..parties); one more rejects at once with outcome `failed`. Default 0. */
    maxFailures?: number;
    /** Joined participants needed, 1..parties. Default `parties`. */
    quorum?: number;
    /**
     * Interval at which a one-line progress report is logged through the k6 logger while waiting;
     * 1s..7d, or `false` (or 0): silent. Default `'10s'`.
     */
    progress?: Duration | false;
    /**
     * On outcome `failed` or `timeout`, abort the whole test as `exec.test.abort(reason)` does (exit
     * code 108) with the wait's one-line summary as the reason; the promise then never settles.
     * Default true. `false`: the wait rejects with a {@link BarrierError} instead, and k6 exits 0
     * unless the script handles it.
     */
    abortOnFail?: boolean;
  }

  /**
   * What a {@link Barrier.join} or {@link Barrier.fail} call did: whether this call counted (the id's
   * first join or fail), or what was already recorded for the id (then nothing changed).
   */
  export interface JoinResult {
    /** True when this call accounted the participant; false when it had been accounted before. */
    counted: boolean;
    /**
     * When `counted` is false: what was recorded before, `'joined'` or `'failed:<reason>'`.
     * Absent (or empty) when `counted` is true.
     */
    previous?: string;
  }

  /** What {@link Barrier.fail} did; the same shape as {@link JoinResult}. */
  export type FailResult = JoinResult;

  /** The counts of a barrier at one moment: a settled wait, a rejected wait, or a status. */
  export interface BarrierCounts {
    /** The barrier's name (option `name`). */
    name: string;
    /** Participants that joined. */
    joined: number;
    /** Participants that failed, any reason. */
    failed: number;
    /** Failed participants per reason, e.g. `{ login: 2, sse: 1 }`. */
    failures: { [reason: string]: number };
    /** `joined + failed`. */
    accounted: number;
    /** Option `parties`. */
    parties: number;
    /** Joined participants needed (the wait's `quorum`, default `parties`). */
    quorum: number;
    /** Failed participants tolerated (the wait's `maxFailures`, default 0). */
    maxFailures: number;
    /** How long the wait took, in milliseconds (0 for a status). */
    waitedMs: number;
    /** Up to 20 ids of 1..parties never accounted for, ascending. */
    missing: number[];
    /** How many participants are not accounted for: `parties - accounted`, at least 0. */
    missingCount: number;
  }

  /** The value a {@link Barrier.wait} settles with (see {@link BarrierError} for a rejection). */
  export interface BarrierResult extends BarrierCounts {
    outcome: BarrierOutcome;
  }

  /** What {@link Barrier.status} reports, judged with the default quorum and maxFailures. */
  export interface BarrierStatus extends BarrierCounts {
    outcome: BarrierState;
  }

  /**
   * How an {@link Barrier.arrive} settled: `released` (its phase's quorum arrived) or
   * `released-on-timeout` (the phase's deadline passed with `onTimeout: 'release'`) resolve; `failed`
   * (a participant called {@link Barrier.fail} during the phase), `timeout` (the phase's deadline
   * passed) and `aborted` (the VU's context ended) reject with a {@link BarrierError}.
   */
  export type ArriveOutcome = 'released' | 'released-on-timeout' | 'failed' | 'timeout' | 'aborted';

  /** Options of {@link Barrier.arrive}. Unknown options are an error. */
  export interface ArriveOptions {
    /** The participant id. Default: the VU's number within its scenario (1..the scenario's VUs; with `--execution-segment`, or outside a scenario, the VU's global id `exec.vu.idInTest`). */
    id?: ParticipantId;
    /**
     * The phase's hard stop, counted from its first arrival (1ms..7d; 0 is refused). The first
     * arrival of a phase sets its rule (timeout, quorum, onTimeout): give every arrive() of a barrier
     * the same options. Default `'1m'`.
     */
    timeout?: Duration;
    /**
     * Arrivals that release a phase: a count (1..parties) or a percentage of the parties such as
     * `'80%'` (rounded up). Both are taken of the parties still taking part (parties minus those that
     * left). Default: all of them.
     */
    quorum?: number | `${number}%`;
    /**
     * At the phase's deadline: `'reject'` the waiters with outcome `timeout` (default), or `'release'`
     * those that arrived, with outcome `released-on-timeout` (LoadRunner's rendezvous timeout policy).
     */
    onTimeout?: 'reject' | 'release';
    /**
     * On outcome `failed` or `timeout`, abort the whole test as `exec.test.abort(reason)` does (exit
     * code 108), as {@link WaitOptions.abortOnFail}. Default false for arrive(): a phase not
     * released rejects; hold a threshold on `barrier_phases_released` to fail the run.
     */
    abortOnFail?: boolean;
    /**
     * While the arrival waits, log how its phase fills at this interval, as
     * {@link WaitOptions.progress}; one VU per k6 process and phase logs. Default `'10s'`; `false`
     * turns it off. Below `1s` is refused.
     */
    progress?: Duration | false;
  }

  /** How one phase settled, as an {@link Barrier.arrive} resolves (or rejects with, see {@link BarrierError}). */
  export interface ArriveResult {
    outcome: ArriveOutcome;
    /** The barrier's name (option `name`). */
    name: string;
    /** The phase this arrival belonged to: 0, 1, 2, ... */
    phase: number;
    /** How many arrived at the phase when it settled. */
    arrived: number;
    /** The parties still taking part in the phase: option `parties` minus `left`. */
    parties: number;
    /** The arrivals the phase needed. */
    quorum: number;
    /** Participants that had left (see {@link Barrier.leave}). */
    left: number;
    /** How long this arrive() took, in milliseconds. */
    waitedMs: number;
    /**
     * Up to 20 ids of 1..parties (the first 10,000) that take part and had not arrived, ascending;
     * listed whenever `missingCount` is above 0.
     */
    missing: number[];
    /** How many of the parties taking part had not arrived. */
    missingCount: number;
    /** For outcome `failed`: the failure's reason. */
    reason?: string;
    /** For outcome `failed`: the participant that failed. */
    failedBy?: string;
  }

  /** What {@link Barrier.leave} did. */
  export interface LeaveResult {
    /** False when the participant had left before (and not arrived since). */
    counted: boolean;
    /** The phase current when it left. */
    phase: number;
    /** True when it had arrived at that phase: its arrival no longer counts. */
    withdrawn: boolean;
  }

  /** A barrier of one run. Construct it in the init context: it validates there, and connects on first use. */
  export class Barrier {
    /**
     * @throws on bad input: unknown option, parties < 1, bad URL, missing runId with redis, bad duration.
     */
    constructor(options: BarrierOptions);

    /** Option `name`. */
    readonly name: string;
    /** Option `parties`. */
    readonly parties: number;

    /**
     * Accounts participant `id` as joined. Only the id's first join or fail counts; a later call changes
     * nothing and says what was already recorded.
     * @param id an integer in 1..parties; default: the VU's number within its scenario (1..the scenario's VUs; with `--execution-segment`, or outside a scenario, the VU's global id `exec.vu.idInTest`), which must
     *   then be at most parties; none in setup()/teardown(). Another id aborts the test (exit code 108).
     */
    join(id?: ParticipantId): Promise<JoinResult>;

    /**
     * Accounts participant `id` as failed with `reason` (`/^[a-z][a-z0-9_]{0,31}$/`, e.g. `'login'`,
     * `'sse'`; counted in `K6_BARRIER_<REASON>_FAIL:<scope>`). Only the id's first join or fail counts.
     * @param id an integer in 1..parties; default: the VU's number within its scenario (1..the scenario's VUs; with `--execution-segment`, or outside a scenario, the VU's global id `exec.vu.idInTest`), which must
     *   then be at most parties; none in setup()/teardown(). Another id aborts the test (exit code 108).
     */
    fail(reason: string, id?: ParticipantId): Promise<FailResult>;

    /**
     * Waits until `joined >= quorum` and `failed <= maxFailures`: resolves with outcome `met`. Rejects
     * with a {@link BarrierError}: at once with outcome `failed` when `failed > maxFailures` or the quorum
     * can no longer be reached, with `timeout` at the deadline, with `aborted` when the VU's context ends.
     * Release is pushed (no polling), so it settles as soon as the deciding write happens. A Redis error
     * rejects with a plain Error (naming the address, never the password), not a BarrierError.
     */
    wait(options?: WaitOptions): Promise<BarrierResult & { outcome: 'met' }>;

    /** The barrier's counts now. */
    status(): Promise<BarrierStatus>;

    /** Deletes this barrier's keys (teardown, or a rerun with the same runId). */
    reset(): Promise<void>;

    /**
     * The rendezvous (cyclic use): arrives at the barrier's current phase and waits until the phase
     * settles. When its quorum arrived, every waiter of the phase, in every k6 instance, is released
     * at once (one push, no polling) and the next phase opens by itself, so the same call works in
     * every iteration. Rejects with a {@link BarrierError} on `failed` (a {@link Barrier.fail} during
     * the phase), `timeout` and `aborted` (the VU stopped: the participant then leaves, as
     * {@link Barrier.leave}). Arriving twice at one phase rejects with a plain Error naming the
     * participant and the phase; so does a Redis error.
     */
    arrive(options?: ArriveOptions): Promise<ArriveResult & { outcome: 'released' | 'released-on-timeout' }>;

    /**
     * The participant is done for good (Java Phaser's arriveAndDeregister): later phases need one
     * fewer, and its arrival at the current phase, if any, is withdrawn. Arriving again later takes
     * part again.
     * @param id default: the VU's number within its scenario (1..the scenario's VUs; with `--execution-segment`, or outside a scenario, the VU's global id `exec.vu.idInTest`).
     */
    leave(id?: ParticipantId): Promise<LeaveResult>;
  }

  /**
   * The rejection of {@link Barrier.wait} and {@link Barrier.arrive}. Its `message` says everything in
   * one line, e.g.
   * `barrier default: timeout after 5m0s: joined 997/1000, failed 2 (login=2), missing 1 (734)` or
   * `barrier default: phase 3 failed after 2.1s (login, by participant 17): arrived 400/1000, left 0, missing 599 (1, 2, ...)`.
   * A wait's rejection carries the {@link BarrierCounts} fields; an arrive's the {@link ArriveResult}
   * fields (`phase`, `arrived`, `left`, `reason`, `failedBy`, and `parties`, `quorum`, `waitedMs`,
   * `missing`, `missingCount` with their arrive meaning) instead of `joined`, `failed`, `failures`,
   * `accounted` and `maxFailures`.
   */
  export class BarrierError extends Error {
    /** Why the wait or arrive did not resolve: `failed`, `timeout` or `aborted`. */
    outcome: BarrierOutcome;
    /** Arrive only: the phase that did not release. */
    phase?: number;
    /** Arrive only: how many arrived at the phase. */
    arrived?: number;
    /** Arrive only: participants that had left. */
    left?: number;
    /** Arrive only, outcome `failed`: the failure's reason. */
    reason?: string;
    /** Arrive only, outcome `failed`: the participant that failed. */
    failedBy?: string;
    /**
     * Arrive only, outcome `failed`: the rendezvous state vanished from Redis (ttl shorter than the
     * gap between two steps, a restart without persistence, a reset or DEL): what was lost and why.
     * `phase` is then -1 when the arrival was never counted.
     */
    lost?: string;
    /**
     * The barrier's name (option `name`), as in the design's field list: unlike other errors, whose
     * `name` is the class name, a BarrierError's is the barrier's. `toString()` and `stack` still start
     * with `BarrierError:`.
     */
    name: string;
    /** Wait only: participants that joined. */
    joined?: number;
    /** Wait only: participants that failed. */
    failed?: number;
    /** Wait only: failed participants per reason. */
    failures?: { [reason: string]: number };
    /** Wait only: `joined + failed`. */
    accounted?: number;
    /** Wait: the barrier's parties; arrive: the parties still taking part (0 when the arrival
     * ended before its phase was known, as a lost or unanswered arrival). */
    parties: number;
    quorum: number;
    /** Wait only: the wait's maxFailures. */
    maxFailures?: number;
    /** How long the wait or arrive took, in milliseconds. */
    waitedMs: number;
    /**
     * Up to 20 ids of 1..parties never accounted for (wait), or that take part and did not arrive
     * (arrive), ascending. Complete unless `missingCount` is larger.
     */
    missing: number[];
    /** Wait: `parties - accounted`, at least 0; arrive: how many taking part did not arrive. */
    missingCount: number;
  }

}

/**
 * A native Server-Sent Events client for k6: an event-loop driven {@link EventSource} in the browser's
 * shape, plus the blocking {@link open} of the xk6-sse extension for drop-in migration. (Its name is
 * its own, not xk6-sse's `k6/x/sse`, so one k6 binary can hold both extensions.)
 *
 * Requests go through the VU's k6 transport, so k6 options (hosts, blockHostnames, TLS) and
 * `data_sent` / `data_received` apply. Metrics: `sse_connecting`, `sse_sessions`,
 * `sse_session_duration`, `sse_events_received`, `sse_time_to_first_event`, `sse_reconnects`,
 * `sse_errors`.
 */
declare module 'k6/x/eventsource' {
  /** A Go/k6 duration string such as `'30s'`, or a number of milliseconds. */
  export type Duration = string | number;

  /** Parameters of an {@link EventSource}. */
  export interface EventSourceParams {
    /** Request method. Default `'GET'`. */
    method?: string;
    /** Extra request headers. `Accept: text/event-stream` and `Cache-Control: no-cache` are sent unless set. */
    headers?: { [name: string]: string };
    /** Request body, sent again on each reconnection. */
    body?: string | ArrayBuffer;
    /** Tags of the metrics of this stream. */
    tags?: { [name: string]: string };
    /**
     * Bound on the time from the start of a request to its response headers (redirects included).
     * Default `'60s'`, as k6/http's `timeout`; `0` means none. It never cuts the stream itself.
     */
    timeout?: Duration;
    /** Ends a connection that receives no bytes for that long (comments count). Default: none. */
    idleTimeout?: Duration;
    /** Bound on an event's data and on a line, in bytes; exceeding it is an error event. */
    maxEventSize?: number;
    /**
     * Reconnect after a network error, a timeout or the end of the stream, as the spec says (the
     * `retry` field, `Last-Event-ID`); never after a non-2xx answer. Off by default. `true` uses the
     * defaults (10 retries, a 3s delay until the stream sends `retry`).
     */
    reconnect?: boolean | { retries?: number; delay?: Duration };
    /**
     * Redirects followed, as k6/http's `redirects` param (0 to 1000); default: the `maxRedirects`
     * option (10). Past them, the redirect response is the answer: an error event with its status.
     */
    redirects?: number;
    /**
     * Record `sse_time_between_events` (Trend, time): for each event after a connection's first, the
     * time since the previous one (every gap of a token stream). Default `false`.
     */
    timeBetweenEvents?: boolean;
  }

  /** The `open` event: the response's headers were received (a 2xx with `text/event-stream`). */
  export interface OpenEvent {
    type: 'open';
    /** Only on a server event named `open` (which has no status, headers or url): its data. */
    data?: string;
    /** HTTP status. */
    status: number;
    /** Response headers: canonical names to comma-joined values. */
    headers: { [name: string]: string };
    /** The URL that answered, after redirects; its user info masked as k6 masks it (`****:****@`). */
    url: string;
  }

  /** An event of the stream: `message` where the stream named no type, else its `event:` field. */
  export interface MessageEvent {
    type: string;
    /** The data lines, joined with `\n`. */
    data: string;
    /** The last `id` field seen on the stream, in this event or an earlier one; `''` if none. */
    lastEventId: string;
    /** The origin of the URL that answered, as the spec says: `scheme://host[:port]` (no default port, path or user info). */
    origin: string;
  }

  /**
   * The `error` event: a network error, a timeout, an event too large, the end of the stream, or an
   * answer that is not a 2xx `text/event-stream` or whose `Content-Encoding` cannot be decoded (then
   * `status` and `body` are set). A server event named `error` reaches `onerror` and the `error`
   * listeners too, as in browsers: it is a message event, with `data`, `lastEventId` and `origin`, and
   * without `error`; test `event.data !== undefined` to tell it from a connection error.
   */
  export interface ErrorEvent {
    type: 'error';
    /** What went wrong; absent on a server event named `error`. */
    error: string;
    /** Only on a server event named `error`: its data. */
    data?: string;
    /** Only on a server event named `error`: the last event id. */
    lastEventId?: string;
    /** Only on a server event named `error`: the stream's URL. */
    origin?: string;
    /** HTTP status of a rejected response. */
    status?: number;
    /** Headers of a rejected response. */
    headers?: { [name: string]: string };
    /** Body of a rejected response (at most 64 KiB). */
    body?: string;
  }

  /** Any event an {@link EventSource} dispatches. */
  export type SSEEvent = OpenEvent | MessageEvent | ErrorEvent;

  /**
   * An event stream, in the shape of the browser's EventSource. The iteration stays alive while it is
   * open (like k6/websockets); the end of the VU's context closes it. Create it with `new`, in VU code,
   * not in the init context.
   */
  export class EventSource {
    /** {@link EventSource.readyState}: connecting (or reconnecting). */
    static readonly CONNECTING: 0;
    /** {@link EventSource.readyState}: the response was received; events flow. */
    static readonly OPEN: 1;
    /** {@link EventSource.readyState}: closed, by {@link EventSource.close}, an error, or the VU's end. */
    static readonly CLOSED: 2;
    readonly CONNECTING: 0;
    readonly OPEN: 1;
    readonly CLOSED: 2;

    constructor(url: string, params?: EventSourceParams);

    /** The stream's URL. */
    readonly url: string;
    /** 0 connecting, 1 open, 2 closed. */
    readonly readyState: 0 | 1 | 2;

    /** Called when the response was received, and for a server event named `open` (with `data`). */
    onopen: ((event: OpenEvent) => void) | null;
    /** Called for events of type `message` (no `event:` field). */
    onmessage: ((event: MessageEvent) => void) | null;
    /**
     * Called on an error, and when the server ends the stream. During it, `readyState` is `CLOSED` when
     * the stream ended (then nothing more is dispatched), `CONNECTING` when a reconnection follows. A
     * non-2xx answer carries its status and body. Also called for a server event named `error`: a
     * MessageEvent, with `data` and no `error`.
     */
    onerror: ((event: ErrorEvent) => void) | null;

    addEventListener(type: 'open', listener: (event: OpenEvent) => void): void;
    addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
    /** Listens for events of `type`: the stream's `event:` field (`message` where none). */
    addEventListener(type: string, listener: (event: MessageEvent) => void): void;
    removeEventListener(type: 'open', listener: (event: OpenEvent) => void): void;
    removeEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
    removeEventListener(type: string, listener: (event: MessageEvent) => void): void;

    /** Closes the stream; no event is dispatched after it. */
    close(): void;
  }

  /** Parameters of {@link open}, as in xk6-sse, plus the {@link EventSourceParams} extensions. */
  export interface OpenParams extends EventSourceParams {
    /**
     * Accepted for xk6-sse scripts, and ignored: the stream always uses the VU's cookie jar, as
     * `k6/http` does by default.
     */
    jar?: import('k6/http').CookieJar;
  }

  /** An event of the blocking API, as xk6-sse's. */
  export interface ClientEvent {
    /** The event's id (the last `id` field seen). */
    id: string;
    /** The event's type: its `event:` field, `message` where none. */
    name: string;
    /** The data lines, joined with `\n`. */
    data: string;
    /** The same as `id`, in the EventSource's name. */
    lastEventId: string;
  }

  /** An error of the blocking API, as xk6-sse's. */
  export interface ClientError {
    type: 'error';
    /** What went wrong. */
    error(): string;
    /** HTTP status of a rejected response. */
    status?: number;
    /** Headers of a rejected response. */
    headers?: { [name: string]: string };
    /** Body of a rejected response (at most 64 KiB). */
    body?: string;
  }

  /** The client handed to the {@link open} callback. */
  export interface Client {
    on(event: 'open', handler: () => void): void;
    on(event: 'event', handler: (event: ClientEvent) => void): void;
    on(event: 'error', handler: (error: ClientError) => void): void;
    /** Called once when the stream has ended (not when the VU was stopped). */
    on(event: 'close', handler: () => void): void;
    /** Closes the stream; {@link open} then returns. */
    close(): void;
  }

  /** What {@link open} returns once the stream ended. */
  export interface OpenResponse {
    /** HTTP status (0 if no response was received). */
    status: number;
    /** Response headers. */
    headers: { [name: string]: string };
    /** What went wrong, empty if nothing. */
    error: string;
    /** The stream's URL (after redirects, when it was answered), its user info masked (`****:****@`). */
    url: string;
    /** Body of a rejected response (at most 64 KiB); absent otherwise. */
    body?: string;
  }

  /**
   * Opens an event stream and blocks the VU until it ends (the server ends it, `client.close()`, an
   * error, or the VU's end), calling the handlers registered in `fn`. Compatible with the xk6-sse
   * extension: its scripts run with one import changed, `import sse from 'k6/x/eventsource'`.
   */
  export function open(url: string, fn: (client: Client) => void): OpenResponse;
  export function open(url: string, params: OpenParams | null | undefined, fn: (client: Client) => void): OpenResponse;

  const sse: {
    open: typeof open;
    EventSource: typeof EventSource;
  };
  export default sse;
}
