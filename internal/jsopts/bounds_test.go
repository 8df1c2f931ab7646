package jsopts

import (
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readerOf(t *testing.T, js string, known ...string) *Reader {
	t.Helper()
	v, err := sobek.New().RunString("(" + js + ")")
	require.NoError(t, err)
	r, err := NewReader("f()", v, known, false)
	require.NoError(t, err)
	return r
}

func TestDurationAtMost(t *testing.T) {
	tests := []struct {
		js      string
		want    time.Duration
		wantErr string
	}{
		{`{}`, 0, ""},
		{`{ d: "24h" }`, 24 * time.Hour, ""},
		{`{ d: 86400000 }`, 24 * time.Hour, ""},
		{`{ d: "1d" }`, 24 * time.Hour, ""},
		{`{ d: "30s" }`, 30 * time.Second, ""},
		{`{ d: "24h1ms" }`, 0, `f(): option d must be at most 24h, got the string "24h1ms"`},
		{`{ d: 86400001 }`, 0, `f(): option d must be at most 24h, got the number 86400001`},
		{`{ d: 1e20 }`, 0, `f(): option d must be at most 24h, got the number 100000000000000000000`},
		{`{ d: "1e20" }`, 0, `f(): option d must be at most 24h, got the string "1e20"`},
		{`{ d: "2d" }`, 0, `f(): option d must be at most 24h, got the string "2d"`},
		{`{ d: "9999999999h" }`, 0, `f(): option d: invalid duration "9999999999h"`},
		{`{ d: "60000d1h" }`, 0, `f(): option d must be at most 24h`},
		{`{ d: "soon" }`, 0, `(at most 24h)`},
		{`{ d: -1 }`, 0, `invalid duration`},
	}
	for _, tc := range tests {
		d, set, err := readerOf(t, tc.js, "d").DurationAtMost("d", 24*time.Hour)
		if tc.wantErr != "" {
			require.Error(t, err, tc.js)
			assert.Contains(t, err.Error(), tc.wantErr, tc.js)
			assert.True(t, set, tc.js)
			continue
		}
		require.NoError(t, err, tc.js)
		assert.Equal(t, tc.want, d, tc.js)
		assert.Equal(t, tc.js != `{}`, set, tc.js)
	}
}

func TestIntegerIn(t *testing.T) {
	tests := []struct {
		js      string
		want    int
		wantErr string
	}{
		{`{ n: 1 }`, 1, ""},
		{`{ n: 1024 }`, 1024, ""},
		{`{ n: 0 }`, 0, "f(): option n must be a whole number from 1 to 1024 bytes, got the number 0"},
		{`{ n: 1025 }`, 0, "from 1 to 1024 bytes, got the number 1025"},
		{`{ n: 1e20 }`, 0, "from 1 to 1024 bytes, got the number 100000000000000000000"},
		{`{ n: 1.5 }`, 0, "got the number 1.5"},
		{`{ n: "5" }`, 0, `got the string "5"`},
	}
	for _, tc := range tests {
		n, _, err := readerOf(t, tc.js, "n").IntegerIn("n", 1, 1024, "bytes")
		if tc.wantErr != "" {
			require.Error(t, err, tc.js)
			assert.Contains(t, err.Error(), tc.wantErr, tc.js)
			continue
		}
		require.NoError(t, err, tc.js)
		assert.Equal(t, tc.want, n, tc.js)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24h", 90 * time.Minute: "1h30m", 5 * time.Minute: "5m", 1500 * time.Millisecond: "1.5s",
		time.Hour + time.Second: "1h0m1s",
	} {
		assert.Equal(t, want, FormatDuration(d))
	}
}
