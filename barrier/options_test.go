package barrier

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string // substring of the error; "" for valid
	}{
		{"minimal in-process", Options{Parties: 1}, ""},
		{"redis with runId", Options{Parties: 10, Redis: "redis://127.0.0.1:6379", RunID: "run-1"}, ""},
		{"tls with user and password", Options{Parties: 10, Redis: "rediss://u:p@host:6380/2", RunID: "r"}, ""},
		{"cluster", Options{Parties: 10, Redis: "redis+cluster://a:7000,b:7001", RunID: "r"}, ""},
		{"parties zero", Options{}, "option parties must be at least 1 and at most 10000000"},
		{"parties negative", Options{Parties: -3}, "got -3"},
		{"redis without runId", Options{Parties: 1, Redis: "redis://h:6379"}, "option runId is required with redis"},
		{"runId with brace", Options{Parties: 1, RunID: "a}b"}, "option runId \"a}b\" is invalid"},
		{"runId with space", Options{Parties: 1, RunID: " a"}, "no leading or trailing space"},
		{"bad name", Options{Parties: 1, Name: "a b"}, "option name \"a b\" is invalid"},
		{"short ttl", Options{Parties: 1, TTL: time.Millisecond}, "option ttl must be at least 1s and at most 7d"},
		{"ttl over 7d", Options{Parties: 1, TTL: 8 * 24 * time.Hour}, "option ttl must be at least 1s and at most 7d, got 8d"},
		{"too many parties", Options{Parties: MaxParties + 1}, "option parties must be at least 1 and at most 10000000"},
		{"negative ttl", Options{Parties: 1, TTL: -time.Hour}, "option ttl must be at least 1s"},
		{"bad keyPrefix", Options{Parties: 1, KeyPrefix: "K6{X}"}, "option keyPrefix \"K6{X}\" is invalid"},
		{"bad scheme", Options{Parties: 1, RunID: "r", Redis: "http://h:6379"}, `unsupported URL scheme "http"`},
		{"no scheme", Options{Parties: 1, RunID: "r", Redis: "localhost:6379"}, "option redis:"},
		{"empty cluster seed", Options{Parties: 1, RunID: "r", Redis: "redis+cluster://a:1,,b:2"}, "empty host in the cluster seed list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				b, err := New(tt.opts)
				require.NoError(t, err, "New does no I/O, so it succeeds without a server")
				assert.Equal(t, tt.opts.WithDefaults(), b.Options())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			_, err = New(tt.opts)
			assert.Error(t, err)
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	o := Options{Parties: 5}.WithDefaults()
	assert.Equal(t, Options{Name: "default", Parties: 5, TTL: 24 * time.Hour, KeyPrefix: "K6_BARRIER"}, o)
}

func TestRedisURLErrorsHidePassword(t *testing.T) {
	t.Parallel()
	tests := []string{
		"redis://user:s3cr3t@host:6379/notanumber",
		"redis://user:s3cr3t@host:6379/0?dial_timeout=bogus",
		"redis://user:s3cr3t@ho st:6379",
		"redis://user:s3cr3t@[::1:6379",
		"redis+cluster://user:s3cr3t@a:1,b:2?pool_size=bogus",
		"ftp://user:s3cr3t@host",
	}
	for _, raw := range tests {
		err := Options{Parties: 1, RunID: "r", Redis: raw}.Validate()
		require.Error(t, err, raw)
		assert.NotContains(t, err.Error(), "s3cr3t", raw)
		t.Log(err)
	}
}

func TestValidateReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		ok     bool
	}{
		{"login", true},
		{"sse", true},
		{"sse_connect_2", true},
		{"a", true},
		{"abcdefghijklmnopqrstuvwxyz012345", true}, // 32
		{"abcdefghijklmnopqrstuvwxyz0123456", false},
		{"", false},
		{"Login", false},
		{"1st", false},
		{"_x", false},
		{"sse-connect", false},
		{"a b", false},
	}
	for _, tt := range tests {
		err := ValidateReason(tt.reason)
		if tt.ok {
			assert.NoError(t, err, tt.reason)
		} else {
			assert.ErrorContains(t, err, "invalid failure reason", tt.reason)
		}
	}
}

func TestValidateID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"1", "2", "3"} {
		assert.NoError(t, ValidateID(id, 3), id)
	}
	for _, id := range []string{"", "0", "4", "99", "-1", "+1", "01", "1.5", "1e0", " 1", "alice", "9007199254740992", "99999999999999999999999"} {
		err := ValidateID(id, 3)
		require.Error(t, err, id)
		assert.Contains(t, err.Error(), fmt.Sprintf("invalid participant id %q: the barrier counts the ids 1..3 (its parties): pass an integer in 1..3", id))
	}
}

