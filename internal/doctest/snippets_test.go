package doctest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// jsFences returns the JavaScript snippets of the documents.
func jsFences(t *testing.T) []fence {
	t.Helper()
	var out []fence
	for _, file := range docFiles(t) {
		for _, f := range fences(file, readDoc(t, file)) {
			if (f.lang == "js" || f.lang == "javascript") && !strings.HasPrefix(f.marker, "session:") {
				out = append(out, f)
			}
		}
	}
	return out
}

// TestSnippets runs every JavaScript snippet of README.md and docs/*.md as a k6 script (see
// runner_test.go), or compiles it when it is marked `<!-- snippet: fragment -->`. A snippet marked
// `<!-- snippet: demo -->` runs against the demo server of examples/waitingroom (every host name
// dials it) instead of the runner's test server.
func TestSnippets(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	w := newWorld(t, srv)
	snippets := jsFences(t)
	require.NotEmpty(t, snippets)
	var demo *world // the demo server's, when a snippet needs it
	for _, f := range snippets {
		if f.marker == "snippet:demo" {
			demo = newWorld(t, srv)
			demo.demo = startDemo(t, srv)
			break
		}
	}
	for _, f := range snippets {
		name := fmt.Sprintf("%s:%d", f.file, f.line)
		t.Run(name, func(t *testing.T) {
			switch f.marker {
			case "snippet:fragment":
				require.NoError(t, compileFragment(name, f.body))
			case "", "snippet:script.js": // script.js: the script of docs/cli.md's sessions
				require.NoError(t, runScript(t, w, name, f.body, nil))
			case "snippet:demo": // against the demo server, as README.md's examples are run
				require.NoError(t, runScript(t, demo, name, f.body, nil))
			default:
				t.Fatalf("unknown marker %q (known: snippet: fragment, snippet: script.js, snippet: demo)", f.marker)
			}
		})
	}
}

// compileFragment parses a part of a script: its imports and exports as the runner rewrites them,
// the rest as the body of an async function (a fragment may await).
func compileFragment(name, src string) error {
	code, err := transform(src)
	if err != nil {
		return err
	}
	_, err = sobek.Compile(name, "(async () => {\n"+code+"\n})", false)
	return err
}

// TestRunnerFails: the runner is able to fail. Each of these scripts is broken in one way, and each
// must fail; the last, sound, must pass.
func TestRunnerFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, redistest.New(t))
	broken := map[string]struct{ src, want string }{
		"throws at init":      {`throw new Error('boom');`, "init: Error: boom"},
		"syntax error":        {`export default function () {`, "SyntaxError"},
		"throws in default":   {`export default function () { throw new Error('boom'); }`, "default(): Error: boom"},
		"rejects":             {`export default async function () { await Promise.reject(new Error('boom')); }`, "Uncaught (in promise) Error: boom"},
		"unknown option":      {`import { Barrier } from 'k6/x/barrier'; const b = new Barrier({ partys: 2 }); export default function () {}`, `unknown option "partys"`},
		"failed check":        {`import { check } from 'k6'; export default function () { check(1, { 'is two': (x) => x === 2 }); }`, `check "is two" failed`},
		"test.abort":          {`import exec from 'k6/execution'; export default function () { try { exec.test.abort('no'); } catch (e) {} }`, `exec.test.abort("no")`},
		"wait times out":      {`import { Barrier } from 'k6/x/barrier'; const b = new Barrier({ parties: 2 }); export default async function () { await b.join(1); await b.wait({ timeout: '100ms' }); }`, "timeout after 100ms"},
		"redis barrier fails": {`import { Barrier } from 'k6/x/barrier'; const b = new Barrier({ parties: 1, redis: __ENV.REDIS_URL, runId: __ENV.RUN_ID }); export default async function () { await b.fail('login', 1); await b.wait({ timeout: '5s' }); }`, "failed after"},
		"stream refused":      {`import { check } from 'k6'; import sse from 'k6/x/eventsource'; export default function () { const r = sse.open('https://shop.example/', { headers: { Accept: 'application/json' } }, () => {}); check(r, { 'status 200': (x) => x.status === 200 && x.error === '' }); }`, `check "status 200" failed`},
		"unknown executor":    {`export const options = { scenarios: { a: { executor: 'constant-arrival-rate' } } }; export default function () {}`, "executor \"constant-arrival-rate\""},
		"threshold on a metric of a module not imported": {`export const options = { thresholds: { sse_time_between_events: ['p(95)<100'] } }; export default function () {}`,
			`invalid threshold defined on sse_time_between_events; reason: no metric name "sse_time_between_events" found`},
		"threshold of another metric type": {`import { Barrier } from 'k6/x/barrier'; export const options = { thresholds: { barrier_joins: ['p(95)<1'] } }; export default function () {}`,
			`unsupported aggregation method p on metric of type counter`},
		"malformed threshold": {`import { Trend } from 'k6/metrics'; const ttft = new Trend('ttft', true); export const options = { thresholds: { ttft: ['p95<1'] } }; export default function () {}`,
			`failed parsing method from expression`},
		"unknown import": {`import redis from 'k6/x/redis'; export default function () {}`, "unknown module: k6/x/redis"},
	}
	for name, tc := range broken {
		t.Run(name, func(t *testing.T) {
			err := runScript(t, w, name, tc.src, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("sound", func(t *testing.T) {
		src := `import { check } from 'k6';
import exec from 'k6/execution';
import { Barrier } from 'k6/x/barrier';
import { Trend } from 'k6/metrics';
export const options = {
  scenarios: { u: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } },
  thresholds: { barrier_wait_duration: ['p(95)<10000'], 'checks{scenario:u}': ['rate==1'], ttft: ['avg<1'] },
};
const ttft = new Trend('ttft', true);
const b = new Barrier({ parties: 3 });
export async function setup() { return { n: 3 }; }
export default async function (data) {
  await b.join(exec.vu.idInTest);
  const r = await b.wait({ timeout: '10s' });
  check(r, { 'met': (x) => x.outcome === 'met' && x.joined === data.n });
}
export async function teardown() { await b.reset(); }`
		require.NoError(t, runScript(t, w, "sound", src, nil))
	})
	t.Run("fragment", func(t *testing.T) {
		assert.NoError(t, compileFragment("ok", "const r = await room.join(17);"))
		assert.Error(t, compileFragment("bad", "const r = await room.join(17;"))
	})
}
