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

func TestStatusText(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 10, RunID: run}, ids(1, 6), "login", 7)

	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run, "--parties", "10", "--quorum", "9", "--max-failures", "1"))
	out := ts.Stdout.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"barrier    " + run + "/default",
		"outcome    pending",
		"parties    10 (from --parties)",
		"quorum     9, max failures 1",
		"released   no",
		"joined     6/10",
		"failed     1 (login=1)",
		"accounted  7",
		"missing    3 (8, 9, 10)",
		"K6_BARRIER_JOINED:{" + run + "}",
		"K6_BARRIER_LOGIN_FAIL:{" + run + "}",
	} {
		assert.Contains(t, out, want)
	}
}

func TestStatusJSON(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 4, RunID: run, Name: "checkout", TTL: 3600e9}, ids(1, 4), "")
	// The parties the barrier recorded in its META hash.
	rdb := srv.Client(t)
	meta := "K6_BARRIER_META:{" + run + "}:checkout"
	require.NoError(t, rdb.HSet(ctxOf(t), meta, "parties", "4", "created", "1700000000000").Err())

	ts := newState(t, "", 0)
	ts.Env["REDIS_URL"] = srv.URL // the fallback variable
	ts.Env[EnvRunID] = run
	require.NoError(t, execute(t, ts, "status", "--name", "checkout", "--json"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got), ts.Stdout.String())
	t.Log(ts.Stdout.String())
	assert.Equal(t, true, got["found"])
	assert.Equal(t, run, got["runId"])
	assert.Equal(t, "checkout", got["name"])
	assert.Equal(t, "K6_BARRIER", got["keyPrefix"])
	assert.Equal(t, srv.Addr, got["redis"])
	assert.Equal(t, "met", got["outcome"])
	assert.Equal(t, true, got["released"])
	assert.EqualValues(t, 4, got["parties"])
	assert.Equal(t, "meta", got["partiesFrom"])
	assert.EqualValues(t, 4, got["quorum"])
	assert.EqualValues(t, 0, got["maxFailures"])
	assert.EqualValues(t, 4, got["joined"])
	assert.EqualValues(t, 0, got["failed"])
	assert.EqualValues(t, 4, got["accounted"])
	assert.EqualValues(t, 0, got["missingCount"])
	assert.Equal(t, "2023-11-14T22:13:20Z", got["createdAt"])
	keys, ok := got["keys"].([]any)
	require.True(t, ok, "keys is a list")
	require.Len(t, keys, 2)
	first := keys[0].(map[string]any)
	assert.Equal(t, "K6_BARRIER_JOINED:{"+run+"}:checkout", first["key"])
	assert.Equal(t, "set", first["type"])
	ttl := first["ttlMs"].(float64)
	assert.True(t, ttl > 3500e3 && ttl <= 3600e3, "ttl %v of a 1h barrier", ttl)
	second := keys[1].(map[string]any)
	assert.Equal(t, meta, second["key"])
	metaTTL := second["ttlMs"].(float64)
	assert.True(t, metaTTL > 3500e3 && metaTTL <= 3600e3, "META's ttl %v of a 1h barrier", metaTTL)
	assert.Equal(t, first["ttlMs"], got["ttlMs"], "the barrier's TTL is that of its first key to expire: META has none")
}

func TestStatusNotFound(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	for _, args := range [][]string{
		{"status", "--run-id", run, "--parties", "3"},
		{"status", "--run-id", run, "--json"},
	} {
		ts := newState(t, srv.URL, int(ExitNotFound))
		err := execute(t, ts, args...)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "barrier "+run+"/default not found in redis "+srv.Addr)
		assert.Contains(t, err.Error(), "K6_BARRIER_*:{"+run+"}")
		assert.Contains(t, err.Error(), "the key prefix (--key-prefix)")
		if args[len(args)-1] == "--json" {
			var got map[string]any
			require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got))
			assert.Equal(t, false, got["found"])
			assert.Equal(t, run, got["runId"])
		} else {
			assert.Empty(t, ts.Stdout.String())
		}
	}
}

