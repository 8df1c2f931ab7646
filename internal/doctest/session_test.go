package doctest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.k6.io/k6/v2/cmd/tests"
	"go.k6.io/k6/v2/errext"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/barriercmd"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// update rewrites the console sessions of docs/cli.md with the output of this run:
// go test ./internal/doctest -run TestConsoleSessions -update
//
//nolint:gochecknoglobals // a test flag, as flag.Bool must be
var update = flag.Bool("update", false, "rewrite the console sessions of docs/cli.md with the commands' output")

// The sessions' documented Redis address and the run ids they show (run- and 10 digits, as
// run-$(date +%s) makes). The test runs every command against the test Redis with fresh run ids of
// the same length (so that columns line up alike) and writes the documented ones back into the output.
const docAddr = "127.0.0.1:6379"

var docRunIDRE = regexp.MustCompile(`run-\d{10}`)

// TestConsoleSessions runs, in order, every `<!-- session: X -->` console block of docs/cli.md: each
// `$ ` line is run (export, k6 run script.js with the script of the page, k6 x barrier in-process,
// echo $?) and its output compared with the lines that follow it in the block, volatile fields (times,
// TTLs, durations, column padding) normalised.
//
// Not parallel: each `k6 x barrier` command sets go-redis's process-wide logger (redis.SetLogger, as
// the command does in its own k6 process), which would race with the Redis clients of the other
// tests of this package (their barriers' sessions dial in the background). The parallel tests wait
// while it runs.
func TestConsoleSessions(t *testing.T) {
	const file = "docs/cli.md"
	text := readDoc(t, file)
	var script string
	var sessions []fence
	for _, f := range fences(file, text) {
		switch {
		case f.marker == "snippet:script.js":
			script = f.body
		case strings.HasPrefix(f.marker, "session:"):
			require.Equal(t, "console", f.lang, "%s:%d", file, f.line)
			sessions = append(sessions, f)
		}
	}
	require.NotEmpty(t, script, "%s has no <!-- snippet: script.js --> block", file)
	require.NotEmpty(t, sessions, "%s has no <!-- session: ... --> console block", file)

	srv := redistest.New(t)
	if srv.Kind == redistest.KindEmbedded {
		t.Skip("the sessions need a real Redis (TTL and pub/sub as redis-server has them)")
	}
	s := &session{t: t, srv: srv, world: newWorld(t, srv), script: script,
		env: map[string]string{}, ids: map[string]string{}}
	s.hooks = map[string]func(cmd int){"watch": s.watchHook}
	var out strings.Builder
	last := 0
	for _, f := range sessions {
		name := strings.TrimPrefix(f.marker, "session:")
		if name == "rendezvous" {
			s.rendezvousState()
		}
		got := s.run(name, f.body)
		if *update {
			out.WriteString(text[last:f.start])
			out.WriteString(got)
			last = f.end
			continue
		}
		assert.Equal(t, normalise(f.body), normalise(got), "%s:%d: session %q differs from the commands' output (-update rewrites it):\n%s", file, f.line, name, got)
	}
	if *update {
		out.WriteString(text[last:])
		require.NoError(t, os.WriteFile(filepath.Join(repoRoot, file), []byte(out.String()), 0o600))
		t.Logf("rewrote the sessions of %s", file)
	}
}

type session struct {
	t      *testing.T
	srv    *redistest.Server
	world  *world
	script string
	env    map[string]string
	ids    map[string]string // documented run id -> the run id of this test run
	hooks  map[string]func(cmd int)
}

// runID is the fresh run id standing for the documented one doc.
func (s *session) runID(doc string) string {
	if id, ok := s.ids[doc]; ok {
		return id
	}
	n, err := rand.Int(rand.Reader, big.NewInt(9e9))
	require.NoError(s.t, err)
	id := fmt.Sprintf("run-%010d", n.Int64()+1e9)
	s.ids[doc] = id
	s.srv.Cleanup(s.t, "*{"+id+"}*")
	return id
}

// toTest turns a documented command line into the one to run here; toDoc turns output back.
func (s *session) toTest(line string) string {
	line = docRunIDRE.ReplaceAllStringFunc(line, s.runID)
	return strings.ReplaceAll(line, "redis://"+docAddr+"/0", s.srv.URL)
}

func (s *session) toDoc(out string) string {
	for doc, id := range s.ids {
		out = strings.ReplaceAll(out, id, doc)
	}
	return strings.ReplaceAll(out, s.srv.Addr, docAddr)
}

