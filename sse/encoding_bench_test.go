package sse

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// gzipBenchStream is 100,000 events of a waiting room, and the same gzipped
// with flushes every 10 events (as a server flushing its events would).
func gzipBenchStream(b *testing.B) (plain, gz []byte, events int) {
	b.Helper()
	const n = 100_000
	var p, z bytes.Buffer
	w := gzip.NewWriter(&z)
	for i := range n {
		ev := fmt.Sprintf("id: %d\ndata: {\"position\":%d,\"status\":\"WAITING\"}\n\n", i, (i*7919)%100_000)
		p.WriteString(ev)
		_, _ = io.WriteString(w, ev)
		if i%10 == 9 {
			_ = w.Flush()
		}
	}
	_ = w.Close()
	return p.Bytes(), z.Bytes(), n
}

// BenchmarkGzipStream compares, per event: decoding the plain stream
// ("plain"), decoding the gzipped stream through the Stream's decoder of
// Content-Encoding ("gzip-stream"), and the gzip decompression alone
// ("gunzip-only", klauspost/compress into io.Discard). The cost of a gzipped
// stream over a plain one is gzip-stream minus plain; it is the
// decompression's when it is at most gunzip-only.
func BenchmarkGzipStream(b *testing.B) {
	plain, gz, n := gzipBenchStream(b)
	count := func(b *testing.B, r io.Reader) {
		d := NewDecoder(r)
		got := 0
		for {
			if _, err := d.Next(); err != nil {
				break
			}
			got++
		}
		d.Release()
		if got != n {
			b.Fatalf("%d events, want %d", got, n)
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
	}
	b.Run("plain", func(b *testing.B) {
		for range b.N {
			count(b, bytes.NewReader(plain))
		}
		report(b)
	})
	b.Run("gzip-stream", func(b *testing.B) {
		for range b.N {
			body := newDecodedBody(bytes.NewReader(gz), []string{"gzip"})
			count(b, body)
			body.close()
		}
		report(b)
	})
	b.Run("plain-reads-as-gzip", func(b *testing.B) {
		// The plain stream read in the pieces the gzip decoder returns (one
		// per flush): what the Decoder does with reads that small.
		var sizes []int
		r, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 64<<10)
		for {
			k, err := r.Read(buf)
			if k > 0 {
				sizes = append(sizes, k)
			}
			if err != nil {
				break
			}
		}
		b.ResetTimer()
		for range b.N {
			count(b, &chunkReader{data: plain, sizes: sizes})
		}
		report(b)
	})
	b.Run("gunzip-only", func(b *testing.B) {
		buf := make([]byte, 32<<10)
		for range b.N {
			r, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.CopyBuffer(io.Discard, r, buf); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}
