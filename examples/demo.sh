#!/usr/bin/env bash
# The demo: start the waiting room (examples/waitingroom) with an embedded Redis on free loopback ports,
# run a k6 script against it, and always stop the server.
#
#   examples/demo.sh [barrier|legacy|smoke] [extra k6 run arguments...]
#     barrier  examples/sse-throughput-test.js, the barrier fix (make demo)
#     legacy   examples/legacy-zcard-barrier.js against -promote-before-open: the old hang, cut short by
#              BARRIER_TIMEOUT_MS (default 30000); succeeds when k6 fails after the timeout (make demo-legacy)
#     smoke    examples/smoke.test.js
#     spike    examples/rendezvous-spike.js (VUS meet every iteration, then all send one request)
#     steps    examples/step-by-step.js (every user logs in before any starts the next step)
#     llm      examples/llm-stream.js (OpenAI-style token streams: time to first token, inter-token latency)
#
# Environment:
#   K6                 a k6 binary built with this extension. Not set: ./k6 is built with the users'
#                      documented build, `xk6 build --with github.com/xk6-barrier/xk6-barrier=.`, and xk6
#                      downloads k6 from the internet for it.
#   XK6, GO            the xk6 and go commands (default xk6, go)
#   VUS                user VUs (default 300); EVENT_IDS (default 1); BARRIER_TIMEOUT_MS
#   DEMO_REDIS_URL     use this Redis (server and barrier) instead of the embedded one. The embedded
#                      Redis (in the server's process) serves up to about 1,000 VUs: VUS=1000 barrier
#                      is met in about 2s; at VUS=5000 it falls behind, joins fail with `redis:
#                      connection pool timeout` and the run aborts. Past 1,000 VUs start a real Redis
#                      (redis-server, or docker run -p 6379:6379 redis) and set, e.g.,
#                      DEMO_REDIS_URL=redis://127.0.0.1:6379/0 (VUS=5000 barrier is then met in ~10s).
#   WAITINGROOM_FLAGS  extra server flags, e.g. '-promote-before-open' (the barrier test passes anyway)
#                      or '-login-fail-rate 0.01' (the controller fails fast and says who is missing)
#   BARRIER_ON_REDIS   set (e.g. 1): spike and steps put their barrier on the Redis too (else in-process)
#   START_TIMEOUT      seconds to wait for the server's "listening" line (default 120: it is built first)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-barrier}
[ $# -gt 0 ] && shift
GO=${GO:-go}
XK6=${XK6:-xk6}
VUS=${VUS:-300}
EVENT_IDS=${EVENT_IDS:-1}
START_TIMEOUT=${START_TIMEOUT:-120}
WAITINGROOM_FLAGS=${WAITINGROOM_FLAGS:-}

say() { echo "demo: $*" >&2; }
mask() { sed 's#//[^@/ ]*@#//***@#g' <<<"$*"; } # hides a Redis URL's user and password
die() { say "$*"; exit 1; }

server_flags=()
k6_env=()
case $mode in
  barrier)
    script=examples/sse-throughput-test.js
    k6_env+=(-e "BARRIER_TIMEOUT_MS=${BARRIER_TIMEOUT_MS:-300000}")
    ;;
  legacy)
    script=examples/legacy-zcard-barrier.js
    server_flags+=(-promote-before-open)
    k6_env+=(-e "BARRIER_TIMEOUT_MS=${BARRIER_TIMEOUT_MS:-30000}")
    ;;
  smoke)
    script=examples/smoke.test.js
    ;;
  spike)
    script=examples/rendezvous-spike.js
    ;;
  steps)
    script=examples/step-by-step.js
    ;;
  llm)
    script=examples/llm-stream.js
    ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown mode '$mode' (want barrier, legacy, smoke, spike, steps or llm; see examples/demo.sh -h)" ;;
esac
[[ $VUS =~ ^[1-9][0-9]*$ ]] || die "VUS must be a positive integer, got '$VUS'"

# The k6 binary: K6 if given, else the users' documented build.
if [ -n "${K6:-}" ]; then
  [ -x "$K6" ] || die "K6=$K6 is not an executable file"
else
  command -v "$XK6" >/dev/null ||
    die "K6 is not set and '$XK6' is not installed: build k6 with this extension (go install go.k6.io/xk6/cmd/xk6@latest, then xk6 build --with github.com/xk6-barrier/xk6-barrier=.) and run with K6=/path/to/k6"
  say "K6 is not set: building ./k6 with '$XK6 build --with github.com/xk6-barrier/xk6-barrier=.'; xk6 downloads k6 from the internet for it"
  GOWORK=off "$XK6" build --with github.com/xk6-barrier/xk6-barrier=. --output ./k6  # go.work (the shim) is for our own builds only
  K6=./k6
