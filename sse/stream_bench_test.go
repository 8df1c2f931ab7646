package sse

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
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
// then nothing, over HTTP/1.1 and over TLS with HTTP/2 (streams of a
// connection unbounded); it prints both URLs, one a line, and exits when
// stdin closes.
func serveIdleStreams() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": open\n\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 1 << 20}
	h2.StartTLS()
	defer h2.Close()
	fmt.Println(srv.URL)
	fmt.Println(h2.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes stdin, or fails: either way, stop
}

// startIdleServer runs serveIdleStreams in a child process and returns its
// HTTP/1.1 URL.
func startIdleServer(b *testing.B) string {
	h1, _ := startIdleServers(b)
	return h1
}

// startIdleServers runs serveIdleStreams in a child process and returns its
// HTTP/1.1 and its HTTP/2 (https) URLs.
func startIdleServers(b *testing.B) (h1, h2 string) {
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
	r := bufio.NewReader(stdout)
	var urls [2]string
	for i := range urls {
		line, err := r.ReadString('\n')
		if err != nil {
			b.Fatalf("idle server: %v", err)
		}
		urls[i] = strings.TrimSpace(line)
	}
	return urls[0], urls[1]
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

// BenchmarkIdleStreams10k opens 10,000 idle streams in this process, as a
// k6 VU opens them (through a transport made as k6 makes a VU's: HTTP/2 by
// ALPN, no compression asked for), over HTTP/1.1 (a connection per stream)
// and over HTTP/2 (one connection for all), to a server in another process,
// and reports the memory per open stream: Go heap and stacks, and the
// process's resident set (meaningful for the first sub-benchmark of a
// process only). Run it with -benchtime=1x.
func BenchmarkIdleStreams10k(b *testing.B) {
	h1, h2 := startIdleServers(b)
	for _, bc := range []struct{ name, url string }{{"h1", h1}, {"h2", h2}} {
		b.Run(bc.name, func(b *testing.B) {
			benchIdleStreams(b, 10_000, func() (Config, func()) {
				t := &http.Transport{
					Proxy: http.ProxyFromEnvironment, DisableCompression: true, ForceAttemptHTTP2: true,
					TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the benchmark's own server, in a child process
				}
				return Config{URL: bc.url, Transport: t}, t.CloseIdleConnections
			})
		})
	}
}

// writeHeapProfile writes the heap profile to file.
func writeHeapProfile(b *testing.B, file string) {
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

// rss is the process's resident set size, in bytes (0 where /proc is not).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident uint64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0
	}
	return resident * uint64(os.Getpagesize())
}

// openIdleStreams opens n streams of cfg, each run by a goroutine of its own, and returns once
// all are open; closeAll closes them and waits for their goroutines.
func openIdleStreams(b *testing.B, cfg Config, n int) (closeAll func()) {
	b.Helper()
	var opened, ended sync.WaitGroup
	opened.Add(n)
	all := make([]*Stream, n)
	for i := range all {
		s, err := NewStream(cfg)
		if err != nil {
			b.Fatal(err)
		}
		all[i] = s
		ended.Add(1)
		go func() {
			defer ended.Done()
			once := sync.OnceFunc(opened.Done) // a stream that ends before it opened counts too
			err := s.Run(context.Background(), HandlerFuncs{Open: func(Open) { once() }})
			once()
			if err != nil {
				b.Error(err)
			}
		}()
	}
	opened.Wait()
	return func() {
		for _, s := range all {
			s.Close()
		}
		ended.Wait()
	}
}

// benchIdleStreams opens n streams of newConfig's config and reports their
// memory per stream once all are open: Go heap and stacks, and process RSS.
func benchIdleStreams(b *testing.B, n int, newConfig func() (Config, func())) {
	for range b.N {
		cfg, cleanup := newConfig()
		heap0, stack0 := inUse()
		rss0 := rss()
		closeAll := openIdleStreams(b, cfg, n)
		heap1, stack1 := inUse()
		rss1 := rss()
		if f := os.Getenv("SSE_BENCH_HEAPPROFILE"); f != "" {
			writeHeapProfile(b, f)
		}
		b.ReportMetric(float64(runtime.NumGoroutine())/float64(n), "goroutines/stream")
		closeAll()
		cleanup()
		b.ReportMetric(float64(heap1+stack1-heap0-stack0)/float64(n)/1024, "go-KiB/stream")
		// Signed: a later sub-benchmark of the process reuses memory freed before it, and its RSS
		// may even shrink (the figure is meaningful for the first one only).
		b.ReportMetric((float64(rss1)-float64(rss0))/float64(n)/1024, "rss-KiB/stream")
	}
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
		closeAll := openIdleStreams(b, cfg, streams)
		heap1, stack1 := inUse()
		heap, stack := float64(heap1-heap0)/streams/1024, float64(stack1-stack0)/streams/1024
		perStreamG := float64(runtime.NumGoroutine()-goroutines) / streams
		closeAll()
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
