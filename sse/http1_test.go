package sse

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xk6-barrier/xk6-barrier/internal/leaktest"
)

// eachPath runs f as a subtest per way a Stream sends its requests:
// "transport" (an http.Transport, the default) and "dialer" (the lean
// HTTP/1.1 path over Config.Dialer). with adds the path to a Config. On the
// dialer path, the subtest fails if a connection it dialed is left open.
func eachPath(t *testing.T, f func(t *testing.T, with func(Config) Config)) {
	t.Helper()
	t.Run("transport", func(t *testing.T) {
		f(t, func(c Config) Config { return c })
	})
	t.Run("dialer", func(t *testing.T) {
		d := leaktest.NewDialer(t)
		f(t, func(c Config) Config {
			c.Dialer = d
			return c
		})
	})
}

// rawServer accepts connections, reads one request from each, hands it to
// gotReq (if not nil), writes response verbatim and closes the connection
// (or, with hold, waits for the client to close it).
func rawServer(t *testing.T, response string, hold bool, gotReq func(*http.Request, []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				br := bufio.NewReader(conn)
				req, err := http.ReadRequest(br)
				if err != nil {
					t.Errorf("server: reading request: %v", err)
					return
				}
				body, _ := io.ReadAll(req.Body)
				if gotReq != nil {
					gotReq(req, body)
				}
				if _, err := io.WriteString(conn, response); err != nil {
					return
				}
				if hold {
					_, _ = io.Copy(io.Discard, br) // until the client closes
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// silentServer accepts connections and reads them without ever answering.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, conn) // until the client closes
				conn.Close()
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestDialerResponseFraming: the lean path reads bodies framed every way
// HTTP/1.x frames them, skips interim 1xx responses, and writes the request
// as HTTP/1.1 with its headers and body.
func TestDialerResponseFraming(t *testing.T) {
	const head = "Content-Type: text/event-stream\r\n"
	events := "data: a\n\nid: 7\ndata: b\n\n"
	cases := map[string]string{
		"chunked": "HTTP/1.1 200 OK\r\n" + head + "Transfer-Encoding: chunked\r\n\r\n" +
			"5\r\ndata:\r\n" + "b\r\n a\n\nid: 7\nd\r\n" + "8\r\nata: b\n\n\r\n" + "0\r\n\r\n",
		"content-length":  "HTTP/1.1 200 OK\r\n" + head + "Content-Length: " + strconv.Itoa(len(events)) + "\r\n\r\n" + events,
		"close-delimited": "HTTP/1.1 200 OK\r\n" + head + "Connection: close\r\n\r\n" + events,
		"HTTP/1.0":        "HTTP/1.0 200 OK\r\n" + head + "\r\n" + events,
		"after 100 and 103": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" +
			"HTTP/1.1 200 OK\r\n" + head + "Content-Length: " + strconv.Itoa(len(events)) + "\r\n\r\n" + events,
	}
	for name, response := range cases {
		t.Run(name, func(t *testing.T) {
			var got *http.Request
			var gotBody []byte
			url := rawServer(t, response, false, func(r *http.Request, body []byte) { got, gotBody = r, body })
			d := leaktest.NewDialer(t)
			rec := &recorder{}
			_, err := run(t, Config{URL: url + "/events?x=1", Method: http.MethodPost, Body: []byte("hi"),
				Header: http.Header{"X-Test": {"yes"}}, Dialer: d}, rec)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			want := []Event{msg("a", ""), msg("b", "7")}
			if len(rec.events) != 2 || rec.events[0] != want[0] || rec.events[1] != want[1] {
				t.Errorf("events %q, want %q", rec.events, want)
			}
			if len(rec.opens) != 1 || rec.opens[0].StatusCode != http.StatusOK || rec.opens[0].URL != url+"/events?x=1" {
				t.Errorf("opens %+v", rec.opens)
			}
			if got.Method != http.MethodPost || got.RequestURI != "/events?x=1" || got.Proto != "HTTP/1.1" ||
				got.Host != strings.TrimPrefix(url, "http://") || string(gotBody) != "hi" || got.ContentLength != 2 {
				t.Errorf("request %s %s %s host %q body %q (%d)", got.Method, got.RequestURI, got.Proto, got.Host, gotBody, got.ContentLength)
			}
			for k, v := range map[string]string{"Accept": "text/event-stream", "Cache-Control": "no-cache", "X-Test": "yes"} {
				if got.Header.Get(k) != v {
					t.Errorf("request header %s = %q, want %q", k, got.Header.Get(k), v)
				}
			}
		})
	}
}

// TestDialerUsesDialer: the lean path dials with the Dialer given (to the
// URL's host and port), in preference to Transport, and reports its
// refusal (as k6's dialer refuses blocked hostnames) as the error.
func TestDialerUsesDialer(t *testing.T) {
	srv := sseServer(t, func(w io.Writer, r *http.Request) { _, _ = io.WriteString(w, "data: a\n\n") })
	d := leaktest.NewDialer(t)
	transport := &leaktest.Transport{Base: http.DefaultTransport}
	if _, err := run(t, Config{URL: srv.URL, Dialer: d, Transport: transport}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if d.Dials() != 1 || d.Addrs()[0] != "tcp "+srv.Listener.Addr().String() || transport.Requests() != 0 {
		t.Fatalf("dials %q, transport requests %d: want one dial to the server, no transport", d.Addrs(), transport.Requests())
	}

	refused := errors.New("hostname is blocked")
	rec := &recorder{}
	_, err := run(t, Config{URL: "http://blocked.example:8080/x", Dialer: refusingDialer{refused}}, rec)
	if !errors.Is(err, refused) || len(rec.errs) != 1 || len(rec.opens) != 0 {
		t.Fatalf("Run = %v, errors %v: want the dialer's refusal", err, rec.errs)
	}
	if !strings.Contains(err.Error(), `Get "http://blocked.example:8080/x"`) {
		t.Errorf("error %q does not name the request", err)
	}
}

type refusingDialer struct{ err error }

func (d refusingDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, d.err
}

// TestDialerDefaultPorts: a URL without port dials port 80 or 443.
func TestDialerDefaultPorts(t *testing.T) {
	for url, want := range map[string]string{"http://example.test/x": "example.test:80", "https://example.test/x": "example.test:443",
		"http://[::1]/x": "[::1]:80"} {
		var addr string
		d := dialerFunc(func(_ context.Context, _, a string) (net.Conn, error) {
			addr = a
			return nil, errors.New("no network in this test")
		})
		if _, err := run(t, Config{URL: url, Dialer: d}, &recorder{}); err == nil || addr != want {
			t.Errorf("%s: Run = %v, dialed %q, want %q", url, err, addr, want)
		}
	}
}

type dialerFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialerFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// tlsConfigFor trusts srv's certificate.
func tlsConfigFor(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func TestDialerHTTPS(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: secure\n\n")
	}))
	srv.EnableHTTP2 = true // the server offers h2: the lean path still speaks HTTP/1.1
	srv.StartTLS()
	defer srv.Close()
	tlsConfig := tlsConfigFor(srv)
	d := leaktest.NewDialer(t)
	rec := &recorder{}
	if _, err := run(t, Config{URL: srv.URL, Dialer: d, TLSConfig: tlsConfig}, rec); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if len(rec.events) != 1 || rec.events[0].Data != "secure" || proto.Load() != "HTTP/1.1" || d.Dials() != 1 {
		t.Fatalf("events %q over %v, %d dials", rec.events, proto.Load(), d.Dials())
	}
	if tlsConfig.NextProtos != nil || tlsConfig.ServerName != "" {
		t.Errorf("the caller's TLSConfig was changed: %+v", tlsConfig)
	}

	// Without the server's certificate trusted, the handshake fails.
	rec = &recorder{}
	_, err := run(t, Config{URL: srv.URL, Dialer: d}, rec)
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &unknownCA) || len(rec.opens) != 0 {
		t.Fatalf("Run = %v, want a certificate error", err)
	}
}

// TestDialerTLSServerName: ServerName comes from the URL's host unless the
// TLSConfig sets one.
func TestDialerTLSServerName(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
	}))
	defer srv.Close()
	// The test certificate is for example.com (and 127.0.0.1): dial the
	// server whatever the host.
	d := dialerFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	})
	url := "https://example.com/"
	if _, err := run(t, Config{URL: url, Dialer: d, TLSConfig: tlsConfigFor(srv)}, &recorder{}); err != nil {
		t.Errorf("ServerName from the URL: Run = %v", err)
	}
	cfg := tlsConfigFor(srv)
	cfg.ServerName = "other.test"
	if _, err := run(t, Config{URL: url, Dialer: d, TLSConfig: cfg}, &recorder{}); err == nil || !strings.Contains(err.Error(), "other.test") {
		t.Errorf("ServerName other.test: Run = %v, want a certificate error for other.test", err)
	}
}

