package sse

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Dialer dials the connections of a Stream's lean HTTP/1.1 path (see
// Config.Dialer). *net.Dialer is one, and so is a k6 VU's dialer
// (lib.State.Dialer), which applies the hosts and blockHostnames options and
// counts data_sent and data_received.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

const (
	// connReadBufferSize is the size of the buffer that the lean path reads
	// a response through: large enough for the usual header line and chunk
	// header, small as it is held for the whole life of the connection
	// (the Decoder has its own buffer; larger reads bypass this one).
	connReadBufferSize = 1 << 10
	// connWriteBufferSize is the size of the pooled buffers requests are
	// written through; a larger body is written directly.
	connWriteBufferSize = 2 << 10
	// maxRedirects is how many redirects the lean path follows, as
	// net/http's default client does.
	maxRedirects = 10
)

// writerPool holds the buffered writers of the lean path: a request is
// written once per connection, so the buffer is not kept with it.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, connWriteBufferSize) }}

// dialRoundTrip sends req on connections of its own, made with the
// configured Dialer, and follows redirects as net/http's client does. The
// response's Body closes the connection. ctx ending closes it too.
func (s *Stream) dialRoundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	initial := req
	stripSensitive := false
	for redirects := 0; ; redirects++ {
		resp, err := s.exchange(ctx, req)
		if err != nil {
			return nil, &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.Redacted(), Err: err}
		}
		next, err := redirectRequest(ctx, initial, req, resp, s.cfg.Body, &stripSensitive)
		if next == nil && err == nil {
			return resp, nil
		}
		_ = resp.Body.Close() // the connection is done with; closing it cannot fail in a way that matters
		if err == nil && redirects == maxRedirects {
			err = fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if err != nil {
			return nil, &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.Redacted(), Err: err}
		}
		req = next
	}
}

// urlErrorOp is the url.Error Op of a method, as net/http spells it: "Get".
func urlErrorOp(method string) string {
	return method[:1] + strings.ToLower(method[1:])
}

// exchange dials a connection, writes req on it and reads the response
// headers. The response's Body reads the rest and closes the connection.
func (s *Stream) exchange(ctx context.Context, req *http.Request) (*http.Response, error) {
	conn, err := s.dial(ctx, req.URL)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // canceled: the reader sees the error
	fail := func(err error) (*http.Response, error) {
		stop()
		_ = conn.Close() // the error that matters is err
		return nil, err
	}
	if u := req.URL.User; u != nil && req.Header.Get("Authorization") == "" {
		// Credentials in the URL, as net/http's client sends them; on a
		// copy, so that redirects do not carry them elsewhere.
		password, _ := u.Password()
		withAuth := *req
		withAuth.Header = req.Header.Clone()
		withAuth.SetBasicAuth(u.Username(), password)
		req = &withAuth
	}
	bw := writerPool.Get().(*bufio.Writer) //nolint:forcetypeassert // the pool holds nothing else
	bw.Reset(conn)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writerPool.Put(bw)
	if err != nil {
		return fail(err)
	}
	br := bufio.NewReaderSize(conn, connReadBufferSize)
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return fail(err)
		}
		// Skip informational responses (100 Continue, 103 Early Hints), as
		// net/http does; 101 Switching Protocols is final.
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue
		}
		resp.Body = &connBody{body: resp.Body, conn: conn, stop: stop}
		return resp, nil
	}
}

// dial connects to the host of u, with TLS for https.
func (s *Stream) dial(ctx context.Context, u *url.URL) (net.Conn, error) {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	conn, err := s.cfg.Dialer.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" {
		return conn, nil
	}
	cfg := &tls.Config{} // the defaults: TLS 1.2 or later
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	cfg.NextProtos = []string{"http/1.1"}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close() // the error that matters is err
		return nil, err
	}
	return tc, nil
}

// connBody is the Body of a response read by the lean path: closing it
// closes the connection (never drains it: an event stream has no end).
type connBody struct {
	body io.Reader
	conn net.Conn
	stop func() bool // unregisters the close on cancellation
}

func (b *connBody) Read(p []byte) (int, error) { return b.body.Read(p) }

func (b *connBody) Close() error {
	b.stop()
	return b.conn.Close()
}

// redirectRequest returns the request that follows resp, as net/http's
// client makes it, or nil when resp is not a redirect to follow (not
// 301, 302, 303, 307 or 308, or without Location). initial is the first
// request of the chain: its headers are the ones copied; *stripSensitive
// is set once the chain leaves the initial host's domain, and from then on
// Authorization, Cookie and the like are not sent.
func redirectRequest(ctx context.Context, initial, req *http.Request, resp *http.Response, body []byte, stripSensitive *bool) (*http.Request, error) {
	method, includeBody := req.Method, true
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		includeBody = false
		if method != http.MethodGet && method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // 3xx without Location: the response is the answer
	}
	u, err := req.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("failed to parse Location header %q: %w", loc, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("redirect to %q: unsupported protocol scheme %q", loc, u.Scheme)
	}
	var rbody io.Reader
	if includeBody && body != nil {
		rbody = bytes.NewReader(body)
	}
	// A load-testing tool connects to the URL its user gives, and follows that
	// server's redirects as net/http's client and k6's http module do:
	// requesting a URL from outside input is what it is for.
	next, err := http.NewRequestWithContext(ctx, method, u.String(), rbody) // #nosec G704 -- the user's target and its redirects, see above
	if err != nil {
		return nil, err
	}
	if !*stripSensitive && initial.URL.Host != next.URL.Host && !isDomainOrSubdomain(next.URL.Hostname(), initial.URL.Hostname()) {
		*stripSensitive = true
	}
	for k, vv := range initial.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization", "Proxy-Authenticate":
			if *stripSensitive {
				continue
			}
		case "Content-Encoding", "Content-Language", "Content-Location", "Content-Type":
			if !includeBody {
				continue
			}
		}
		next.Header[k] = vv
	}
	if ref := refererForURL(req.URL, next.URL, next.Header.Get("Referer")); ref != "" {
		next.Header.Set("Referer", ref)
	}
	return next, nil
}

// isDomainOrSubdomain reports whether sub is parent or a subdomain of it.
func isDomainOrSubdomain(sub, parent string) bool {
	sub, parent = strings.ToLower(sub), strings.ToLower(parent)
	if sub == parent {
		return true
	}
	if strings.ContainsAny(sub, ":%") { // an IPv6 address
		return false
	}
	return strings.HasSuffix(sub, "."+parent)
}

// refererForURL is the Referer of a redirect from last to next: none from
// https to http, else the one set explicitly, else last without userinfo.
func refererForURL(last, next *url.URL, explicit string) string {
	if last.Scheme == "https" && next.Scheme == "http" {
		return ""
	}
	if explicit != "" {
		return explicit
	}
	ref := *last
	ref.User = nil
	return ref.String()
}
