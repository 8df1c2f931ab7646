package jseventsource

import (
	"bufio"
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
	"testing"
)

// idleServerEnv makes the test binary serve idle event streams (see TestMain), so that a
// benchmark measures the client's memory alone.
const idleServerEnv = "JSEVENTSOURCE_BENCH_IDLE_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(idleServerEnv) == "1" {
		serveIdleStreams()
		return
	}
	os.Exit(m.Run())
}

// serveIdleStreams serves streams that send their headers and a comment, then nothing, over
// HTTP/1.1 (http://) and over TLS with HTTP/2 (at most 100 streams per connection, as many
// servers); it prints both URLs, one a line, and exits when stdin closes.
func serveIdleStreams() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, ": open\n\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	h1 := httptest.NewServer(h)
	defer h1.Close()
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 100}
	h2.StartTLS()
	defer h2.Close()
	fmt.Println(h1.URL)
	fmt.Println(h2.URL)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes stdin, or fails: either way, stop
}

// startIdleServers runs serveIdleStreams in a child process and returns its HTTP/1.1 and its
// HTTP/2 (https) URLs.
func startIdleServers(b *testing.B) (h1, h2 string) {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), idleServerEnv+"=1")
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

// memInUse is the Go heap and stack memory in use, after GCs (a GC also shrinks the stacks of
// parked goroutines, by half each time, as in a long run), and the process's resident set.
func memInUse() (heap, stack, rss float64) {
	for range 4 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, resident uint64
		if _, err := fmt.Sscan(string(b), &size, &resident); err == nil {
			rss = float64(resident * uint64(os.Getpagesize()))
		}
	}
	return float64(ms.HeapInuse), float64(ms.StackInuse), rss
}

// BenchmarkVUStreamsAtOnce: one VU opens n idle EventSource streams at once (a loop of
// new EventSource), over HTTP/1.1 and over HTTP/2 (a TLS server with ALPN h2, at most 100 streams
// per connection), to a server in another process. Once all are open it reports the connections
// the VU dialled, the memory per open stream (Go heap and stacks, and the process's resident set:
// coarse at 100 streams, and meaningful only for the first sub-benchmark of a process, as later
// ones reuse the memory freed before them) and the goroutines per stream. Run it with -benchtime=1x.
func BenchmarkVUStreamsAtOnce(b *testing.B) {
	h1, h2 := startIdleServers(b)
	for _, proto := range []struct{ name, url string }{{"h1", h1}, {"h2", h2}} {
		for _, n := range []int{100, 2000} {
			b.Run(fmt.Sprintf("%s/%d", proto.name, n), func(b *testing.B) {
				for range b.N {
					benchVUStreamsAtOnce(b, proto.url, n)
				}
			})
		}
	}
}

func benchVUStreamsAtOnce(b *testing.B, url string, n int) {
	vu := newJSVUOn(b, "dialer", &tls.Config{InsecureSkipVerify: true}) // the benchmark's own server
	vu.state.Transport = vu.transport.Base                              // k6's own *http.Transport, not the test's counting wrapper
	rt := vu.rt.VU.Runtime()
	heap0, stack0, rss0 := memInUse()
	g0 := runtime.NumGoroutine()
	var heap1, stack1, rss1 float64
	var g1 int
	if err := rt.Set("measure", func() {
		heap1, stack1, rss1 = memInUse()
		g1 = runtime.NumGoroutine()
		if f := os.Getenv("JSEVENTSOURCE_BENCH_HEAPPROFILE"); f != "" {
			writeHeapProfile(b, f)
		}
	}); err != nil {
		b.Fatal(err)
	}
	vu.run(b, fmt.Sprintf(`
		var opened = 0, errors = [];
		{
			const all = [];
			for (let i = 0; i < %[2]d; i++) {
				const es = new EventSource(%[1]q);
				all.push(es);
				es.onopen = () => {
					if (++opened === %[2]d) {
						measure();
						all.forEach((s) => s.close());
					}
				};
				es.onerror = (e) => { errors.push(e.error); all.forEach((s) => s.close()); };
			}
		}
	`, url, n))
	if errs := vu.get("errors"); errs != nil && len(errs.([]any)) > 0 {
		b.Fatalf("stream errors: %v", errs)
	}
	b.ReportMetric(float64(vu.dialer.Dials()), "dials")
	b.ReportMetric((heap1-heap0)/float64(n), "heap-B/stream")
	b.ReportMetric((stack1-stack0)/float64(n), "stack-B/stream")
	b.ReportMetric((rss1-rss0)/float64(n), "rss-B/stream")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/stream")
	vu.sums() // drop the samples
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