// TestStreamRedirects: redirects are followed as net/http's client does,
// on both paths.
func TestStreamRedirects(t *testing.T) {
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		type seen struct {
			method, body, contentType, auth, referer, lastID string
		}
		var mu sync.Mutex
		var reqs []seen
		var target *httptest.Server // another host: localhost, not 127.0.0.1
		mux := http.NewServeMux()
		record := func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			reqs = append(reqs, seen{r.Method, string(b), r.Header.Get("Content-Type"), r.Header.Get("Authorization"),
				r.Header.Get("Referer"), r.Header.Get("Last-Event-ID")})
			mu.Unlock()
		}
		redirect := func(path string, code int, to func() string) {
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				record(r)
				w.Header().Set("Location", to())
				w.WriteHeader(code)
			})
		}
		fixed := func(s string) func() string { return func() string { return s } }
		redirect("/302", http.StatusFound, fixed("/events?from=302"))
		redirect("/307", http.StatusTemporaryRedirect, fixed("/events"))
		redirect("/303", http.StatusSeeOther, fixed("/events"))
		redirect("/away", http.StatusMovedPermanently, func() string {
			return strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + "/events"
		})
		redirect("/loop", http.StatusFound, fixed("/loop"))
		mux.HandleFunc("/nolocation", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusFound) })
		events := func(w http.ResponseWriter, r *http.Request) {
			record(r)
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: "+r.URL.Path+"\n\n")
		}
		mux.HandleFunc("/events", events)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		target = httptest.NewServer(http.HandlerFunc(events))
		defer target.Close()

		hdr := http.Header{"Authorization": {"Bearer t"}, "Content-Type": {"application/json"}, "Last-Event-Id": {"5"}}
		cases := []struct {
			path, method string
			wantURL      string
			want         []seen
		}{
			{"/302", "GET", srv.URL + "/events?from=302", []seen{
				{"GET", "", "application/json", "Bearer t", "", "5"},
				{"GET", "", "", "Bearer t", srv.URL + "/302", "5"}}},
			{"/307", "POST", srv.URL + "/events", []seen{
				{"POST", "{}", "application/json", "Bearer t", "", "5"},
				{"POST", "{}", "application/json", "Bearer t", srv.URL + "/307", "5"}}},
			{"/303", "POST", srv.URL + "/events", []seen{
				{"POST", "{}", "application/json", "Bearer t", "", "5"},
				{"GET", "", "", "Bearer t", srv.URL + "/303", "5"}}},
			{"/away", "GET", strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + "/events", []seen{
				{"GET", "", "application/json", "Bearer t", "", "5"},
				{"GET", "", "", "", srv.URL + "/away", "5"}}}, // credentials not sent to another host
		}
		for _, tc := range cases {
			mu.Lock()
			reqs = nil
			mu.Unlock()
			var body []byte
			if tc.method == "POST" {
				body = []byte("{}")
			}
			rec := &recorder{}
			if _, err := run(t, with(Config{URL: srv.URL + tc.path, Method: tc.method, Body: body, Header: hdr}), rec); err != nil {
				t.Errorf("%s: Run = %v", tc.path, err)
				continue
			}
			if len(rec.opens) != 1 || rec.opens[0].URL != tc.wantURL || len(rec.events) != 1 || rec.events[0].Data != "/events" {
				t.Errorf("%s: opens %+v, events %q", tc.path, rec.opens, rec.events)
			}
			mu.Lock()
			if len(reqs) != len(tc.want) || reqs[0] != tc.want[0] || reqs[1] != tc.want[1] {
				t.Errorf("%s: requests\n%+v\nwant\n%+v", tc.path, reqs, tc.want)
			}
			mu.Unlock()
		}

		rec := &recorder{}
		_, err := run(t, with(Config{URL: srv.URL + "/loop"}), rec)
		if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || len(rec.opens) != 0 {
			t.Errorf("redirect loop: Run = %v", err)
		}
		_, err = run(t, with(Config{URL: srv.URL + "/nolocation"}), rec)
		var re *ResponseError
		if !errors.As(err, &re) || re.StatusCode != http.StatusFound {
			t.Errorf("302 without Location: Run = %v, want a ResponseError", err)
		}
	})
}