// run runs the commands of a session block and returns the block as they make it.
func (s *session) run(name, block string) string {
	var out strings.Builder
	exit := 0
	cmd := 0
	for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if !strings.HasPrefix(line, "$ ") {
			continue
		}
		out.WriteString(line + "\n")
		args := s.words(s.toTest(strings.TrimPrefix(line, "$ ")))
		switch {
		case len(args) == 0:
		case args[0] == "export":
			for _, kv := range args[1:] {
				k, v, _ := strings.Cut(kv, "=")
				s.env[k] = v
			}
		case args[0] == "echo" && len(args) == 2 && args[1] == "$?":
			fmt.Fprintf(&out, "%d\n", exit)
		case len(args) > 1 && args[0] == "k6" && args[1] == "run":
			require.NoError(s.t, s.k6run(args[2:]), line)
			exit = 0
		case len(args) > 2 && args[0] == "k6" && args[1] == "x" && args[2] == barriercmd.Name:
			var text string
			text, exit = s.barrier(name, cmd, args[3:])
			out.WriteString(s.toDoc(text))
			cmd++
		default:
			s.t.Fatalf("session %s: the test cannot run %q", name, line)
		}
	}
	return out.String()
}

var varRE = regexp.MustCompile(`\$\{?([A-Z_][A-Z0-9_]*)\}?`)

// words splits a command line as a shell would here: words, single quotes, $VAR.
func (s *session) words(line string) []string {
	var out []string
	for _, w := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(line, -1) {
		if strings.HasPrefix(w, "'") {
			out = append(out, strings.Trim(w, "'"))
			continue
		}
		out = append(out, varRE.ReplaceAllStringFunc(w, func(m string) string {
			if v, ok := s.env[varRE.FindStringSubmatch(m)[1]]; ok {
				return v
			}
			return m
		}))
	}
	return out
}

// k6run runs the page's script.js with the -e variables of args.
func (s *session) k6run(args []string) error {
	env := map[string]string{}
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-e" && i+1 < len(args):
			k, v, _ := strings.Cut(args[i+1], "=")
			env[k] = v
			i++
		case args[i] == "-q", args[i] == "script.js":
		default:
			return fmt.Errorf("k6 run: the test does not know %q", args[i])
		}
	}
	return runScript(s.t, s.world, "script.js", s.script, env)
}

// barrier runs `k6 x barrier args...` in-process as k6 runs a subcommand extension, with standard
// output and error in one stream as a terminal shows them, and returns the output and exit code.
func (s *session) barrier(name string, cmd int, args []string) (string, int) {
	ts := tests.NewGlobalTestState(s.t)
	for k, v := range s.env {
		ts.Env[k] = v
	}
	var combined syncBuffer
	ts.GlobalState.Stdout.Writer = &combined
	ts.GlobalState.Stderr.Writer = &combined
	ts.Stdin = bytes.NewBufferString("\n") // Enter at a prompt
	logger := logrus.New()
	logger.SetOutput(&combined)
	logger.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339})
	root := &cobra.Command{Use: "k6", SilenceUsage: true, SilenceErrors: true}
	x := &cobra.Command{Use: "x"}
	x.AddCommand(barriercmd.New(ts.GlobalState))
	root.AddCommand(x)
	root.SetArgs(append([]string{"x", barriercmd.Name}, args...))
	root.SetOut(ts.GlobalState.Stdout)
	root.SetErr(ts.GlobalState.Stderr)
	root.SetIn(ts.Stdin)
	if hook := s.hooks[name]; hook != nil {
		go hook(cmd)
		defer func() { <-hookDone }()
	}
	_, err := root.ExecuteC()
	code := 0
	if err != nil {
		code = -1
		var ec errext.HasExitCode
		if errors.As(err, &ec) {
			code = int(ec.ExitCode())
		}
		if !combined.endsInNewline() {
			combined.WriteString("\n") // the user's Enter
		}
		logger.Error(err.Error())
	}
	ts.ExpectedExitCode = code
	ts.OSExit(code)
	return dropRepeatedWatchLines(combined.String()), code
}

var (
	watchLineRE  = regexp.MustCompile(`^\d\d:\d\d:\d\d (barrier .*: pending: .*)$`)
	missingIDsRE = regexp.MustCompile(` \([\d, .]+\)$`)
)

