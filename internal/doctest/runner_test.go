package doctest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/js/modulestest"
	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/jsbarrier"
	"github.com/xk6-barrier/xk6-barrier/internal/jseventsource"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// How a snippet runs, as k6 would run it as a script (k6 run script.js):
//
//   - Real: k6/x/barrier and k6/x/eventsource (the modules' Go code, on the k6 shim's modulestest
//     runtime and event loop: one runtime per VU, as k6 has), Redis (REDIS_URL names the test's
//     Redis), HTTP (k6/http and the streams go over TCP to a local test server).
//   - Stand-ins, as small as the snippets need: k6's own modules. `k6`: check (records every check;
//     a failed check fails the test), sleep (sleeps), group (calls its function), fail (throws).
//     `k6/execution`: vu.idInTest and the iteration counters of the plan below, scenario.name,
//     test.abort (fails the test). `k6/http`: get, post, del, put, request, with a response's status,
//     body, headers and json(). `k6/metrics`: Counter, Gauge, Rate, Trend register their metric (add
//     records nothing). A console that logs to the test's log.
//   - The options, checked as k6 checks them before the test starts, after the first VU's init code
//     has registered its metrics: each threshold's expression is parsed and its metric must exist and
//     support its aggregation method (k6 exits 104 otherwise, e.g. on a threshold on an sse_* metric
//     of a script that does not import k6/x/eventsource), and each scenario's exec function must be
//     exported.
//   - The network: every host name dials the test server (port 443: its TLS listener, whose
//     certificate is not checked, as with k6's insecureSkipTLSVerify; port 1: refused, as a port
//     where nothing listens; other ports: its plain one). The
//     server answers a request that accepts text/event-stream with a stream of three events
//     (QUEUE_POSITION, a message, IN_PROGRESS) then holds it open, except a POST to
//     /v1/chat/completions: an OpenAI-style token stream (three chunks, then `data: [DONE]`, then the
//     end of the stream); any other request with 200 and {"ok":true}.
//   - In-process barriers of one snippet share their state, as in one k6 process; between snippets
//     they do not (the runner gives a Barrier without redis a keyPrefix of the snippet's own).
//   - The plan: `options.scenarios` of executors per-vu-iterations or shared-iterations (vus and
//     iterations, exec), or `options.vus` / `options.iterations`, else one VU and one iteration.
//     setup() once before, teardown(data) once after, data passed as JSON as k6 does. VU ids are
//     1..N in the order of the scenarios.
//
// The run fails when the options are invalid, the script throws (at init or in a function), a Promise rejects unhandled, a
// check fails, test.abort() is called, or it takes longer than runTimeout.

const runTimeout = 2 * time.Minute

// world is what a snippet's network and Redis are.
type world struct {
	srv      *redistest.Server
	redisURL string
	plain    *httptest.Server
	tls      *httptest.Server
	client   *http.Client
	// demo, when set, is the address (host:port) of the demo server that every connection dials
	// instead of the test servers (the snippets marked demo).
	demo string
}

func newWorld(t *testing.T, srv *redistest.Server) *world {
	t.Helper()
	w := &world{srv: srv, redisURL: srv.URL}
	w.plain = httptest.NewServer(http.HandlerFunc(serve))
	w.tls = httptest.NewTLSServer(http.HandlerFunc(serve))
	t.Cleanup(w.plain.Close)
	t.Cleanup(w.tls.Close)
	tr := &http.Transport{DialContext: w.DialContext, TLSClientConfig: insecureTLS()}
	t.Cleanup(tr.CloseIdleConnections)
	w.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return w
}

