package sse

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchEvent is a typical small event: 84 bytes.
const benchEvent = "event: update\nid: 12345\ndata: {\"position\":42,\"status\":\"WAITING\",\"eventId\":7}\n\n"

// cpuTimer reports the process CPU time per op as "cpu-ns/op": all
// threads, the GC included, but not the time spent waiting for a CPU.
type cpuTimer struct {
	b     *testing.B
	start time.Duration
}

func startCPUTimer(b *testing.B) cpuTimer { return cpuTimer{b: b, start: processCPUTime()} }

func (c cpuTimer) report() {
	c.b.ReportMetric(float64(processCPUTime()-c.start)/float64(c.b.N), "cpu-ns/op")
}

// loopReader serves block over and over, like an endless stream.
type loopReader struct {
	block []byte
	off   int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.block[l.off:])
	l.off = (l.off + n) % len(l.block)
	return n, nil
}

// BenchmarkDecoderSmallEvents decodes 84-byte events; one op is one event.
func BenchmarkDecoderSmallEvents(b *testing.B) {
	block := strings.Repeat(benchEvent, 1000)
	d := NewDecoder(&loopReader{block: []byte(block)})
	b.SetBytes(int64(len(benchEvent)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPUTimer(b)
	for range b.N {
		if _, err := d.Next(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

// BenchmarkDecoderLargeEvent decodes one-line data events of 1 and 4 MiB;
// one op is one event. ns/MiB shows that the cost is linear in the size.
func BenchmarkDecoderLargeEvent(b *testing.B) {
	for _, mib := range []int{1, 4} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			size := mib << 20
			block := "data: " + strings.Repeat("x", size) + "\n\n"
			d := NewDecoder(&loopReader{block: []byte(block)}, WithMaxEventSize(size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPUTimer(b)
			for range b.N {
				if _, err := d.Next(); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(mib), "ns/MiB")
		})
	}
}

// BenchmarkDecoderMultiLineEvent decodes 1 MiB events made of 64-byte data
// lines, the worst case for per-line work.
func BenchmarkDecoderMultiLineEvent(b *testing.B) {
	line := "data: " + strings.Repeat("y", 57) + "\n"
	block := strings.Repeat(line, (1<<20)/64) + "\n"
	d := NewDecoder(&loopReader{block: []byte(block)}, WithMaxEventSize(2<<20))
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPUTimer(b)
	for range b.N {
		if _, err := d.Next(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

// BenchmarkDecoderLargeEventRatio decodes, in each op, one 1 MiB and one 4 MiB one-line event,
// timed apart, and reports the ratio of their costs ("4MiB/1MiB", 4 where the cost is linear in
// the size): taken in the same op, it does not drift with the machine's load as two benchmarks do.
// Each decoder has decoded one event before (a stream's first large event also sizes the buffer).
func BenchmarkDecoderLargeEventRatio(b *testing.B) {
	decoders := make(map[int]*Decoder, 2)
	for _, mib := range []int{1, 4} {
		size := mib << 20
		block := "data: " + strings.Repeat("x", size) + "\n\n"
		decoders[mib] = NewDecoder(&loopReader{block: []byte(block)}, WithMaxEventSize(size))
		if _, err := decoders[mib].Next(); err != nil { // warm: the buffer sized by the first event
			b.Fatal(err)
		}
	}
	var spent [5]time.Duration
	b.ResetTimer()
	for range b.N {
		for _, mib := range []int{1, 4} {
			start := time.Now()
			if _, err := decoders[mib].Next(); err != nil {
				b.Fatal(err)
			}
			spent[mib] += time.Since(start)
		}
	}
	b.ReportMetric(float64(spent[4])/float64(spent[1]), "4MiB/1MiB")
}
