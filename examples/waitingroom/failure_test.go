package main

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestInjector(t *testing.T) {
	t.Parallel()
	hits := func(in injector, kind string, rate float64) map[string]bool {
		m := map[string]bool{}
		for n := 1; n <= 1000; n++ {
			if in.hit(kind, itoa(n), rate) {
				m[itoa(n)] = true
			}
		}
		return m
	}
	tests := []struct {
		name     string
		rate     float64
		min, max int
	}{
		{"zero", 0, 0, 0},
		{"all", 1, 1000, 1000},
		{"a tenth", 0.1, 50, 150},
		{"half", 0.5, 400, 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hits(injector{seed: 7}, "login", tc.rate)
			require.GreaterOrEqual(t, len(got), tc.min)
			require.LessOrEqual(t, len(got), tc.max)
			require.Equal(t, got, hits(injector{seed: 7}, "login", tc.rate), "same seed, same users")
		})
	}
	require.NotEqual(t, hits(injector{seed: 7}, "login", 0.5), hits(injector{seed: 8}, "login", 0.5), "the seed changes the users")
	require.NotEqual(t, hits(injector{seed: 7}, "login", 0.5), hits(injector{seed: 7}, "sse", 0.5), "kinds hit independently")
}
