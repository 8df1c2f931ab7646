package barriercmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandTree checks what k6 requires of a subcommand extension (its Name() is the registered
// name) and that --help documents the environment variables and the exit codes.
func TestCommandTree(t *testing.T) {
	ts := newState(t, "", 0)
	cmd := New(ts.GlobalState)
	require.Equal(t, Name, cmd.Name())
	names := make([]string, 0, len(cmd.Commands()))
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	assert.ElementsMatch(t, []string{"status", "watch", "list", "reset"}, names)

	require.NoError(t, execute(t, ts, "status", "--help"))
	help := ts.Stdout.String()
	for _, want := range []string{"K6_BARRIER_REDIS", "REDIS_URL", "K6_BARRIER_RUN_ID", "rediss://", "redis+cluster://",
		"3  status: no such barrier", "4  watch: the barrier failed", "5  watch: --timeout passed first", "--json", "--parties"} {
		assert.Contains(t, help, want)
	}
	assert.False(t, strings.Contains(help, "Error"), help)
}
