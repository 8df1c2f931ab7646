package sse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xk6-barrier/xk6-barrier/internal/leaktest"
)

// recorder is a Handler that records every call.
type recorder struct {
	mu         sync.Mutex
	calls      []string
	opens      []Open
	batches    []Batch
	events     []Event
	sessions   []Session
	errs       []error
	reconnects []Reconnect
	onOpen     func(Open)
	onEvents   func(Batch)
}

func (r *recorder) OnOpen(o Open) {
	r.mu.Lock()
	r.calls = append(r.calls, "open")
	r.opens = append(r.opens, o)
	f := r.onOpen
	r.mu.Unlock()
	if f != nil {
		f(o)
	}
}

func (r *recorder) OnEvents(b Batch) {
	r.mu.Lock()
	r.calls = append(r.calls, "events")
	r.batches = append(r.batches, b)
	r.events = append(r.events, b.Events...)
	f := r.onEvents
	r.mu.Unlock()
	if f != nil {
		f(b)
	}
}

func (r *recorder) OnSessionEnd(s Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "end")
	r.sessions = append(r.sessions, s)
}

func (r *recorder) OnError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "error")
	r.errs = append(r.errs, err)
}

func (r *recorder) OnReconnect(rc Reconnect) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "reconnect")
	r.reconnects = append(r.reconnects, rc)
}

// sseServer starts a server whose handler gets a flushing writer after the
// event-stream headers are sent.
func sseServer(t testing.TB, serve func(w io.Writer, r *http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		serve(flushWriter{w}, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// flushWriter flushes after every write.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	http.NewResponseController(f.w).Flush() // a test server
	return n, err
}

// run runs a stream to its end.
func run(t *testing.T, cfg Config, h Handler) (*Stream, error) {
	t.Helper()
	s, err := NewStream(cfg)
	if err != nil {
		t.Fatalf("NewStream: %v", err)
	}
	return s, s.Run(context.Background(), h)
}

func TestStreamNormal(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		var gotReq *http.Request
		var gotBody []byte
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			gotReq = r
			gotBody, _ = io.ReadAll(r.Body)
			_, _ = io.WriteString(w, ": hello\n\nevent: update\nid: 1\ndata: a\n\n")
			_, _ = io.WriteString(w, "data: b\ndata: c\n\n")
		})
		rec := &recorder{}
		cfg := with(Config{URL: srv.URL + "/events", Method: http.MethodPost, Body: []byte(`{"x":1}`),
			Header: http.Header{"X-Test": {"yes"}}})
		_, err := run(t, cfg, rec)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		want := []Event{{"update", "a", "1"}, {"message", "b\nc", "1"}}
		if len(rec.events) != 2 || rec.events[0] != want[0] || rec.events[1] != want[1] {
			t.Errorf("events = %q, want %q", rec.events, want)
		}
		if len(rec.opens) != 1 || rec.opens[0].StatusCode != http.StatusOK || rec.opens[0].Header.Get("Content-Type") != "text/event-stream" ||
			rec.opens[0].ConnectingTime <= 0 || rec.opens[0].URL != srv.URL+"/events" {
			t.Errorf("opens = %+v", rec.opens)
		}
		if len(rec.errs) != 0 || len(rec.reconnects) != 0 {
			t.Errorf("errors %v, reconnects %v: want none", rec.errs, rec.reconnects)
		}
		if len(rec.sessions) != 1 || !isEOF(rec.sessions[0].Err) || rec.sessions[0].Events != 2 || rec.sessions[0].Duration <= 0 {
			t.Errorf("sessions = %+v", rec.sessions)
		}
		if !rec.batches[0].First || rec.batches[0].TimeToFirstEvent <= 0 || rec.batches[len(rec.batches)-1].First && len(rec.batches) > 1 {
			t.Errorf("batches = %+v", rec.batches)
		}
		if rec.calls[0] != "open" || rec.calls[len(rec.calls)-1] != "end" {
			t.Errorf("call order %v", rec.calls)
		}
		for header, want := range map[string]string{"Accept": "text/event-stream", "Cache-Control": "no-cache", "X-Test": "yes", "Last-Event-Id": ""} {
			if got := gotReq.Header.Get(header); got != want {
				t.Errorf("request header %s = %q, want %q", header, got, want)
			}
		}
		if gotReq.Method != http.MethodPost || string(gotBody) != `{"x":1}` {
			t.Errorf("request %s with body %q", gotReq.Method, gotBody)
		}
	})
}