// dropRepeatedWatchLines drops a watch line that repeats the line before it but for the time and the
// list of missing ids: watch prints the counts a release message carries before its read of the
// missing ids, so one change can show as two such lines, or one, depending on timing.
func dropRepeatedWatchLines(out string) string {
	lines := strings.SplitAfter(out, "\n")
	var keep []string
	prev := ""
	for _, l := range lines {
		m := watchLineRE.FindStringSubmatch(strings.TrimSuffix(l, "\n"))
		if m == nil {
			prev = ""
			keep = append(keep, l)
			continue
		}
		cur := missingIDsRE.ReplaceAllString(m[1], "")
		if cur != prev {
			keep = append(keep, l)
		}
		prev = cur
	}
	return strings.Join(keep, "")
}

// hookDone says a hook is over (one hook at a time).
//
//nolint:gochecknoglobals // shared by the hooks of the sessions, one at a time
var hookDone = make(chan struct{}, 1)

// watchHook: while the first watch of the watch session runs, participant 5 arrives two seconds in
// (k6 run -e FIRST_ID=5 -e VUS=1 script.js, from another shell).
func (s *session) watchHook(cmd int) {
	if cmd == 0 {
		time.Sleep(2 * time.Second)
		assert.NoError(s.t, runScript(s.t, s.world, "script.js", s.script, map[string]string{
			"REDIS_URL": s.env["REDIS_URL"], "K6_BARRIER_RUN_ID": s.env["K6_BARRIER_RUN_ID"], "FIRST_ID": "5", "VUS": "1",
		}))
	}
	hookDone <- struct{}{}
}

// rendezvousState makes the rendezvous session's barrier: spike, 3 parties released phase 0,
// participant 3 left, participant 1 waits at phase 1 (until the test ends).
func (s *session) rendezvousState() {
	run := s.runID("run-1764675433")
	b, err := barrier.New(barrier.Options{Name: "spike", Parties: 3, Redis: s.srv.URL, RunID: run})
	require.NoError(s.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s.t.Cleanup(cancel)
	var wg sync.WaitGroup
	for _, id := range []string{"1", "2", "3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.Arrive(ctx, id, barrier.ArriveOptions{})
			assert.NoError(s.t, err)
		}()
	}
	wg.Wait()
	_, err = b.Leave(ctx, "3")
	require.NoError(s.t, err)
	waiting, stop := context.WithCancel(ctx)
	s.t.Cleanup(stop)
	go func() { _, _ = b.Arrive(waiting, "1", barrier.ArriveOptions{}) }()
	require.Eventually(s.t, func() bool {
		n, err := b.Arrived(ctx)
		return err == nil && n == 1
	}, 10*time.Second, 10*time.Millisecond)
}

// syncBuffer is a bytes.Buffer safe for the command's and the logger's writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) WriteString(s string) { _, _ = b.Write([]byte(s)) }

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) endsInNewline() bool {
	s := b.String()
	return s == "" || strings.HasSuffix(s, "\n")
}

//nolint:gochecknoglobals // compiled regexps
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<time>"},
	{regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d `), "<hh:mm:ss> "},
	{regexp.MustCompile(`"(ttlMs|createdAt|settledAt)":("[^"]*"|-?\d+)`), `"$1":<v>`},
	{regexp.MustCompile(`\b\d+h\d+m\d+s\b`), "<ttl>"},
	{regexp.MustCompile(`(watching) \d+(\.\d+)?(µs|ms|s)`), "$1 <d>"},
	{regexp.MustCompile(`[ \t]+`), " "},
}

// normalise replaces what differs from run to run.
func normalise(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return strings.TrimSpace(s)
}

// TestSessionComparison: the comparison ignores what changes from run to run, and nothing else.
func TestSessionComparison(t *testing.T) {
	t.Parallel()
	doc := "14:52:09 barrier run-1/default: pending: joined 3/5, missing 1 (5)\n" +
		`{"ttlMs":86399864,"joined":3}` + "\ncreated    2026-12-02T14:50:55Z\nttl        24h0m0s\n"
	same := "09:01:02 barrier run-1/default: pending: joined 3/5, missing 1 (5)\n" +
		`{"ttlMs":86399001,"joined":3}` + "\ncreated  2027-01-01T00:00:00Z\nttl  23h59m59s\n"
	assert.Equal(t, normalise(doc), normalise(same))
	assert.NotEqual(t, normalise(doc), normalise(strings.Replace(same, "joined 3/5", "joined 4/5", 1)))
	assert.NotEqual(t, normalise(doc), normalise(strings.Replace(same, `"joined":3`, `"joined":4`, 1)))
	twice := "10:00:00 barrier r/default: pending: joined 3/5, missing 1 (5)\n10:00:01 barrier r/default: pending: joined 3/5, missing 1\n"
	assert.Equal(t, "10:00:00 barrier r/default: pending: joined 3/5, missing 1 (5)\n", dropRepeatedWatchLines(twice))
}
