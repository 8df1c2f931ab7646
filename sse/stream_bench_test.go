package sse

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// benchServerEnv makes the test binary serve idle event streams (see
// TestMain) so that a benchmark measures the client's memory alone.
const benchServerEnv = "SSE_BENCH_IDLE_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) == "1" {
		serveIdleStreams()
		return
	}
	os.Exit(m.Run())
}

// serveIdleStreams serves streams that send their headers and a comment,
// then nothing; it prints its URL and exits when stdin closes.
func serveIdleStreams() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": open\n\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes stdin, or fails: either way, stop
}

// startIdleServer runs serveIdleStreams in a child process.
func startIdleServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("idle server: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("idle server: %v", err)
	}
	return strings.TrimSpace(line)
}

// inUse is the heap and stack memory in use, after GCs (a GC also shrinks
// the stacks of parked goroutines, by half each time, as in a long run).
func inUse() (heap, stack uint64) {
	for range 4 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.StackInuse
}

// BenchmarkStreamIdleMemory opens 2,000 idle streams to a server in
// another process and reports the client memory (heap and stacks) per open
// stream, and goroutines per stream: through a default http.Transport and
// one whose buffers are 1 KiB (its per-connection bufio.Reader and
// bufio.Writer, 4 KiB each by default, and its readLoop and writeLoop
// goroutines included). Run it with -benchtime=1x.
func BenchmarkStreamIdleMemory(b *testing.B) {
	url := startIdleServer(b)
	b.Run("default-transport", func(b *testing.B) {
		benchIdleMemory(b, func() (Config, func()) {
			t := &http.Transport{MaxIdleConnsPerHost: -1}
			return Config{URL: url, Transport: t}, t.CloseIdleConnections
		})
	})
	b.Run("1KiB-transport-buffers", func(b *testing.B) {
		benchIdleMemory(b, func() (Config, func()) {
			t := &http.Transport{MaxIdleConnsPerHost: -1, ReadBufferSize: 1 << 10, WriteBufferSize: 1 << 10}
			return Config{URL: url, Transport: t}, t.CloseIdleConnections
		})
	})
}

// BenchmarkBareHTTPIdleMemory is the floor that BenchmarkStreamIdleMemory
// compares with: the same 2,000 idle responses read by bare net/http, one
// goroutine each blocked reading the body into a 512-byte buffer.
func BenchmarkBareHTTPIdleMemory(b *testing.B) {
	const streams = 2000
	url := startIdleServer(b)
	for range b.N {
		transport := &http.Transport{MaxIdleConnsPerHost: -1}
		client := &http.Client{Transport: transport}
		ctx, cancel := context.WithCancel(context.Background())
		heap0, stack0 := inUse()
		var opened, ended sync.WaitGroup
		opened.Add(streams)
		for range streams {
			ended.Add(1)
			go func() {
				defer ended.Done()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					opened.Done()
					return
				}
				defer resp.Body.Close()
				buf := make([]byte, 512)
				if _, err := resp.Body.Read(buf); err != nil { // the ": open" comment
					b.Error(err)
				}
				opened.Done()
				_, _ = resp.Body.Read(buf) // blocks until cancel ends the stream, which is its error
			}()
		}
		opened.Wait()
		heap1, stack1 := inUse()
		cancel()
		ended.Wait()
		transport.CloseIdleConnections()
		heap, stack := float64(heap1-heap0)/streams/1024, float64(stack1-stack0)/streams/1024
		b.ReportMetric(heap+stack, "KiB/stream")
		b.ReportMetric(heap, "heap-KiB/stream")
		b.ReportMetric(stack, "stack-KiB/stream")
	}
}

// benchIdleMemory measures streams of the config that newConfig returns;
// its cleanup runs once they are closed.
func benchIdleMemory(b *testing.B, newConfig func() (Config, func())) {
	const streams = 2000
	for range b.N {
		cfg, cleanup := newConfig()
		heap0, stack0 := inUse()
		goroutines := runtime.NumGoroutine()
		var opened, ended sync.WaitGroup
		opened.Add(streams)
		all := make([]*Stream, streams)
		for i := range all {
			s, err := NewStream(cfg)
			if err != nil {
				b.Fatal(err)
			}
			all[i] = s
			ended.Add(1)
			go func() {
				defer ended.Done()
				if err := s.Run(context.Background(), HandlerFuncs{Open: func(Open) { opened.Done() }}); err != nil {
					b.Error(err)
				}
			}()
		}
		opened.Wait()
		heap1, stack1 := inUse()
		heap, stack := float64(heap1-heap0)/streams/1024, float64(stack1-stack0)/streams/1024
		perStreamG := float64(runtime.NumGoroutine()-goroutines) / streams
		for _, s := range all {
			s.Close()
		}
		ended.Wait()
		cleanup()
		b.ReportMetric(heap+stack, "KiB/stream")
		b.ReportMetric(heap, "heap-KiB/stream")
		b.ReportMetric(stack, "stack-KiB/stream")
		b.ReportMetric(perStreamG, "goroutines/stream")
	}
}

// BenchmarkStreamEndToEnd delivers 84-byte events from a local server
// through the whole client (HTTP, decoding, batching) to a Handler; one op
// is one event.
func BenchmarkStreamEndToEnd(b *testing.B) {
	block := []byte(strings.Repeat(benchEvent, 1000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for r.Context().Err() == nil {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	s, err := NewStream(Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	var seen, batches int
	h := HandlerFuncs{Events: func(batch Batch) {
		batches++
		if seen += len(batch.Events); seen >= b.N {
			s.Close()
		}
	}}
	b.SetBytes(int64(len(benchEvent)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPUTimer(b)
	if err := s.Run(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu.report() // client and server: they share the process
	b.ReportMetric(float64(seen)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(seen)/float64(max(batches, 1)), "events/batch")
}
