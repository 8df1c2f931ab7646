package jsopts

import (
	"math"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	ok := []struct {
		js   string
		want time.Duration
	}{
		{`1500`, 1500 * time.Millisecond},
		{`0.5`, 500 * time.Microsecond},
		{`"30s"`, 30 * time.Second},
		{`"5m"`, 5 * time.Minute},
		{`"1h30m"`, 90 * time.Minute},
		{`"2d"`, 48 * time.Hour},
		{`"1d12h"`, 36 * time.Hour},
		{`"250"`, 250 * time.Millisecond},
		{`" 5s "`, 5 * time.Second},
		{`"106751d"`, 106751 * 24 * time.Hour},
	}
	for _, tc := range ok {
		v, err := rt.RunString(tc.js)
		require.NoError(t, err)
		got, err := ParseDuration(v)
		require.NoError(t, err, tc.js)
		assert.Equal(t, tc.want, got, tc.js)
	}
	for _, js := range []string{`-1`, `"-5s"`, `"5 minutes"`, `"soon"`, `true`, `({})`, `NaN`, `Infinity`, `"d"`, `"1d-5h"`, `"1.5d"`} {
		v, err := rt.RunString(js)
		require.NoError(t, err)
		_, err = ParseDuration(v)
		require.Error(t, err, js)
		assert.Contains(t, err.Error(), "invalid duration", js)
	}
}

// TestDurationTooLarge: a value beyond time.Duration is an error wrapping ErrDurationTooLarge,
// never a wrapped-around negative duration.
func TestDurationTooLarge(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	for _, js := range []string{`Number.MAX_SAFE_INTEGER`, `1e20`, `"1e20"`, `"9999999h"`, `"65535d9999999h"`, `"99999999999999999999d"`, `"106752d"`, `"106751d23h59m"`} {
		v, err := rt.RunString(js)
		require.NoError(t, err)
		d, err := ParseDuration(v)
		require.ErrorIs(t, err, ErrDurationTooLarge, "%s gave %s", js, d)
	}
}

// TestIntegerBeyondInt: a whole number of any size reads, saturated at the int range; a fraction
// is an error.
func TestIntegerBeyondInt(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	v, err := rt.RunString(`({ n: 2**53+2, big: 1e300, neg: -1e300, f: 1.5, inf: Infinity })`)
	require.NoError(t, err)
	r, err := NewReader("call()", v, []string{"n", "big", "neg", "f", "inf"}, true)
	require.NoError(t, err)
	n, set, err := r.Integer("n")
	require.NoError(t, err)
	assert.True(t, set)
	assert.Equal(t, 1<<53+2, n)
	n, _, err = r.Integer("big")
	require.NoError(t, err)
	assert.Equal(t, math.MaxInt, n)
	n, _, err = r.Integer("neg")
	require.NoError(t, err)
	assert.Equal(t, math.MinInt, n)
	n, _, err = r.Integer("inf")
	require.NoError(t, err)
	assert.Equal(t, math.MaxInt, n)
	_, _, err = r.Integer("f")
	assert.EqualError(t, err, "call(): option f must be a whole number, got the number 1.5")
}

func TestReader(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	known := []string{"parties", "timeout", "name", "tags", "on"}
	v, err := rt.RunString(`({ parties: 3, timeout: "5s", name: "x", tags: { a: "b", n: 1 }, on: false })`)
	require.NoError(t, err)
	r, err := NewReader("call()", v, known, true)
	require.NoError(t, err)
	n, set, err := r.Integer("parties")
	assert.Equal(t, 3, n)
	assert.True(t, set)
	require.NoError(t, err)
	d, _, err := r.Duration("timeout")
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, d)
	s, err := r.String("name")
	require.NoError(t, err)
	assert.Equal(t, "x", s)
	m, err := r.StringMap("tags")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "b", "n": "1"}, m)
	b, set, err := r.Bool("on")
	require.NoError(t, err)
	assert.True(t, set)
	assert.False(t, b)
	_, set, err = r.Integer("missing")
	require.NoError(t, err)
	assert.False(t, set)

	bad := []struct{ js, want string }{
		{`({ partis: 3 })`, `call(): unknown option "partis": did you mean "parties"? (known options: parties, timeout, name, tags, on)`},
		{`({ Timeout: 3 })`, `did you mean "timeout"?`},
		{`5`, "call(): options must be an object, got the number 5"},
		{`[1]`, "options must be an object, got an array"},
		{`(() => 1)`, "options must be an object, got a function"},
	}
	for _, tc := range bad {
		v, err := rt.RunString(tc.js)
		require.NoError(t, err)
		_, err = NewReader("call()", v, known, false)
		require.Error(t, err, tc.js)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err = NewReader("call()", sobek.Undefined(), known, true)
	assert.ErrorContains(t, err, "options are required")

	v, _ = rt.RunString(`({ parties: 2.5, name: 7, tags: { a: {} }, on: "yes" })`)
	r, err = NewReader("call()", v, known, false)
	require.NoError(t, err)
	_, _, err = r.Integer("parties")
	assert.ErrorContains(t, err, "option parties must be a whole number, got the number 2.5")
	_, err = r.String("name")
	assert.ErrorContains(t, err, "option name must be a string, got the number 7")
	_, err = r.StringMap("tags")
	assert.ErrorContains(t, err, `option tags: "a" must be a string, got an object`)
	_, _, err = r.Bool("on")
	assert.ErrorContains(t, err, `option on must be true or false, got the string "yes"`)
}
