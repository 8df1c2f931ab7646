package sse

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// windowBenchStream returns size bytes of events whose data varies (so that the compressor
// uses its whole window), compressed by w, flushed but not ended, as a live stream is.
func windowBenchStream(b *testing.B, size int, newWriter func(io.Writer) flushCloser) (plain, enc []byte) {
	b.Helper()
	var p bytes.Buffer
	x := uint64(1)
	for p.Len() < size {
		x = x*6364136223846793005 + 1442695040888963407
		fmt.Fprintf(&p, "id: %d\ndata: {\"position\":%d,\"token\":\"%016x\"}\n\n", p.Len(), x%100_000, x)
	}
	var e bytes.Buffer
	w := newWriter(&e)
	if _, err := w.Write(p.Bytes()); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return p.Bytes(), e.Bytes()
}

// BenchmarkDecoderWindowMemory reports the heap that the decoder of each Content-Encoding keeps
// per stream ("bytes/stream") once the stream has carried 16 MiB, more than any window: what a
// long-lived compressed stream holds for as long as it lives, on top of an idle plain stream.
func BenchmarkDecoderWindowMemory(b *testing.B) {
	const streams = 8
	const size = 16 << 20
	for _, tc := range []struct {
		name   string
		coding string
		writer func(io.Writer) flushCloser
	}{
		{"gzip", "gzip", func(w io.Writer) flushCloser { return gzip.NewWriter(w) }},
		{"deflate", "deflate", func(w io.Writer) flushCloser { return zlib.NewWriter(w) }},
		{"br-22bit", "br", func(w io.Writer) flushCloser {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: 4, LGWin: 22})
		}},
		{"br-24bit", "br", func(w io.Writer) flushCloser {
			return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: 4, LGWin: 24})
		}},
		{"zstd-4MiB", "zstd", zstdWriter(b, 4<<20)},
		{"zstd-8MiB", "zstd", zstdWriter(b, 8<<20)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			plain, enc := windowBenchStream(b, size, tc.writer)
			buf := make([]byte, len(plain))
			b.ResetTimer()
			var perStream float64
			for range b.N {
				bodies := make([]*decodedBody, streams)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for i := range bodies {
					bodies[i] = newDecodedBody(bytes.NewReader(enc), []string{tc.coding})
					if _, err := io.ReadFull(bodies[i], buf); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perStream = float64(after.HeapAlloc-before.HeapAlloc) / streams
				for _, body := range bodies {
					body.close()
				}
			}
			b.ReportMetric(perStream, "bytes/stream")
		})
	}
}

// zstdWriter returns a zstd writer maker with the given window.
func zstdWriter(b *testing.B, window int) func(io.Writer) flushCloser {
	b.Helper()
	return func(w io.Writer) flushCloser {
		e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(window))
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
}
