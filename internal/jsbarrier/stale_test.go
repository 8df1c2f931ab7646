package jsbarrier

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/barrier"
	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

// TestJSStaleStateWarnsInLog: the warning reaches the k6 log as a warning. The state is dated
// ten minutes back: before this test process started.
func TestJSStaleStateWarnsInLog(t *testing.T) {
	srv := redistest.New(t)
	rdb := srv.Client(t)
	run := redistest.Prefix(t)
	srv.Cleanup(t, "*{"+run+"}*")
	ctx := context.Background()
	earlier, err := barrier.NewWithClient(barrier.Options{Parties: 2, RunID: run}, rdb)
	require.NoError(t, err)
	_, err = earlier.Join(ctx, "1")
	require.NoError(t, err)
	require.NoError(t, rdb.HSet(ctx, "K6_BARRIER_META:{"+run+"}", "created",
		strconv.FormatInt(time.Now().Add(-10*time.Minute).UnixMilli(), 10)).Err())

	vu := newJSVU(t, `const room = new Barrier({ parties: 2, redis: "`+srv.URL+`", runId: "`+run+`" });`)
	vu.start(2)
	vu.run(t, `await room.join(); await room.wait({ timeout: "5s", progress: false });`)
	var warned []string
	for _, e := range vu.logs.AllEntries() {
		if e.Level == logrus.WarnLevel {
			warned = append(warned, e.Message)
		}
	}
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0], `(runId "`+run+`") was first written at`)
	assert.Contains(t, warned[0], "or call reset() in setup()")
}