func TestStreamBatches(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			var b strings.Builder
			for range 100 {
				b.WriteString("data: x\n\n")
			}
			_, _ = io.WriteString(w, b.String())
		})
		rec := &recorder{}
		if _, err := run(t, with(Config{URL: srv.URL}), rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.events) != 100 || len(rec.batches) >= 100 {
			t.Fatalf("%d events in %d batches: want 100 in fewer batches", len(rec.events), len(rec.batches))
		}
	})
}

func TestStreamReconnect(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		var conns atomic.Int32
		var lastIDs [3]string
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			n := conns.Add(1)
			lastIDs[n-1] = r.Header.Get("Last-Event-ID")
			switch n {
			case 1:
				_, _ = io.WriteString(w, "retry: 10\nid: 1\ndata: a\n\n")
			case 2:
				_, _ = io.WriteString(w, "data: b\n\nid: 2\n\n") // an ID without an event still counts
			}
		})
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL, Reconnect: true, MaxRetries: 2}), rec)
		if !errors.Is(err, ErrRetriesExhausted) {
			t.Fatalf("Run = %v, want ErrRetriesExhausted", err)
		}
		if got := conns.Load(); got != 3 {
			t.Fatalf("%d connections, want 3", got)
		}
		if lastIDs != [3]string{"", "1", "2"} {
			t.Errorf("Last-Event-ID headers %q", lastIDs)
		}
		want := []Event{msg("a", "1"), msg("b", "1")}
		if len(rec.events) != 2 || rec.events[0] != want[0] || rec.events[1] != want[1] {
			t.Errorf("events %q, want %q", rec.events, want)
		}
		if len(rec.reconnects) != 2 || rec.reconnects[0].Delay != 10*time.Millisecond || rec.reconnects[0].LastEventID != "1" ||
			!isEOF(rec.reconnects[0].Err) || rec.reconnects[1].Attempt != 2 {
			t.Errorf("reconnects %+v", rec.reconnects)
		}
		if len(rec.opens) != 3 || rec.opens[2].Attempt != 2 {
			t.Errorf("opens %+v", rec.opens)
		}
		if len(rec.errs) != 1 || !errors.Is(rec.errs[0], ErrRetriesExhausted) {
			t.Errorf("errors %v: want just the give-up", rec.errs)
		}
	})
}

func TestStreamNoReconnectByDefault(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		var conns atomic.Int32
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			conns.Add(1)
			_, _ = io.WriteString(w, "retry: 1\ndata: a\n\n")
		})
		rec := &recorder{}
		if _, err := run(t, with(Config{URL: srv.URL}), rec); err != nil {
			t.Fatal(err)
		}
		if conns.Load() != 1 || len(rec.reconnects) != 0 || len(rec.events) != 1 {
			t.Fatalf("%d connections, reconnects %v, events %q", conns.Load(), rec.reconnects, rec.events)
		}
	})
}