// TestDialerConnectTimeout: Timeout bounds the dial and the TLS handshake
// too.
func TestDialerConnectTimeout(t *testing.T) {
	stalled := dialerFunc(func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	_, err := run(t, Config{URL: "http://stalled.test/", Dialer: stalled, Timeout: 20 * time.Millisecond}, &recorder{})
	if !errors.Is(err, ErrConnectTimeout) {
		t.Errorf("stalled dial: Run = %v, want ErrConnectTimeout", err)
	}

	// A server that accepts and never answers the TLS handshake.
	url := silentServer(t)
	d := leaktest.NewDialer(t)
	_, err = run(t, Config{URL: strings.Replace(url, "http:", "https:", 1), Dialer: d, Timeout: 20 * time.Millisecond}, &recorder{})
	if !errors.Is(err, ErrConnectTimeout) || d.Dials() != 1 {
		t.Errorf("stalled handshake: Run = %v after %d dials, want ErrConnectTimeout", err, d.Dials())
	}
}

// TestDialerCancelClosesConnection: Close and the end of Run's context
// close the connection by the time Run returns, whether the stream is open
// or still waiting for the response headers, and the server sees it.
func TestDialerCancelClosesConnection(t *testing.T) {
	for _, when := range []string{"open", "waiting for headers"} {
		for _, how := range []string{"Close", "context"} {
			t.Run(when+"/"+how, func(t *testing.T) {
				arrived, gone := make(chan struct{}), make(chan struct{})
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if when == "open" {
						w.Header().Set("Content-Type", "text/event-stream")
						_, _ = io.WriteString(w, ": hi\n\n")
						http.NewResponseController(w).Flush()
					}
					close(arrived)
					<-r.Context().Done() // the server notices the client went away
					close(gone)
				}))
				defer srv.Close()
				d := leaktest.NewDialer(t)
				s, err := NewStream(Config{URL: srv.URL, Dialer: d})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() {
					<-arrived
					if how == "Close" {
						s.Close()
					} else {
						cancel()
					}
				}()
				rec := &recorder{}
				if err := s.Run(ctx, rec); err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
				if n := d.Open(); n != 0 || d.Dials() != 1 {
					t.Fatalf("%d of %d connections open when Run returned", n, d.Dials())
				}
				if len(rec.errs) != 0 {
					t.Errorf("errors %v", rec.errs)
				}
				<-gone
			})
		}
	}
}