fi

# Build the server first, so that the process we start (and stop) is the server itself: `go run` would
# leave its child running when it is killed.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xk6-barrier-demo.XXXXXX")
server_pid=
k6_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$k6_pid" ] && kill -0 "$k6_pid" 2>/dev/null; then
    say "stopping k6 (pid $k6_pid)"
    kill -TERM "$k6_pid" 2>/dev/null || true
    wait "$k6_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    say "stopping the waiting room (pid $server_pid)"
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      say "the waiting room did not stop within 10s: killing it"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
# Ctrl-C reaches k6 too (one process group): let it stop gracefully and print its summary. A TERM
# sent to this script alone is passed on to k6 by cleanup.
on_int() {
  if [ -n "$k6_pid" ]; then wait "$k6_pid" 2>/dev/null || true; fi
  exit 130
}
trap cleanup EXIT
trap on_int INT
trap 'exit 143' TERM

say "building the waiting room"
"$GO" build -o "$tmp/waitingroom" ./examples/waitingroom

users=$((VUS > 1000 ? VUS : 1000))
redis_flag=(-redis=)
[ -n "${DEMO_REDIS_URL:-}" ] && redis_flag=(-redis "$DEMO_REDIS_URL")
# shellcheck disable=SC2206 # WAITINGROOM_FLAGS is split into flags on purpose
extra=($WAITINGROOM_FLAGS)
"$tmp/waitingroom" -addr 127.0.0.1:0 "${redis_flag[@]}" -users "$users" \
  ${server_flags[@]+"${server_flags[@]}"} ${extra[@]+"${extra[@]}"} \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
say "waiting room started (pid $server_pid), waiting for its listening line (at most ${START_TIMEOUT}s)"

base_url=
deadline=$((SECONDS + START_TIMEOUT))
while [ -z "$base_url" ]; do
  base_url=$(sed -n 's#^waitingroom listening on \(http://[^ ]*\)$#\1#p' "$tmp/server.out" | head -n1)
  [ -n "$base_url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    server_pid=
    cat "$tmp/server.out" "$tmp/server.err" >&2
    die "the waiting room exited before it listened"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    cat "$tmp/server.out" "$tmp/server.err" >&2
    die "the waiting room did not print its listening line within ${START_TIMEOUT}s"
  fi
  sleep 0.1
done
if [ -n "${DEMO_REDIS_URL:-}" ]; then
  redis_url=$DEMO_REDIS_URL
else
  redis_url=$(sed -n 's#^embedded redis at \(redis://[^ ]*\)$#\1#p' "$tmp/server.out" | head -n1)
  [ -n "$redis_url" ] || die "no 'embedded redis at' line in the waiting room's output: $(cat "$tmp/server.out")"
fi
say "waiting room at $base_url, redis at $(mask "$redis_url")"

run_id=demo-$(date +%s)
k6_args=(run -e "VUS=$VUS" -e "EVENT_IDS=$EVENT_IDS" -e "BASE_URL=$base_url")
if [ "$mode" = barrier ] || [ -n "${BARRIER_ON_REDIS:-}" ]; then
  k6_args+=(-e "REDIS_URL=$redis_url" -e "RUN_ID=$run_id")
fi
k6_args+=(${k6_env[@]+"${k6_env[@]}"} "$@" "$script")
say "$(mask "$K6 ${k6_args[*]}")"
started=$SECONDS
# k6 runs in the background with `wait`, so that a signal to this script is handled at once.
"$K6" "${k6_args[@]}" &
k6_pid=$!
k6_rc=0
wait "$k6_pid" || k6_rc=$?
k6_pid=
elapsed=$((SECONDS - started))
say "k6 exited with $k6_rc after ${elapsed}s"

if [ "$mode" = legacy ]; then
  timeout_s=$(( ${BARRIER_TIMEOUT_MS:-30000} / 1000 ))
  if [ "$k6_rc" -ne 0 ] && [ "$elapsed" -lt "$timeout_s" ]; then
    die "k6 failed after ${elapsed}s, before the legacy controller's ${timeout_s}s timeout: that is not the hang; see k6's output"
  fi
  if [ "$k6_rc" -ne 0 ]; then
    say "as expected: the legacy ZCARD controller never saw $VUS users waiting at once (they were promoted while others joined), polled until its timeout and failed. examples/sse-throughput-test.js does not hang: make demo WAITINGROOM_FLAGS=-promote-before-open"
    exit 0
  fi
  die "the legacy controller passed: the queue held every user at one moment (try more VUS or a higher -promote-rate)"
fi
exit "$k6_rc"
