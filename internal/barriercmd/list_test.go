package barriercmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestList(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 3, RunID: run}, ids(1, 2), "sse", 3)
	forgetParties(t, srv, barrier.Options{Parties: 3, RunID: run})
	seed(t, srv.URL, barrier.Options{Parties: 2, RunID: run, Name: "checkout"}, ids(1, 2), "")
	require.NoError(t, srv.Client(t).HSet(ctxOf(t), "K6_BARRIER_META:{"+run+"}:checkout", "parties", "2").Err())
	// Keys that only look like a barrier's are not listed.
	other := srv.Client(t)
	require.NoError(t, other.Set(ctxOf(t), "K6_BARRIER_NOPE:{"+run+"}", "x", 0).Err())
	require.NoError(t, other.Set(ctxOf(t), "OTHER_JOINED:{"+run+"}", "x", 0).Err())

	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", globEscapeForTest(run)+"*"))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^RUN ID\s+NAME\s+JOINED\s+FAILED\s+RELEASED\s+TTL\s+PHASE$`, lines[0])
	assert.Regexp(t, `^`+regexpQuote(run)+`\s+checkout\s+2/2\s+0\s+yes\s+(24h0m0s|23h59m\d+s)\s+-$`, lines[1])
	assert.Regexp(t, `^`+regexpQuote(run)+`\s+default\s+2/\?\s+1 \(sse=1\)\s+unknown \(parties unknown\)\s+(24h0m0s|23h59m\d+s)\s+-$`, lines[2])

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", globEscapeForTest(run), "--json"))
	var got []map[string]any
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got), ts.Stdout.String())
	require.Len(t, got, 2)
	assert.Equal(t, "checkout", got[0]["name"])
	assert.Equal(t, "met", got[0]["outcome"])
	assert.EqualValues(t, 2, got[0]["parties"])
	assert.Equal(t, "default", got[1]["name"])
	assert.Equal(t, map[string]any{"sse": float64(1)}, got[1]["failures"])
	assert.NotContains(t, got[1], "missing", "list reads no missing ids")

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", "no-such-run-"+globEscapeForTest(run)))
	assert.Contains(t, ts.Stdout.String(), "no barriers under key prefix K6_BARRIER in redis "+srv.Addr)
	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "list", "no-such-run-"+globEscapeForTest(run), "--json"))
	assert.Equal(t, "[]\n", ts.Stdout.String())
}

func globEscapeForTest(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`, `\`, `\\`)
	return r.Replace(s)
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`.`, `\.`, `:`, `:`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}