func TestStatusUnknownParties(t *testing.T) {
	run := redistest.Prefix(t)
	srv := testServer(t, run)
	seed(t, srv.URL, barrier.Options{Parties: 5, RunID: run}, ids(1, 2), "")
	forgetParties(t, srv, barrier.Options{Parties: 5, RunID: run})
	ts := newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run))
	assert.Contains(t, ts.Stdout.String(), "outcome    unknown (the barrier recorded no parties: pass --parties)")
	assert.Contains(t, ts.Stdout.String(), "joined     2/?")

	ts = newState(t, srv.URL, 0)
	require.NoError(t, execute(t, ts, "status", "--run-id", run, "--json"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(ts.Stdout.Bytes(), &got))
	assert.Equal(t, "unknown", got["outcome"])
	assert.NotContains(t, got, "parties")
	assert.NotContains(t, got, "missingCount")
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no redis", nil, []string{"status", "--run-id", "r"}, "no Redis URL: give --redis"},
		{"no run id", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status"}, "no run id: give --run-id, or set K6_BARRIER_RUN_ID"},
		{"unknown flag", nil, []string{"status", "--nope"}, "unknown flag: --nope"},
		{"bad parties", nil, []string{"status", "--parties", "-1"}, "--parties must be at least 1"},
		{"bad url", map[string]string{EnvRedis: "http://u:hunter2@h"}, []string{"status", "--run-id", "r"}, `unsupported URL scheme "http"`},
		{"bad run id", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--run-id", "a{b}"}, "option runId"},
		{"bad timeout", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"watch", "--run-id", "r", "--timeout", "-1s"}, "--timeout must be"},
		{"name and all", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"reset", "--run-id", "r", "--all", "--name", "x"}, "not both"},
		{"list args", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"list", "a", "b"}, "accepts at most 1 arg"},
		{"list pattern", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"list", "a{b"}, "run id pattern"},
		{"parties 0", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--run-id", "r", "--parties", "0"}, "--parties must be at least 1 and at most 10000000, got 0"},
		{"quorum beyond parties", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--run-id", "r", "--parties", "3", "--quorum", "4"}, "--quorum must be at least 1 and at most 3, got 4 (at most parties)"},
		{"max failures beyond parties", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--run-id", "r", "--parties", "3", "--max-failures", "4"}, "--max-failures must be at least 0 and at most 3, got 4"},
		{"no run id says the core's rule", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status"}, "runId is required with redis"},
		{"watch parties 0", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"watch", "--run-id", "r", "--parties", "0"}, "--parties must be at least 1"},
		{"port too big", nil, []string{"status", "--run-id", "r", "--redis", "redis://u:hunter2@127.0.0.1:99999"}, `invalid port "99999"`},
		{"cluster port", nil, []string{"list", "--redis", "redis+cluster://127.0.0.1:7000,127.0.0.1:0"}, `invalid port "0"`},
		{"timeout 8d", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"watch", "--run-id", "r", "--timeout", "8d"}, "--timeout must be at least 0 and at most 7d"},
		{"timeout no unit", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"list", "--timeout", "10"}, "which has no unit"},
		{"mistyped command", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"stats"}, "unknown command \"stats\" for \"k6 x barrier\"\n\nDid you mean this?\n\tstatus"},
		{"mistyped flag", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--runid", "r"}, "unknown flag: --runid\n\nDid you mean this?\n\t--run-id"},
		{"run id of 129 characters", map[string]string{EnvRedis: "redis://127.0.0.1:1"}, []string{"status", "--run-id", strings.Repeat("é", 129)}, "at most 128 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newState(t, "", int(ExitUsage))
			for k, v := range tc.env {
				ts.Env[k] = v
			}
			err := execute(t, ts, tc.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}
