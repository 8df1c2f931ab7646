package sse

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"strings"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"
)

// goSSEBatch is how many small events each decoder decodes between two readings of the clock in
// BenchmarkDecoderSmallEventsVsGoSSE: enough that reading the clock costs nothing measurable,
// few enough that the two decoders take turns many times while the machine's load changes.
const goSSEBatch = 1000

// sideBySide times our Decoder and go-sse's parser (github.com/tmaxmax/go-sse, its sse.Read, the
// parser of its client) on the same stream, in turns of batch events each, and reports the
// nanoseconds per event of each and how many times faster ours is ("x-faster-than-go-sse"). One op
// is one event decoded by each (allocs/op and B/op are the two together). Each reads its own endless
// loopReader over block, and each hands over the event's type, data and last event ID as strings,
// checked against want. On Linux, "x-faster-cpu" is the same ratio in the CPU time of the
// benchmark's thread: on a busy machine it leaves out the time other processes held the CPU, which
// falls on either decoder's turn at random.
func sideBySide(b *testing.B, block string, maxEventSize, batch int, want Event) {
	b.Helper()
	ours := NewDecoder(&loopReader{block: []byte(block)}, WithMaxEventSize(maxEventSize))
	// go-sse's limit counts the whole event with its field names and line ends.
	cfg := &gosse.ReadConfig{MaxEventSize: maxEventSize + 4096}
	var oursSpent, theirsSpent, oursCPU, theirsCPU time.Duration
	check := func(who string, got Event) {
		if got != want {
			b.Fatalf("%s decoded type %q, id %q, %d bytes of data; want type %q, id %q, %d bytes",
				who, got.Type, got.LastEventID, len(got.Data), want.Type, want.LastEventID, len(want.Data))
		}
	}
	allocs := allocsPerEvent(b, block, maxEventSize, cfg)
	b.ReportAllocs()
	runtime.LockOSThread() // for threadCPUTime
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	left := b.N
	inTurn := 0
	start, startCPU := time.Now(), threadCPUTime()
	// go-sse's Read is a push iterator: ranging over it again would start a new parser in the middle
	// of the stream, so our decoder takes its turns inside go-sse's loop.
	for ev, err := range gosse.Read(&loopReader{block: []byte(block)}, cfg) {
		if err != nil {
			b.Fatalf("go-sse: %v", err)
		}
		check("go-sse", Event{Type: ev.Type, Data: ev.Data, LastEventID: ev.LastEventID})
		if inTurn++; inTurn < min(batch, left) {
			continue
		}
		turnStart, turnStartCPU := time.Now(), threadCPUTime()
		theirsSpent += turnStart.Sub(start)
		theirsCPU += turnStartCPU - startCPU
		for range inTurn {
			got, err := ours.Next()
			if err != nil {
				b.Fatalf("our decoder: %v", err)
			}
			check("our decoder", got)
		}
		start, startCPU = time.Now(), threadCPUTime()
		oursSpent += start.Sub(turnStart)
		oursCPU += startCPU - turnStartCPU
		if left -= inTurn; left == 0 {
			break
		}
		inTurn = 0
	}
	b.StopTimer()
	if left != 0 {
		b.Fatalf("go-sse's stream ended with %d events still to decode", left)
	}
	b.ReportMetric(float64(oursSpent.Nanoseconds())/float64(b.N), "ns/event-ours")
	b.ReportMetric(float64(theirsSpent.Nanoseconds())/float64(b.N), "ns/event-go-sse")
	b.ReportMetric(float64(theirsSpent)/float64(oursSpent), "x-faster-than-go-sse")
	if oursCPU > 0 {
		b.ReportMetric(float64(theirsCPU)/float64(oursCPU), "x-faster-cpu")
	}
	for name, n := range allocs {
		b.ReportMetric(n, "allocs/event-"+name)
	}
}

// BenchmarkDecoderSmallEventsVsGoSSE decodes the 84-byte benchEvent with our Decoder and with
// go-sse's parser in turns of goSSEBatch events, in the same op, so that both see the same load.
func BenchmarkDecoderSmallEventsVsGoSSE(b *testing.B) {
	want := Event{Type: "update", Data: `{"position":42,"status":"WAITING","eventId":7}`, LastEventID: "12345"}
	sideBySide(b, strings.Repeat(benchEvent, 1000), DefaultMaxEventSize, goSSEBatch, want)
}

// BenchmarkDecoderLargeEventVsGoSSE decodes a one-line 1 MiB data event with both decoders, one
// event each in turn (an event takes long enough that reading the clock costs nothing).
func BenchmarkDecoderLargeEventVsGoSSE(b *testing.B) {
	size := 1 << 20
	data := strings.Repeat("x", size)
	// Named: go-sse leaves an unnamed event's type empty where ours says "message".
	sideBySide(b, "event: big\ndata: "+data+"\n\n", size, 1, Event{Type: "big", Data: data})
}

// allocsPerEvent counts the heap allocations per event of each decoder ("ours", "go-sse") apart,
// before the timed turns, each decoder warmed by one event.
func allocsPerEvent(b *testing.B, block string, maxEventSize int, cfg *gosse.ReadConfig) map[string]float64 {
	b.Helper()
	allocs := make(map[string]float64, 2)
	const events = 100
	ours := NewDecoder(&loopReader{block: []byte(block)}, WithMaxEventSize(maxEventSize))
	next, stop := iter.Pull2(gosse.Read(&loopReader{block: []byte(block)}, cfg))
	defer stop()
	for name, decode := range map[string]func() error{
		"ours": func() error { _, err := ours.Next(); return err },
		"go-sse": func() error {
			_, err, ok := next()
			if !ok {
				return errors.New("go-sse stopped")
			}
			if err != nil {
				return fmt.Errorf("go-sse: %w", err)
			}
			return nil
		},
	} {
		if err := decode(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range events {
			if err := decode(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
		}
		runtime.ReadMemStats(&after)
		allocs[name] = float64(after.Mallocs-before.Mallocs) / events
	}
	return allocs
}
