package redistest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewAnswersPing(t *testing.T) {
	s := New(t)
	require.NotEmpty(t, s.Addr)
	require.Contains(t, []string{KindEnv, KindProcess, KindEmbedded}, s.Kind)
	require.NoError(t, s.Client(t).Ping(context.Background()).Err())
}

func TestPrefixIsUniqueAndSafe(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := Prefix(t)
		require.False(t, seen[p], "prefix %q repeated", p)
		seen[p] = true
		require.True(t, strings.HasPrefix(p, "t:TestPrefixIsUniqueAndSafe:"), p)
		require.NotContainsf(t, p, "{", "prefix %q must be usable inside a hash tag", p)
	}
	t.Run("sub test/with spaces*and[glob]", func(t *testing.T) {
		p := Prefix(t)
		require.False(t, strings.ContainsAny(p, " /*[]?{}\\"), "prefix %q holds a glob or hash-tag character", p)
	})
}

func TestCleanupDeletesOnlyOwnKeys(t *testing.T) {
	s := New(t)
	c := s.Client(t)
	ctx := context.Background()
	mine, other := Prefix(t), Prefix(t)
	t.Cleanup(func() { c.Del(ctx, other+":a") })

	t.Run("inner", func(t *testing.T) {
		s.Cleanup(t, mine+":*")
		require.NoError(t, c.Set(ctx, mine+":a", "1", 0).Err())
		require.NoError(t, c.SAdd(ctx, mine+":b", "x").Err())
		require.NoError(t, c.Set(ctx, other+":a", "1", 0).Err())
	})

	n, err := c.Exists(ctx, mine+":a", mine+":b").Result()
	require.NoError(t, err)
	require.Zero(t, n, "Cleanup left the test's own keys")
	n, err = c.Exists(ctx, other+":a").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "Cleanup deleted a key outside its pattern")
}

func TestStartServerIsDedicatedAndStops(t *testing.T) {
	s := NeedServer(t)
	c := s.Client(t)
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx).Err())
	require.NotEqual(t, New(t).Addr, s.Addr)
	s.Stop()
	require.Error(t, c.Ping(ctx).Err(), "a stopped server still answers")
}