func TestStreamRejectedResponses(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		big := strings.Repeat("x", MaxErrorBodySize+100)
		cases := []struct {
			name        string
			status      int
			contentType string
			body        string
			want        error
			truncated   bool
		}{
			{name: "500 with a large body", status: 500, contentType: "text/plain", body: big, want: ErrStatus, truncated: true},
			{name: "404 event stream", status: 404, contentType: "text/event-stream", body: "data: no\n\n", want: ErrStatus},
			{name: "204", status: 204, contentType: "text/event-stream", want: ErrNoContent},
			{name: "200 text/html", status: 200, contentType: "text/html; charset=utf-8", body: "<html>oops</html>", want: ErrContentType},
			{name: "200 without Content-Type", status: 200, contentType: "", body: "data: x\n\n", want: ErrContentType},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				var conns atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conns.Add(1)
					w.Header()["Content-Type"] = []string{tc.contentType}
					w.Header().Set("X-Why", "test")
					w.WriteHeader(tc.status)
					_, _ = io.WriteString(w, tc.body)
				}))
				defer srv.Close()
				rec := &recorder{}
				_, err := run(t, with(Config{URL: srv.URL, Reconnect: true, RetryDelay: time.Millisecond}), rec)
				var re *ResponseError
				if !errors.As(err, &re) || !errors.Is(err, tc.want) {
					t.Fatalf("Run = %v, want a ResponseError wrapping %v", err, tc.want)
				}
				wantBody := tc.body
				if tc.truncated {
					wantBody = tc.body[:MaxErrorBodySize]
				}
				if re.StatusCode != tc.status || string(re.Body) != wantBody || re.Truncated != tc.truncated || re.Header.Get("X-Why") != "test" {
					t.Errorf("error %d %q (%d bytes, truncated %v)", re.StatusCode, re.Header, len(re.Body), re.Truncated)
				}
				if conns.Load() != 1 || len(rec.opens) != 0 || len(rec.errs) != 1 || !errors.Is(rec.errs[0], err) {
					t.Errorf("%d connections, opens %v, errors %v: want one failed connection", conns.Load(), rec.opens, rec.errs)
				}
				if len(err.Error()) > 400 {
					t.Errorf("error message of %d bytes: too long", len(err.Error()))
				}
			})
		}
	})
}

func TestIsEventStream(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"text/event-stream": true, "text/event-stream; charset=utf-8": true, "Text/Event-Stream": true,
		"text/event-stream;;bad=": true, " text/event-stream ": true,
		"": false, "text/html": false, "text/event-streams": false, "text/plain; x=text/event-stream": false,
	}
	for ct, want := range cases {
		if got := isEventStream(ct); got != want {
			t.Errorf("isEventStream(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestStreamGarbage(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		garbage := make([]byte, 256<<10)
		rand.New(rand.NewSource(7)).Read(garbage)
		srv := sseServer(t, func(w io.Writer, r *http.Request) { _, _ = w.Write(garbage) })
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL}), rec)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrEventTooLarge) {
			t.Fatalf("Run = %v", err)
		}
		for _, ev := range rec.events {
			checkWellFormed(t, ev, DefaultMaxEventSize)
		}
		// The same bytes decoded at once give the same events.
		want := decodeAll(bytes.NewReader(garbage))
		if len(want.events) != len(rec.events) {
			t.Fatalf("%d events through the stream, %d decoded directly", len(rec.events), len(want.events))
		}
	})
}

func TestStreamEndlessLine(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			_, _ = io.WriteString(w, "data: ")
			chunk := bytes.Repeat([]byte("x"), 32<<10)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL, MaxEventSize: 256 << 10, Reconnect: true}), rec)
		if !errors.Is(err, ErrEventTooLarge) {
			t.Fatalf("Run = %v, want ErrEventTooLarge", err)
		}
		if len(rec.reconnects) != 0 || len(rec.sessions) != 1 || !errors.Is(rec.sessions[0].Err, ErrEventTooLarge) {
			t.Errorf("reconnects %v, sessions %+v", rec.reconnects, rec.sessions)
		}
	})
}

func TestStreamIdleTimeout(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, func(w io.Writer, r *http.Request) {
			_, _ = io.WriteString(w, "data: a\n\ndata: part")
			<-r.Context().Done()
		})
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL, IdleTimeout: 50 * time.Millisecond}), rec)
		if !errors.Is(err, ErrIdleTimeout) {
			t.Fatalf("Run = %v, want ErrIdleTimeout", err)
		}
		if len(rec.events) != 1 || rec.events[0].Data != "a" {
			t.Errorf("events %q: want just a", rec.events)
		}
	})
}

