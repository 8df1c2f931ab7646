package jseventsource

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"syscall"

	"github.com/sirupsen/logrus"
	"gopkg.in/guregu/null.v3"

	"go.k6.io/k6/v2/lib"
	"go.k6.io/k6/v2/metrics"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
	"github.com/xk6-barrier/xk6-barrier/sse"
)

// vuClient returns the http.Client of a stream, made as k6/http makes its requests: through the
// VU's transport (lib.State.Transport: HTTP/2 by ALPN with a connection shared by the VU's
// requests, HTTP/1.1 otherwise, proxies from the environment, the TLS options, hosts,
// blockHostnames, local IPs, and data_sent/data_received counted by the VU's dialer), printed by
// --http-debug, with the VU's cookie jar read and filled at every request, redirect hops included
// (each hop's Set-Cookie filed under the hop's URL), and redirects followed up to redirects: the
// stream's own redirects param, else the maxRedirects option. Past that, the redirect response
// itself is the answer, as in k6/http; when the limit is maxRedirects' default, a warning says so.
// A stream's https requests take turns with the VU's other streams to the same host until they
// have their connection (conns.gates, see connGates), so that streams opened at once share HTTP/2
// connections as k6/http's requests do; its http:// requests go through a copy of the VU's
// transport with smaller buffers (conns.plain, see plainTransport).
func vuClient(state *lib.State, conns *vuConns, redirects null.Int, tags metrics.TagsAndMeta) *http.Client {
	var transport http.RoundTripper = &streamTransport{vu: state.Transport, plain: &conns.plain, gates: &conns.gates}
	if state.Transport == nil {
		transport = http.DefaultTransport // not in a k6 VU (a test's state without one)
	}
	if mode := state.Options.HTTPDebug.String; mode != "" && state.Logger != nil {
		fields := logrus.Fields{"source": "http-debug", "vu": state.VUID, "iter": state.Iteration}
		for k, v := range tags.Metadata {
			if _, set := fields[k]; !set {
				fields[k] = v
			}
		}
		for k, v := range tags.Tags.Map() {
			if _, set := fields[k]; !set {
				fields[k] = v
			}
		}
		transport = httpDebugTransport{next: transport, full: mode == "full", logger: state.Logger.WithFields(fields)}
	}
	client := &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if l := len(via); int64(l) > redirects.Int64 {
				if !redirects.Valid && state.Logger != nil {
					state.Logger.WithField("url", redact.HTTPURL(via[0].URL.String())).Warnf(
						"Stopped after %d redirects and returned the redirection; pass { redirects: n }"+
							" in the stream's params or set the maxRedirects option to silence this", l)
				}
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	if state.CookieJar != nil { // not a nil *cookiejar.Jar in the interface
		client.Jar = state.CookieJar
	}
	return client
}

// httpDebugTransport prints each request and response of a stream as k6's --http-debug prints
// k6/http's, with the same log fields. The response body is never printed, even with
// --http-debug=full: it is an event stream, read as it comes.
type httpDebugTransport struct {
	next   http.RoundTripper
	full   bool
	logger logrus.FieldLogger
}

// RoundTrip implements http.RoundTripper.
func (t httpDebugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := newRequestID()
	if dump, err := httputil.DumpRequestOut(req, t.full); err != nil {
		t.logger.Error(err)
	} else {
		t.logger.WithField("request_id", id).Infof("Request:\n%s\n", bytes.ReplaceAll(dump, []byte("\r\n"), []byte{'\n'}))
	}
	resp, err := t.next.RoundTrip(req)
	if resp != nil {
		if dump, err := httputil.DumpResponse(resp, false); err != nil {
			t.logger.Error(err)
		} else {
			t.logger.WithField("request_id", id).Infof("Response:\n%s\n", bytes.ReplaceAll(dump, []byte("\r\n"), []byte{'\n'}))
		}
	}
	return resp, err //nolint:wrapcheck // a RoundTripper returns its transport's error as it is
}

// newRequestID returns a random UUID (version 4), as k6 names the requests it prints.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// k6 error codes (the error_code system tag), the subset of k6/http's that a stream's errors map
// to; the numbers are k6's.
const (
	errCodeDefault        = 1000
	errCodeRequestTimeout = 1050
	errCodeDNS            = 1100
	errCodeDNSNoSuchHost  = 1101
	errCodeTCP            = 1200
	errCodeTCPBrokenPipe  = 1201
	errCodeTCPDial        = 1210
	errCodeTCPDialTimeout = 1211
	errCodeTCPDialRefused = 1212
	errCodeTCPResetByPeer = 1220
	errCodeTLSHeader      = 1301
	errCodeX509Unknown    = 1310
	errCodeX509Hostname   = 1311
	errCodeDecompression  = 1701
	errCodeNone           = 0
)

// errorCode is the k6 error code of a stream's error, as k6/http would tag the same failure; 0
// for a response that was answered (its status tells) and for a stream cut by a limit of ours.
func errorCode(err error) int {
	var (
		re      *sse.ResponseError
		dnsErr  *net.DNSError
		opErr   *net.OpError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		header  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &re):
		if errors.Is(err, sse.ErrContentEncoding) {
			return errCodeDecompression
		}
		return errCodeNone
	case errors.Is(err, sse.ErrEventTooLarge), errors.Is(err, sse.ErrIdleTimeout), errors.Is(err, sse.ErrRetriesExhausted):
		return errCodeNone
	case errors.Is(err, sse.ErrConnectTimeout):
		return errCodeRequestTimeout
	case errors.Is(err, sse.ErrDecoding):
		return errCodeDecompression
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return errCodeDNSNoSuchHost
		}
		return errCodeDNS
	case errors.As(err, &unknown):
		return errCodeX509Unknown
	case errors.As(err, &host):
		return errCodeX509Hostname
	case errors.As(err, &header):
		return errCodeTLSHeader
	case errors.Is(err, syscall.ECONNREFUSED):
		return errCodeTCPDialRefused
	case errors.Is(err, syscall.ECONNRESET):
		return errCodeTCPResetByPeer
	case errors.Is(err, syscall.EPIPE):
		return errCodeTCPBrokenPipe
	case errors.As(err, &opErr):
		if opErr.Op == "dial" {
			if opErr.Timeout() {
				return errCodeTCPDialTimeout
			}
			return errCodeTCPDial
		}
		return errCodeTCP
	}
	return http2ErrorCode(err) // errCodeDefault unless an HTTP/2 failure
}

// errorCodeTag is errorCode as the error_code tag's value, "" for none.
func errorCodeTag(err error) string {
	if c := errorCode(err); c != errCodeNone {
		return strconv.Itoa(c)
	}
	return ""
}
