package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// flushCloser is a compressing writer: Flush makes what was written so far
// decodable, Close ends the compressed stream.
type flushCloser interface {
	io.Writer
	Flush() error
	Close() error
}

// compressors are the writers of each coding a stream may come in.
//
//nolint:gochecknoglobals // the table of codings that several tests run
var compressors = map[string]func(io.Writer) flushCloser{
	"gzip":    func(w io.Writer) flushCloser { return gzip.NewWriter(w) },
	"deflate": func(w io.Writer) flushCloser { return zlib.NewWriter(w) },
	"br":      func(w io.Writer) flushCloser { return brotli.NewWriter(w) },
	"zstd": func(w io.Writer) flushCloser {
		e, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(err)
		}
		return e
	},
}

// compressed returns body compressed with coding.
func compressed(t testing.TB, coding, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := compressors[coding](&buf)
	if _, err := io.WriteString(w, body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStreamDecodesContentEncodingAsItArrives sends one event per flush of
// the compressor and waits for the client to have it before sending the
// next: an event reaches the handler as soon as its bytes are decompressed,
// not when the compressed stream ends.
func TestStreamDecodesContentEncodingAsItArrives(t *testing.T) {
	t.Parallel()
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			t.Parallel()
			got := make(chan Event, 10)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Encoding", coding)
				rc := http.NewResponseController(w)
				cw := compressors[coding](w)
				for i, data := range []string{"one", "two", "three"} {
					_, _ = io.WriteString(cw, "event: e\ndata: "+data+"\n\n")
					_ = cw.Flush()
					_ = rc.Flush()
					if i < 2 {
						select { // the client has it before the next one is sent
						case <-got:
						case <-time.After(5 * time.Second):
							t.Errorf("%s: event %d not delivered while the stream lives", coding, i)
							return
						}
					}
				}
				_ = cw.Close()
			}))
			defer srv.Close()
			var events []Event
			h := HandlerFuncs{Events: func(b Batch) {
				for _, e := range b.Events {
					events = append(events, e)
					got <- e
				}
			}}
			s, err := NewStream(Config{URL: srv.URL, Transport: k6LikeTransport(t)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Run(t.Context(), h); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(events) != 3 || events[2].Data != "three" || events[0].Type != "e" {
				t.Fatalf("events: %+v", events)
			}
		})
	}
}

// TestStreamDecodesStackedEncodings decodes "gzip, br": br applied last, so
// decoded first.
func TestStreamDecodesStackedEncodings(t *testing.T) {
	t.Parallel()
	body := compressed(t, "br", string(compressed(t, "gzip", "data: a\n\ndata: b\n\n")))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip, br")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	rec := &recorder{}
	if _, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t)}, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 2 || rec.events[1].Data != "b" {
		t.Fatalf("events: %+v", rec.events)
	}
}

// TestStreamRefusesUnknownEncoding: a coding that cannot be decoded is an
// error that names it, not a stream of nothing.
func TestStreamRefusesUnknownEncoding(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "compress")
		_, _ = w.Write([]byte("data: x\n\n"))
	}))
	defer srv.Close()
	rec := &recorder{}
	_, err := run(t, Config{URL: srv.URL, Reconnect: true}, rec)
	var re *ResponseError
	if !errors.As(err, &re) || !errors.Is(err, ErrContentEncoding) {
		t.Fatalf("want a ResponseError wrapping ErrContentEncoding, got %v", err)
	}
	if !strings.Contains(err.Error(), `"compress"`) {
		t.Fatalf("error does not name the coding: %v", err)
	}
	if len(rec.reconnects) != 0 || len(rec.opens) != 0 {
		t.Fatalf("want no open and no reconnection, got %v", rec.calls)
	}
}