func TestStreamConnectTimeout(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		defer srv.Close()
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL, Timeout: 50 * time.Millisecond}), rec)
		if !errors.Is(err, ErrConnectTimeout) || len(rec.opens) != 0 {
			t.Fatalf("Run = %v, opens %v: want ErrConnectTimeout before any open", err, rec.opens)
		}
	})
}

func TestStreamEndsMidEvent(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		cases := map[string]func(w http.ResponseWriter){
			"handler returns": func(w http.ResponseWriter) {},
			"connection dropped": func(w http.ResponseWriter) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			},
		}
		for name, end := range cases {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/event-stream")
					_, _ = io.WriteString(w, "data: a\n\ndata: partial")
					http.NewResponseController(w).Flush()
					end(w)
				}))
				defer srv.Close()
				rec := &recorder{}
				_, err := run(t, with(Config{URL: srv.URL}), rec)
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("Run = %v, want io.ErrUnexpectedEOF", err)
				}
				if len(rec.events) != 1 || rec.events[0].Data != "a" {
					t.Errorf("events %q: want just a, the partial one discarded", rec.events)
				}
			})
		}
	})
}

func TestStreamInvalidUTF8(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, func(w io.Writer, r *http.Request) { _, _ = io.WriteString(w, "data: a\xffb\xe2\x82\n\n") })
		rec := &recorder{}
		if _, err := run(t, with(Config{URL: srv.URL}), rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.events) != 1 || rec.events[0].Data != "a\uFFFDb\uFFFD" {
			t.Fatalf("events %q", rec.events)
		}
	})
}

// endless serves small events until the client goes away.
func endless(w io.Writer, r *http.Request) {
	for i := 0; r.Context().Err() == nil; i++ {
		if _, err := io.WriteString(w, "data: tick\n\n"); err != nil {
			return
		}
		if i%100 == 99 {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestStreamCloseFromHandler(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, endless)
		s, err := NewStream(with(Config{URL: srv.URL, Reconnect: true}))
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		rec.onEvents = func(Batch) { s.Close(); s.Close() }
		if err := s.Run(context.Background(), rec); err != nil {
			t.Fatalf("Run = %v, want nil after Close", err)
		}
		if len(rec.batches) != 1 || len(rec.errs) != 0 || len(rec.reconnects) != 0 || len(rec.sessions) != 1 || rec.sessions[0].Err != nil {
			t.Fatalf("batches %d, errors %v, reconnects %v, sessions %+v", len(rec.batches), rec.errs, rec.reconnects, rec.sessions)
		}
		select {
		case <-s.Done():
		default:
			t.Error("Done not closed after Close")
		}
	})
}

func TestStreamContextCancel(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, endless)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := NewStream(with(Config{URL: srv.URL}))
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{onOpen: func(Open) { cancel() }}
		if err := s.Run(ctx, rec); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if len(rec.errs) != 0 {
			t.Errorf("errors %v", rec.errs)
		}
	})
}

func TestStreamCloseBeforeRun(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		var conns atomic.Int32
		srv := sseServer(t, func(io.Writer, *http.Request) { conns.Add(1) })
		s, err := NewStream(with(Config{URL: srv.URL}))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		rec := &recorder{}
		if err := s.Run(context.Background(), rec); err != nil || len(rec.calls) != 0 || conns.Load() != 0 {
			t.Fatalf("Run = %v, calls %v, %d connections: want nothing", err, rec.calls, conns.Load())
		}
		if err := s.Run(context.Background(), rec); !errors.Is(err, ErrAlreadyRun) {
			t.Fatalf("second Run = %v, want ErrAlreadyRun", err)
		}
	})
}

func TestStreamReconnectAfterNetworkError(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		var conns atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if conns.Add(1) == 1 {
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.Close()
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: ok\n\n")
		}))
		defer srv.Close()
		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL, Reconnect: true, RetryDelay: time.Millisecond, MaxRetries: 1}), rec)
		if !errors.Is(err, ErrRetriesExhausted) {
			t.Fatalf("Run = %v", err)
		}
		if len(rec.errs) != 2 || len(rec.events) != 1 || len(rec.opens) != 1 || rec.opens[0].Attempt != 1 {
			t.Fatalf("errors %v, events %q, opens %+v", rec.errs, rec.events, rec.opens)
		}
	})
}