func TestWaitOptionsResolve(t *testing.T) {
	t.Parallel()
	o := Options{Name: "default", Parties: 10}
	tests := []struct {
		name string
		w    WaitOptions
		want string
	}{
		{"defaults", WaitOptions{}, ""},
		{"quorum 1", WaitOptions{Quorum: 1}, ""},
		{"quorum = parties", WaitOptions{Quorum: 10}, ""},
		{"quorum > parties", WaitOptions{Quorum: 11}, "quorum must be at least 1 and at most 10, got 11 (at most parties)"},
		{"quorum negative", WaitOptions{Quorum: -1}, "quorum must be at least 1 and at most 10"},
		{"negative timeout", WaitOptions{Timeout: -time.Second}, "timeout must be at least 1ms and at most 7d"},
		{"negative maxFailures", WaitOptions{MaxFailures: -1}, "maxFailures must be at least 0 and at most 10, got -1 (at most parties)"},
		{"timeout over 7d", WaitOptions{Timeout: 8 * 24 * time.Hour}, "timeout must be at least 1ms and at most 7d, got 8d (0: none)"},
		{"maxFailures over parties", WaitOptions{MaxFailures: 11}, "maxFailures must be at least 0 and at most 10, got 11 (at most parties)"},
		{"negative progress", WaitOptions{Progress: -time.Second}, "progress must be at least 0 (none) and at most 7d"},
		{"timeout under 1ms", WaitOptions{Timeout: time.Microsecond}, "timeout must be at least 1ms and at most 7d, got 1µs (0: none)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.w.resolve(o)
			if tt.want != "" {
				assert.ErrorContains(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			if tt.w.Quorum == 0 {
				assert.Equal(t, 10, got.Quorum)
			}
		})
	}
}

// TestPrepareChecksOnce: each Prepare refuses bad arguments with the error its call gives, a bad
// id wrapping ErrInvalidID, and does no I/O: the in-process barrier's calls run afterwards.
func TestPrepareChecksOnce(t *testing.T) {
	t.Parallel()
	b, err := New(Options{Parties: 2, KeyPrefix: memoryPrefix(t)})
	require.NoError(t, err)
	_, err = b.PrepareJoin("3")
	require.ErrorIs(t, err, ErrInvalidID)
	_, err = b.PrepareFail("1", "Login")
	require.ErrorContains(t, err, `barrier default: fail: invalid failure reason "Login"`)
	_, err = b.PrepareFail("0", "login")
	require.ErrorIs(t, err, ErrInvalidID)
	_, err = b.PrepareLeave("x")
	require.ErrorIs(t, err, ErrInvalidID)
	_, err = b.PrepareArrive("1", ArriveOptions{Quorum: 3})
	require.ErrorContains(t, err, "arrive option quorum must be at least 1 and at most 2, got 3")
	_, err = b.PrepareWait(WaitOptions{MaxFailures: 3})
	require.ErrorContains(t, err, "wait option maxFailures must be at least 0 and at most 2, got 3")

	join, err := b.PrepareJoin("1")
	require.NoError(t, err)
	rec, err := join(testCtx(t))
	require.NoError(t, err)
	assert.True(t, rec.Counted)
	wait, err := b.PrepareWait(WaitOptions{Quorum: 1})
	require.NoError(t, err)
	res, err := wait(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, OutcomeMet, res.Outcome)
}

func TestValidateQuorumAndMaxFailures(t *testing.T) {
	t.Parallel()
	require.NoError(t, ValidateQuorum(3, 3))
	require.EqualError(t, ValidateQuorum(0, 3), "quorum must be at least 1 and at most 3, got 0 (at most parties)")
	require.EqualError(t, ValidateQuorum(4, 3), "quorum must be at least 1 and at most 3, got 4 (at most parties)")
	require.NoError(t, ValidateQuorum(MaxParties, 0), "parties unknown")
	require.Error(t, ValidateQuorum(MaxParties+1, 0))
	require.NoError(t, ValidateMaxFailures(0, 3))
	require.EqualError(t, ValidateMaxFailures(-1, 3), "maxFailures must be at least 0 and at most 3, got -1 (at most parties)")
	require.Error(t, ValidateMaxFailures(4, 3))
}