// insecureTLS does not check the test server's certificate, which is for 127.0.0.1, not for the
// snippets' host names (as k6's insecureSkipTLSVerify).
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// DialContext dials the test server whatever the host: its TLS listener for port 443, else its plain
// one; port 1 is refused.
func (w *world) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if port == "1" {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var d net.Dialer
	if w.demo != "" {
		return d.DialContext(ctx, network, w.demo)
	}
	target := w.plain.Listener.Addr().String()
	if port == "443" {
		target = w.tls.Listener.Addr().String()
	}
	return d.DialContext(ctx, network, target)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions" &&
		strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		serveCompletion(w, r)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = io.WriteString(w, "id: 1\nevent: QUEUE_POSITION\ndata: {\"position\":1}\n\n"+
			"id: 2\ndata: you are next\n\n"+
			"id: 3\nevent: IN_PROGRESS\ndata: {\"eventId\":7}\n\n")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// serveCompletion answers an OpenAI-style streamed chat completion: a chunk per token, a few
// milliseconds apart (so that timeBetweenEvents has gaps to record), then `data: [DONE]`, and ends
// the stream.
func serveCompletion(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	f, _ := w.(http.Flusher)
	for _, tok := range []string{"Hello", ",", " world"} {
		b, err := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": tok}}}})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
		if f != nil {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
}

// --- the script's source: ES modules to what the shim's runtime runs ---

var (
	importDefaultAndNamedRE = regexp.MustCompile(`(?m)^import\s+([\w$]+)\s*,\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"];?`)
	importNamedRE           = regexp.MustCompile(`(?m)^import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"];?`)
	importNamespaceRE       = regexp.MustCompile(`(?m)^import\s+\*\s+as\s+([\w$]+)\s+from\s*['"]([^'"]+)['"];?`)
	importDefaultRE         = regexp.MustCompile(`(?m)^import\s+([\w$]+)\s+from\s*['"]([^'"]+)['"];?`)
	importAnyRE             = regexp.MustCompile(`(?m)^import\b.*$`)
	exportDefaultRE         = regexp.MustCompile(`(?m)^export\s+default\s+`)
	exportFunctionRE        = regexp.MustCompile(`(?m)^export\s+((?:async\s+)?function\s*\*?\s*([\w$]+))`)
	exportVarRE             = regexp.MustCompile(`(?m)^export\s+((?:const|let|var)\s+([\w$]+))`)
	exportAnyRE             = regexp.MustCompile(`(?m)^export\b.*$`)
	statementRE             = regexp.MustCompile(`;[ \t]+(import|export)\b`)
	asRE                    = regexp.MustCompile(`\b([\w$]+)\s+as\s+([\w$]+)`)
)

// transform rewrites a snippet's ES module syntax into a script: imports become require() calls
// (lines kept), exports assignments to __exports.
func transform(src string) (string, error) {
	src = statementRE.ReplaceAllString(src, ";\n$1") // one import or export per line
	named := func(list string) string { return "{" + asRE.ReplaceAllString(list, "$1: $2") + "}" }
	src = importDefaultAndNamedRE.ReplaceAllStringFunc(src, func(m string) string {
		p := importDefaultAndNamedRE.FindStringSubmatch(m)
		return fmt.Sprintf("const %s = __default(require(%q)); const %s = require(%q);", p[1], p[3], named(p[2]), p[3])
	})
	src = importNamedRE.ReplaceAllStringFunc(src, func(m string) string {
		p := importNamedRE.FindStringSubmatch(m)
		return fmt.Sprintf("const %s = require(%q);", named(p[1]), p[2])
	})
	src = importNamespaceRE.ReplaceAllString(src, `const $1 = require("$2");`)
	src = importDefaultRE.ReplaceAllString(src, `const $1 = __default(require("$2"));`)
	if m := importAnyRE.FindString(src); m != "" {
		return "", fmt.Errorf("an import the runner does not understand: %s", m)
	}
	var names []string
	src = exportDefaultRE.ReplaceAllString(src, "__exports.default = ")
	for _, re := range []*regexp.Regexp{exportFunctionRE, exportVarRE} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			names = append(names, m[2])
		}
		src = re.ReplaceAllString(src, "$1")
	}
	if m := exportAnyRE.FindString(src); m != "" {
		return "", fmt.Errorf("an export the runner does not understand: %s", m)
	}
	var tail strings.Builder
	for _, n := range names {
		fmt.Fprintf(&tail, "__exports.%s = %s; ", n, n)
	}
	return src + "\n;" + tail.String() + "\n", nil
}

// prelude sets up, in each VU's runtime, the stand-ins of k6's modules and the require() that
// resolves them beside the real Go modules.
const prelude = `
globalThis.__exports = {};
globalThis.__execState = {};
globalThis.__default = (m) => (m && m.default !== undefined ? m.default : m);
globalThis.console = {
  log: (...a) => __log('info', a.map(String).join(' ')),
  info: (...a) => __log('info', a.map(String).join(' ')),
  debug: (...a) => __log('debug', a.map(String).join(' ')),
  warn: (...a) => __log('warn', a.map(String).join(' ')),
  error: (...a) => __log('error', a.map(String).join(' ')),
};
const __standins = {
  'k6': () => ({
    check(val, sets, tags) {
      let all = true;
      for (const [name, fn] of Object.entries(sets || {})) {
        const ok = typeof fn === 'function' ? !!fn(val) : !!fn;
        __recordCheck(name, ok);
        all = all && ok;
      }
      return all;
    },
    sleep: (s) => __sleep(Number(s)),
    group: (name, fn) => fn(),
    fail: (msg) => { throw new Error(msg === undefined ? 'fail' : msg); },
  }),
  'k6/execution': () => ({
    get vu() { return __execState.vu; },
    get scenario() { return __execState.scenario; },
    get instance() { return __execState.instance; },
    test: { abort(reason) { __abort(String(reason === undefined ? '' : reason)); throw new Error('test aborted: ' + reason); } },
  }),
  'k6/metrics': () => {
    const kind = (type) => function (name, isTime) {
      __newMetric(String(name), type, !!isTime);
      this.name = String(name);
      this.add = () => true;
    };
    return { Counter: kind('counter'), Gauge: kind('gauge'), Rate: kind('rate'), Trend: kind('trend') };
  },
  'k6/http': () => {
    const response = (r) => Object.assign(r, { json() { return JSON.parse(r.body); } });
    const req = (method, url, body, params) => response(__http(method, String(url),
      body === undefined || body === null ? '' : (typeof body === 'string' ? body : JSON.stringify(body)),
      (params && params.headers) || {}));
    return {
      request: req,
      get: (url, params) => req('GET', url, null, params),
      del: (url, body, params) => req('DELETE', url, body, params),
      post: (url, body, params) => req('POST', url, body, params),
      put: (url, body, params) => req('PUT', url, body, params),
    };
  },
};
(() => {
  const goRequire = require;
  const cache = {};
  const isolate = (m) => {
    const Real = m.Barrier;
    function Barrier(options) {
      const o = Object.assign({}, options);
      if (!o.redis && o.keyPrefix === undefined) o.keyPrefix = __ISOLATE_PREFIX;
      return new Real(o);
    }
    return Object.assign({}, m, { Barrier });
  };
  globalThis.require = (name) => {
    if (!(name in cache)) {
      if (name in __standins) cache[name] = __standins[name]();
      else if (name === 'k6/x/barrier') cache[name] = isolate(goRequire(name));
      else cache[name] = goRequire(name);
    }
    return cache[name];
  };
})();
globalThis.__run = (fname, dataJSON) => {
  const f = __exports[fname];
  if (typeof f !== 'function') throw new Error('the script exports no function ' + fname);
  const r = f(dataJSON === '' ? undefined : JSON.parse(dataJSON));
  if (r && typeof r.then === 'function') r.then((v) => { globalThis.__result = v; });
  else globalThis.__result = r;
};
`

// runner runs one script.
type runner struct {
	t      *testing.T
	world  *world
	name   string
	code   string
	env    map[string]string
	prefix string

	mu       sync.Mutex
	failures []string
	iters    map[string]*atomic.Int64
	vus      []*modulestest.Runtime
}

func (r *runner) failf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// newVU makes a VU's runtime and runs the script's init code in it.
func (r *runner) newVU() (*modulestest.Runtime, error) {
	rt := modulestest.NewRuntime(r.t)
	if err := rt.SetupModuleSystem(map[string]any{
		"k6/x/barrier":     jsbarrier.NewRootModule(),
		"k6/x/eventsource": jseventsource.NewRootModule(),
	}, nil, nil); err != nil {
		return nil, err
	}
	js := rt.VU.Runtime()
	env := js.NewObject()
	for k, v := range r.env {
		_ = env.Set(k, v)
	}
	set := map[string]any{
		"__ENV":            env,
		"__ISOLATE_PREFIX": r.prefix,
		"__log": func(level, msg string) {
			r.t.Logf("%s: console.%s: %s", r.name, level, msg)
		},
		"__recordCheck": func(name string, ok bool) {
			if !ok {
				r.failf("check %q failed", name)
			}
		},
		"__sleep": func(s float64) { time.Sleep(time.Duration(s * float64(time.Second))) },
		"__abort": func(reason string) { r.failf("exec.test.abort(%q)", reason) },
		"__http":  r.http,
		"__newMetric": func(name, kind string, isTime bool) error {
			types := map[string]metrics.MetricType{"counter": metrics.Counter, "gauge": metrics.Gauge, "rate": metrics.Rate, "trend": metrics.Trend}
			var vt []metrics.ValueType
			if isTime {
				vt = append(vt, metrics.Time)
			}
			_, err := rt.VU.InitEnvField.Registry.NewMetric(name, types[kind], vt...)
			return err
		},
	}
	for k, v := range set {
		if err := js.Set(k, v); err != nil {
			return nil, err
		}
	}
	if _, err := js.RunString(prelude); err != nil {
		return nil, fmt.Errorf("prelude: %w", err)
	}
	if _, err := js.RunScript(r.name, r.code); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	r.mu.Lock()
	r.vus = append(r.vus, rt)
	r.mu.Unlock()
	return rt, nil
}

func (r *runner) http(method, url, body string, headers map[string]any) map[string]any {
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return map[string]any{"status": 0, "body": "", "error": err.Error(), "headers": map[string]any{}}
	}
	for k, v := range headers {
		req.Header.Set(k, fmt.Sprint(v))
	}
	res, err := r.world.client.Do(req)
	if err != nil {
		return map[string]any{"status": 0, "body": "", "error": err.Error(), "headers": map[string]any{}}
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	h := map[string]any{}
	for k := range res.Header {
		h[k] = res.Header.Get(k)
	}
	return map[string]any{"status": res.StatusCode, "body": string(b), "error": "", "headers": h}
}

// toVU leaves the init context as VU id of scenario.
func (r *runner) toVU(rt *modulestest.Runtime, id uint64, scenario string) {
	logger := logrus.New()
	logger.SetOutput(logWriter{r})
	logger.SetLevel(logrus.InfoLevel)
	samples := make(chan metrics.SampleContainer, 1000)
	go func() {
		for range samples {
		}
	}()
	r.t.Cleanup(func() { close(samples) })
	jar, _ := cookiejar.New(nil)
	tags := metrics.DefaultSystemTagSet
	tr := &http.Transport{DialContext: r.world.DialContext, TLSClientConfig: insecureTLS()}
	r.t.Cleanup(tr.CloseIdleConnections)
	rt.MoveToVUContext(&lib.State{
		Options:        lib.Options{UserAgent: null.StringFrom("k6/2.2.0 (https://k6.io/)"), SystemTags: &tags},
		BuiltinMetrics: rt.BuiltinMetrics,
		Logger:         logger,
		Dialer:         r.world,
		Transport:      tr,
		CookieJar:      jar,
		TLSConfig:      insecureTLS(),
		Samples:        samples,
		VUID:           id,
		VUIDGlobal:     id,
		Tags:           lib.NewVUStateTags(metrics.NewRegistry().RootTagSet().With("scenario", scenario)),
	})
}

type logWriter struct{ r *runner }

func (w logWriter) Write(p []byte) (int, error) {
	w.r.t.Logf("%s: %s", w.r.name, strings.TrimSpace(string(p)))
	return len(p), nil
}

// call runs the exported function fname of the VU rt with data (JSON, "" for none) and the execution
// state ex, on the VU's event loop, and returns the JSON of its (awaited) result.
func (r *runner) call(rt *modulestest.Runtime, fname, data string, ex map[string]any) (string, error) {
	js := rt.VU.Runtime()
	if err := js.Set("__execState", ex); err != nil {
		return "", err
	}
	if _, err := rt.RunOnEventLoop(fmt.Sprintf("__run(%q, %q)", fname, data)); err != nil {
		return "", fmt.Errorf("%s(): %w", fname, err)
	}
	v := js.Get("__result")
	if v == nil || sobek.IsUndefined(v) {
		return "", nil
	}
	b, err := json.Marshal(v.Export())
	return string(b), err
}

func (r *runner) hasExport(rt *modulestest.Runtime, name string) bool {
	v, err := rt.VU.Runtime().RunString(fmt.Sprintf("typeof __exports[%q] === 'function'", name))
	return err == nil && v.ToBoolean()
}

// checkThresholds checks the thresholds option as k6 does before the test starts: after the init
// code of the first VU rt, against the metrics registered by then (k6's, the modules' and the
// script's own).
func (r *runner) checkThresholds(rt *modulestest.Runtime) error {
	v, err := rt.VU.Runtime().RunString(`JSON.stringify((__exports.options || {}).thresholds || {})`)
	if err != nil {
		return err
	}
	var opts lib.Options
	if err := json.Unmarshal([]byte(`{"thresholds":`+v.String()+`}`), &opts); err != nil {
		return fmt.Errorf("options.thresholds: %w", err)
	}
	names := make([]string, 0, len(opts.Thresholds))
	for name := range opts.Thresholds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ts := opts.Thresholds[name]
		if err := ts.Parse(); err != nil {
			return fmt.Errorf("options (k6 exits 104 before the test starts): %w", err)
		}
		if err := ts.Validate(name, rt.VU.InitEnvField.Registry); err != nil {
			return fmt.Errorf("options (k6 exits 104 before the test starts): %w", err)
		}
	}
	return nil
}