func TestStreamLastEventIDHeader(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		got := make(chan string, 1)
		srv := sseServer(t, func(w io.Writer, r *http.Request) { got <- r.Header.Get("Last-Event-ID") })
		if _, err := run(t, with(Config{URL: srv.URL, Header: http.Header{"Last-Event-Id": {"41"}}}), HandlerFuncs{}); err != nil {
			t.Fatal(err)
		}
		if id := <-got; id != "41" {
			t.Fatalf("Last-Event-ID %q, want the caller's 41", id)
		}
	})
}

func TestNewStreamValidation(t *testing.T) {
	t.Parallel()
	cases := map[string]Config{
		"empty URL":        {},
		"relative URL":     {URL: "/events"},
		"ftp URL":          {URL: "ftp://example.com/x"},
		"bad method":       {URL: "http://example.com", Method: "BAD METHOD"},
		"negative timeout": {URL: "http://example.com", Timeout: -1},
		"negative idle":    {URL: "http://example.com", IdleTimeout: -1},
		"negative retry":   {URL: "http://example.com", RetryDelay: -1},
		"negative size":    {URL: "http://example.com", MaxEventSize: -1},
		"negative retries": {URL: "http://example.com", MaxRetries: -1},
		"unparseable URL":  {URL: "http://[::1"},
	}
	for name, cfg := range cases {
		if _, err := NewStream(cfg); err == nil {
			t.Errorf("%s: NewStream accepted %+v", name, cfg)
		}
	}
}

//nolint:paralleltest // it counts the process's goroutines: it runs alone
func TestStreamNoGoroutineLeft(t *testing.T) {
	eachPathInTurn(t, func(t *testing.T, with func(Config) Config) {
		srv := sseServer(t, endless)
		transport := &http.Transport{}
		defer transport.CloseIdleConnections()
		before := leaktest.Baseline()
		const cycles = 1000
		for i := range cycles {
			s, err := NewStream(with(Config{URL: srv.URL, Transport: transport, IdleTimeout: time.Minute, Timeout: time.Minute}))
			if err != nil {
				t.Fatal(err)
			}
			opened := make(chan struct{})
			done := make(chan error, 1)
			rec := &recorder{onOpen: func(Open) { close(opened) }}
			if i%2 == 1 { // close from the handler half of the time
				rec.onEvents = func(Batch) { s.Close() }
			}
			go func() { done <- s.Run(context.Background(), rec) }()
			<-opened
			if i%2 == 0 {
				s.Close()
			}
			if err := <-done; err != nil {
				t.Fatalf("cycle %d: Run = %v", i, err)
			}
		}
		transport.CloseIdleConnections()
		// The server's handlers end as they notice the clients are gone.
		if after := leaktest.Settle(before+5, 10*time.Second); after > before+5 {
			t.Fatalf("%d goroutines before %d open/close cycles, %d after", before, cycles, after)
		}
	})
}

func TestStreamErrorBodyBounded(t *testing.T) {
	t.Parallel()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "overloaded")
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // the body never ends
		}))
		defer srv.Close()
		s, err := NewStream(with(Config{URL: srv.URL}))
		if err != nil {
			t.Fatal(err)
		}
		s.errorBodyTimeout = 50 * time.Millisecond
		err = s.Run(context.Background(), &recorder{})
		var re *ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusServiceUnavailable || string(re.Body) != "overloaded" {
			t.Fatalf("Run = %v, want a 503 ResponseError with the body read so far", err)
		}
	})
}

func TestValidHeaderValue(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"": true, "42": true, "a b\tc": true, "é": true, "a\x01": false, "\x7f": false} {
		if got := validHeaderValue(v); got != want {
			t.Errorf("validHeaderValue(%q) = %v", v, got)
		}
	}
}
