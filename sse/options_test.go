package sse

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigLimits: NewStream refuses a Config past the limits, naming the field and its limit, and
// a header that cannot be sent, naming the header.
func TestConfigLimits(t *testing.T) {
	t.Parallel()
	const u = "http://127.0.0.1:1/"
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: u, Timeout: TimeoutLimit + 1}, "sse: Timeout 24h0m0.000000001s is over its limit of 24h0m0s"},
		{Config{URL: u, IdleTimeout: 48 * time.Hour}, "sse: IdleTimeout 48h0m0s is over its limit of 24h0m0s"},
		{Config{URL: u, RetryDelay: 25 * time.Hour}, "sse: RetryDelay 25h0m0s is over its limit of 24h0m0s"},
		{Config{URL: u, MaxEventSize: MaxEventSizeLimit + 1}, "sse: MaxEventSize 268435457 is over its limit of 268435456 (256 MiB)"},
		{Config{URL: u, MaxRetries: MaxRetriesLimit + 1}, "sse: MaxRetries 1000001 is over its limit of 1000000"},
		{Config{URL: u, Header: http.Header{"Bad Name": {"x"}}}, `sse: header "Bad Name": invalid name`},
		{Config{URL: u, Header: http.Header{"X-A": {"a\r\nb"}}}, `sse: header "X-A": invalid value`},
	}
	for _, tc := range tests {
		_, err := NewStream(tc.cfg)
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, err := NewStream(Config{URL: u, MaxRetries: -1})
	var le *LimitError
	require.ErrorAs(t, err, &le, "a field out of range is a *LimitError")
	assert.Equal(t, LimitError{Field: "MaxRetries", Value: -1, Limit: MaxRetriesLimit}, *le)
	assert.EqualError(t, err, "sse: negative MaxRetries")
	_, err = NewStream(Config{URL: u, IdleTimeout: 48 * time.Hour})
	require.ErrorAs(t, err, &le)
	assert.Equal(t, LimitError{Field: "IdleTimeout", Value: int64(48 * time.Hour), Limit: int64(IdleTimeoutLimit), Duration: true}, *le)
	_, err = NewStream(Config{
		URL: u, Timeout: TimeoutLimit, IdleTimeout: IdleTimeoutLimit, RetryDelay: RetryDelayLimit,
		MaxEventSize: MaxEventSizeLimit, MaxRetries: MaxRetriesLimit, Header: http.Header{"X-A": {"a\tb"}},
	})
	assert.NoError(t, err, "at the limits")
}
