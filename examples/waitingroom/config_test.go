package main

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseConfigRedisURL is not parallel: it sets REDIS_URL.
func TestParseConfigRedisURL(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://:s3cret@127.0.0.1:6390/2")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"from REDIS_URL", nil, "redis://:s3cret@127.0.0.1:6390/2"},
		{"flag wins", []string{"-redis", "redis://127.0.0.1:7000"}, "redis://127.0.0.1:7000"},
		{"explicit empty: embedded", []string{"-redis="}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig(tc.args, &strings.Builder{})
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.RedisURL)
		})
	}
	var help strings.Builder
	_, err := parseConfig([]string{"-h"}, &help)
	require.True(t, errors.Is(err, flag.ErrHelp))
	require.NotContains(t, help.String(), "s3cret", "-h must not print REDIS_URL")
}

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"-redis=", "-users", "500", "-promote-before-open", "-seed", "9", "-key-prefix", "p:"}, &strings.Builder{})
	require.NoError(t, err)
	want := defaultConfig()
	want.Users, want.PromoteBeforeOpen, want.Seed, want.KeyPrefix = 500, true, 9, "p:"
	require.Equal(t, want, cfg)
	require.Equal(t, "127.0.0.1:8080", cfg.Addr)
	require.Equal(t, 200.0, cfg.PromoteRate)
}