// TestStreamReportsCorruptEncoding: bytes that are not of the coding are an
// error naming the coding.
func TestStreamReportsCorruptEncoding(t *testing.T) {
	t.Parallel()
	for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(coding, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Encoding", coding)
				_, _ = w.Write([]byte("data: not compressed at all, and not by " + coding + "\n\n"))
			}))
			defer srv.Close()
			rec := &recorder{}
			_, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t)}, rec)
			if err == nil || !strings.Contains(err.Error(), coding) {
				t.Fatalf("want an error naming %s, got %v", coding, err)
			}
			if len(rec.opens) != 0 || len(rec.sessions) != 0 {
				t.Fatalf("a body that does not decode must fail before the stream opens: %v", rec.calls)
			}
		})
	}
}

// TestStreamZstdWindowOverLimit: a zstd stream whose window is over 8 MiB
// fails with an error that names the limit and says that no param raises it;
// one with an 8 MiB window is decoded.
func TestStreamZstdWindowOverLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		window int
		ok     bool
	}{{8 << 20, true}, {16 << 20, false}} {
		t.Run(fmt.Sprintf("%dMiB", tc.window>>20), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Encoding", "zstd")
				zw, err := zstd.NewWriter(w, zstd.WithWindowSize(tc.window))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.WriteString(zw, "data: a\n\n")
				_ = zw.Flush() // the frame starts before its size is known: its header declares the window
				_ = zw.Close()
			}))
			defer srv.Close()
			rec := &recorder{}
			_, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t)}, rec)
			if tc.ok {
				if err != nil || len(rec.events) != 1 {
					t.Fatalf("want the event, got %v, %v", rec.events, err)
				}
				return
			}
			if !errors.Is(err, ErrWindowTooLarge) || !errors.Is(err, ErrDecoding) {
				t.Fatalf("want ErrWindowTooLarge, got %v", err)
			}
			for _, want := range []string{"zstd", "8 MiB", "no param raises it"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if len(rec.opens) != 0 {
				t.Errorf("opened before failing: %v", rec.calls)
			}
		})
	}
}

// TestStreamTruncatedEncoding: a compressed stream cut short is an error, not
// a clean end.
func TestStreamTruncatedEncoding(t *testing.T) {
	t.Parallel()
	body := compressed(t, "gzip", "data: a\n\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(body[:len(body)-4])
	}))
	defer srv.Close()
	rec := &recorder{}
	// A transport that does not ask for gzip itself (as k6's): the stream
	// decodes it. (One that asks decodes it transparently.)
	_, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t)}, rec)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("want an unexpected EOF of the gzip stream, got %v", err)
	}
}

// k6LikeTransport is a transport that, as k6's, does not ask for gzip itself
// (DisableCompression): a compressed stream is the Stream's to decode.
func k6LikeTransport(t testing.TB) *http.Transport {
	tr := &http.Transport{DisableCompression: true, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// TestStreamDecodesRejectedBody: the body of a rejected response is kept
// decoded, as the server meant it.
func TestStreamDecodesRejectedBody(t *testing.T) {
	t.Parallel()
	body := compressed(t, "gzip", `{"error":"overloaded"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	_, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t)}, &recorder{})
	var re *ResponseError
	if !errors.As(err, &re) || string(re.Body) != `{"error":"overloaded"}` {
		t.Fatalf("want the decoded body, got %v", err)
	}
}

// TestStreamCompressedIdleBeforeFirstBytes: a compressed stream whose first bytes do not come
// within idleTimeout fails with the idle timeout, without opening.
func TestStreamCompressedIdleBeforeFirstBytes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		w.(http.Flusher).Flush() // the headers, and no byte of the body
		<-r.Context().Done()
	}))
	defer srv.Close()
	rec := &recorder{}
	_, err := run(t, Config{URL: srv.URL, Transport: k6LikeTransport(t), IdleTimeout: 50 * time.Millisecond}, rec)
	if !errors.Is(err, ErrIdleTimeout) || !strings.Contains(err.Error(), "no bytes for 50ms") {
		t.Fatalf("want the idle timeout, got %v", err)
	}
	if len(rec.opens) != 0 {
		t.Fatalf("opened: %v", rec.calls)
	}
}