// scenario is one part of the plan.
type scenario struct {
	Name       string
	Executor   string `json:"executor"`
	VUs        int    `json:"vus"`
	Iterations int    `json:"iterations"`
	Exec       string `json:"exec"`
}

// plan reads the script's options into scenarios.
func (r *runner) plan(rt *modulestest.Runtime) ([]scenario, error) {
	v, err := rt.VU.Runtime().RunString(`JSON.stringify(__exports.options || {})`)
	if err != nil {
		return nil, err
	}
	var opts struct {
		VUs        int                 `json:"vus"`
		Iterations int                 `json:"iterations"`
		Scenarios  map[string]scenario `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(v.String()), &opts); err != nil {
		return nil, err
	}
	var out []scenario
	if len(opts.Scenarios) == 0 {
		out = []scenario{{Name: "default", Executor: "shared-iterations", VUs: opts.VUs, Iterations: opts.Iterations}}
	} else {
		// the scenarios in the order the script gives them
		order, err := rt.VU.Runtime().RunString(`JSON.stringify(Object.keys(__exports.options.scenarios))`)
		if err != nil {
			return nil, err
		}
		var names []string
		if err := json.Unmarshal([]byte(order.String()), &names); err != nil {
			return nil, err
		}
		for _, n := range names {
			s := opts.Scenarios[n]
			s.Name = n
			out = append(out, s)
		}
	}
	total := 0
	for i := range out {
		s := &out[i]
		if s.VUs == 0 {
			s.VUs = 1
		}
		if s.Iterations == 0 {
			s.Iterations = s.VUs
			if s.Executor == "per-vu-iterations" {
				s.Iterations = 1
			}
		}
		if s.Exec == "" {
			s.Exec = "default"
		}
		switch s.Executor {
		case "per-vu-iterations":
		case "shared-iterations", "":
			if s.Iterations%s.VUs != 0 {
				return nil, fmt.Errorf("scenario %s: shared-iterations with %d iterations over %d VUs: the runner needs a multiple (or use per-vu-iterations)", s.Name, s.Iterations, s.VUs)
			}
			s.Iterations /= s.VUs // each VU its share, as k6 does when they run alike
		default:
			return nil, fmt.Errorf("scenario %s: executor %q: the runner knows per-vu-iterations and shared-iterations", s.Name, s.Executor)
		}
		total += s.VUs
	}
	if total > 500 {
		return nil, fmt.Errorf("%d VUs: too many for the runner", total)
	}
	return out, nil
}

// runScript runs the snippet src (named name) as k6 would run it, with the environment env on top of
// REDIS_URL and run ids of its own; see the comment at the top of this file.
func runScript(t *testing.T, w *world, name, src string, env map[string]string) error {
	code, err := transform(src)
	if err != nil {
		return err
	}
	run := "doc-" + strings.ReplaceAll(redistest.Prefix(t), ":", "-")
	w.srv.Cleanup(t, "*{"+run+"}*")
	r := &runner{t: t, world: w, name: name, code: code, prefix: "DOCTEST_" + strings.ReplaceAll(run, "-", "_"),
		env:   map[string]string{"REDIS_URL": w.redisURL, "RUN_ID": run, "K6_BARRIER_RUN_ID": run, "TOKEN": "doc-token"},
		iters: map[string]*atomic.Int64{}}
	for k, v := range env {
		r.env[k] = v
	}
	done := make(chan error, 1)
	go func() { done <- r.run() }()
	select {
	case err = <-done:
	case <-time.After(runTimeout):
		r.stopAll()
		err = fmt.Errorf("still running after %s", runTimeout)
		if late := <-done; late != nil {
			err = fmt.Errorf("%w, then stopped: %w", err, late)
		}
	}
	if err != nil {
		return err
	}
	if len(r.failures) > 0 {
		sort.Strings(r.failures)
		return errors.New(strings.Join(r.failures, "; "))
	}
	return nil
}

func (r *runner) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rt := range r.vus {
		rt.CancelContext()
	}
}

func (r *runner) run() error {
	first, err := r.newVU()
	if err != nil {
		return err
	}
	if err := r.checkThresholds(first); err != nil {
		return err
	}
	scenarios, err := r.plan(first)
	if err != nil {
		return err
	}
	for _, s := range scenarios { // as k6 checks the scenarios before the test starts
		if !r.hasExport(first, s.Exec) {
			return fmt.Errorf("options (k6 exits 104 before the test starts): There were problems with the specified script configuration:\n\t- executor %s: function '%s' not found in exports", s.Name, s.Exec)
		}
	}
	r.toVU(first, 0, "setup")
	data := ""
	if r.hasExport(first, "setup") {
		if data, err = r.call(first, "setup", "", r.exec(0, scenario{Name: "setup"}, 0)); err != nil {
			return err
		}
	}
	type job struct {
		rt *modulestest.Runtime
		id uint64
		s  scenario
	}
	var jobs []job
	id := uint64(0)
	for _, s := range scenarios {
		r.iters[s.Name] = &atomic.Int64{}
		for range s.VUs {
			id++
			rt, err := r.newVU()
			if err != nil {
				return err
			}
			r.toVU(rt, id, s.Name)
			jobs = append(jobs, job{rt, id, s})
		}
	}
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range j.s.Iterations {
				if _, err := r.call(j.rt, j.s.Exec, data, r.exec(j.id, j.s, i)); err != nil {
					errs <- fmt.Errorf("VU %d, %s iteration %d: %w", j.id, j.s.Name, i, err)
					r.stopAll() // the others' waits end with their VU's context
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if r.hasExport(first, "teardown") {
		if _, err := r.call(first, "teardown", data, r.exec(0, scenario{Name: "teardown"}, 0)); err != nil {
			return err
		}
	}
	return nil
}

// exec is k6/execution's state for iteration i of VU id in scenario s.
func (r *runner) exec(id uint64, s scenario, i int) map[string]any {
	inTest := int64(0)
	if c := r.iters[s.Name]; c != nil {
		inTest = c.Add(1) - 1
	}
	return map[string]any{
		"vu": map[string]any{"idInTest": id, "idInInstance": id, "iterationInInstance": i, "iterationInScenario": i},
		"scenario": map[string]any{"name": s.Name, "executor": s.Executor, "iterationInTest": inTest,
			"iterationInInstance": inTest, "startTime": time.Now().UnixMilli(), "progress": 0},
		"instance": map[string]any{"vusActive": 1, "vusInitialized": 1, "iterationsCompleted": 0, "iterationsInterrupted": 0},
	}
}