// TestDialerBasicAuthFromURL: credentials in the URL are sent as basic
// authentication, not in the request line.
func TestDialerBasicAuthFromURL(t *testing.T) {
	var got *http.Request
	url := rawServer(t, "HTTP/1.1 204 No Content\r\n\r\n", false, func(r *http.Request, _ []byte) { got = r })
	_, err := run(t, Config{URL: strings.Replace(url, "http://", "http://user:pw@", 1) + "/x", Dialer: leaktest.NewDialer(t)}, &recorder{})
	if !errors.Is(err, ErrNoContent) {
		t.Fatalf("Run = %v, want ErrNoContent", err)
	}
	if user, pw, ok := got.BasicAuth(); !ok || user != "user" || pw != "pw" || got.RequestURI != "/x" {
		t.Errorf("request %s with basic auth %q %q %v", got.RequestURI, user, pw, ok)
	}
}

// TestConnectErrorHidesURLPassword: a failed connection's error names the URL without the
// password it carries, on both paths.
func TestConnectErrorHidesURLPassword(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	eachPath(t, func(t *testing.T, with func(Config) Config) {
		s, err := NewStream(with(Config{URL: "http://k6:hunter2@" + addr + "/events"}))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Run(context.Background(), HandlerFuncs{})
		if err == nil {
			t.Fatal("a refused connection gave no error")
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("the error shows the URL's password: %v", err)
		}
		if !strings.Contains(err.Error(), addr) {
			t.Fatalf("the error does not name %s: %v", addr, err)
		}
	})
}
