package barrier

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/xk6-barrier/xk6-barrier/internal/redact"
)

// clientRegistry shares one go-redis client (one connection pool) per Redis
// URL in the process, so that all barriers and VUs of a k6 instance use the
// same pool. Clients live as long as the process: a k6 run ends with it, and
// closing a pool while another VU may still use it would be worse than
// keeping a few idle connections. Creating a client does no I/O; it connects
// on first use.
//
//nolint:gochecknoglobals // the process's registry, shared by the VUs (each a runtime of its own) of one k6 process
var clientRegistry = struct {
	sync.Mutex
	clients map[string]*sharedClient
}{clients: map[string]*sharedClient{}}

type sharedClient struct {
	client redis.UniversalClient
	addr   string
	hook   *failoverHook
}

// sharedClientFor returns the process's client for rawURL, creating it.
func sharedClientFor(rawURL string) (*sharedClient, error) {
	clientRegistry.Lock()
	defer clientRegistry.Unlock()
	if c, ok := clientRegistry.clients[rawURL]; ok {
		return c, nil
	}
	t, err := parseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	client, hook := t.newClient()
	c := &sharedClient{client: client, addr: t.addr, hook: hook}
	clientRegistry.clients[rawURL] = c
	return c, nil
}

// redisTarget is a parsed Redis URL.
type redisTarget struct {
	addr     string // host:port, comma-separated seeds of a cluster, or "master <name> via <sentinels>"; no password
	single   *redis.Options
	cluster  *redis.ClusterOptions
	sentinel *redis.FailoverOptions
}

func (t redisTarget) topology() topology {
	switch {
	case t.cluster != nil:
		return topologyCluster
	case t.sentinel != nil:
		return topologySentinel
	}
	return topologySingle
}

// newClient makes the client of t, with the failoverHook that retries commands while no master
// answers (see failover.go). It does no I/O.
func (t redisTarget) newClient() (redis.UniversalClient, *failoverHook) {
	h := &failoverHook{topo: t.topology()}
	switch {
	case t.cluster != nil:
		c := redis.NewClusterClient(t.cluster)
		h.cluster = c
		c.AddHook(h)
		return c, h
	case t.sentinel != nil:
		c := redis.NewFailoverClient(t.sentinel)
		c.AddHook(h)
		return c, h
	}
	c := redis.NewClient(t.single)
	c.AddHook(h)
	return c, h
}

// parseRedisURL parses a Redis URL:
//
//	redis://[user:password@]host:port[/db][?option=value]   plain TCP
//	rediss://...                                             TLS
//	unix://[user:password@]/path/to/redis.sock[?db=n]         Unix socket
//	redis+cluster://[user:password@]host:port,host:port,...  Redis Cluster seeds
//	rediss+cluster://...                                     Redis Cluster over TLS
//	redis+sentinel://[user:password@]host:port[,host:port]/<master-name>[?db=n]
//	                                                         the primary <master-name> of these Sentinels
//	rediss+sentinel://...                                    the same over TLS
//
// Its errors never contain the password.
func parseRedisURL(raw string) (redisTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included.
		return redisTarget{}, errors.New("not a valid URL: expected redis://[user:password@]host:port[/db] " +
			"(escape special characters of the password, e.g. '@' as %40)")
	}
	q := u.Query()
	set := func(name string) bool { return q.Has(name) }
	if u.Scheme != "unix" {
		if err := checkPorts(u); err != nil {
			return redisTarget{}, err
		}
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return redisTarget{}, fmt.Errorf("%s: %s", redact.URLAndQuery(u), redact.Secrets(err.Error(), u))
		}
		clientDefaults(set, opts.TLSConfig, &opts.Dialer, &opts.ContextTimeoutEnabled,
			&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.MaxRetries)
		opts.DialerRetries = 1
		return redisTarget{addr: opts.Addr, single: opts}, nil
	case "redis+cluster", "rediss+cluster":
		hosts := strings.Split(u.Host, ",")
		for _, h := range hosts {
			if h == "" {
				return redisTarget{}, fmt.Errorf(
					"%s: empty host in the cluster seed list: expected host:port[,host:port]",
					redact.URLAndQuery(u))
			}
		}
		c := *u
		c.Scheme = strings.TrimSuffix(u.Scheme, "+cluster")
		c.Host = hosts[0]
		q := c.Query()
		for _, h := range hosts[1:] {
			q.Add("addr", h)
		}
		c.RawQuery = q.Encode()
		opts, err := redis.ParseClusterURL(c.String())
		if err != nil {
			return redisTarget{}, fmt.Errorf("%s: %s", redact.URLAndQuery(u), redact.Secrets(err.Error(), u))
		}
		clientDefaults(set, opts.TLSConfig, &opts.Dialer, &opts.ContextTimeoutEnabled,
			&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.MaxRetries)
		opts.DialerRetries = 1
		return redisTarget{addr: strings.Join(opts.Addrs, ","), cluster: opts}, nil
	case "redis+sentinel", "rediss+sentinel":
		return parseSentinelURL(u, set)
	case "":
		return redisTarget{}, errors.New(
			"the URL has no scheme: expected redis://host:port, rediss://host:port, redis+cluster://host:port,host:port or " +
				"redis+sentinel://host:port/<master-name>")
	default:
		return redisTarget{}, fmt.Errorf(
			"unsupported URL scheme %q: expected redis, rediss, unix, redis+cluster, rediss+cluster, redis+sentinel or "+
				"rediss+sentinel",
			u.Scheme)
	}
}

// checkPorts refuses a host whose port is not a number in 1..65535 (the URL parsers of Go and
// go-redis take any digits, and the error would come only at the first dial).
func checkPorts(u *url.URL) error {
	for _, h := range strings.Split(u.Host, ",") {
		_, port, err := net.SplitHostPort(h)
		if err != nil {
			continue // no port: the default one
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%s: invalid port %q in %q: a port is a number from 1 to 65535", redact.URLAndQuery(u), port, h)
		}
	}
	return nil
}

// clientDefaults sets the client timeouts and retries the URL left unset (set tells which query
// options it set) to this package's, makes the client honour its context's deadline, and dials a TLS
// connection with tlsDialer.
func clientDefaults(
	set func(string) bool, cfg *tls.Config, dialer *func(context.Context, string, string) (net.Conn, error),
	contextTimeout *bool, dial, read, write, pool *time.Duration, retries *int,
) {
	if !set("dial_timeout") {
		*dial = DialTimeout
	}
	if !set("read_timeout") {
		*read = ReadTimeout
	}
	if !set("write_timeout") {
		*write = WriteTimeout
	}
	if !set("pool_timeout") {
		*pool = PoolTimeout
	}
	if !set("max_retries") {
		*retries = maxRetries
	}
	*contextTimeout = true
	if cfg != nil {
		*dialer = tlsDialer(cfg, *dial)
	}
}

// parseSentinelURL parses redis+sentinel://[user:password@]host:port[,host:port]/<master-name>[?db=n]:
// the Sentinels' addresses, the name of the primary they watch, and the user and password of the
// primary (those of the Sentinels, when they need some, are the query options sentinel_username and
// sentinel_password). Other query options are go-redis's, as for redis://.
func parseSentinelURL(u *url.URL, set func(string) bool) (redisTarget, error) {
	form := "expected " + u.Scheme + "://[user:password@]host:port[,host:port]/<master-name>[?db=n]"
	hosts := strings.Split(u.Host, ",")
	for _, h := range hosts {
		if h == "" {
			return redisTarget{}, fmt.Errorf("%s: empty host in the Sentinel list: %s", redact.URLAndQuery(u), form)
		}
	}
	name := strings.Trim(u.Path, "/")
	if name == "" || strings.Contains(name, "/") {
		return redisTarget{}, fmt.Errorf(
			"%s: the path must be the name of the primary the Sentinels watch (sentinel monitor <name> ...): %s",
			redact.URLAndQuery(u), form)
	}
	q := u.Query()
	sentinelUser, sentinelPass := q.Get("sentinel_username"), q.Get("sentinel_password")
	db := q.Get("db")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	q.Del("db")
	q.Del("master_name")
	c := url.URL{Scheme: strings.TrimSuffix(u.Scheme, "+sentinel"), Host: hosts[0], Path: "/" + db}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	q.Set("master_name", name)
	c.RawQuery = q.Encode()
	opts, err := redis.ParseFailoverURL(c.String())
	if err != nil {
		return redisTarget{}, fmt.Errorf("%s: %s", redact.URLAndQuery(u), redact.Secrets(err.Error(), u))
	}
	if u.User != nil {
		opts.Username = u.User.Username()
		opts.Password, _ = u.User.Password()
	}
	opts.SentinelUsername, opts.SentinelPassword = sentinelUser, sentinelPass
	clientDefaults(set, opts.TLSConfig, &opts.Dialer, &opts.ContextTimeoutEnabled,
		&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.MaxRetries)
	return redisTarget{addr: "master " + name + " via " + strings.Join(opts.SentinelAddrs, ","), sentinel: opts}, nil
}

// tlsDialer dials addr and does the TLS handshake within timeout. A handshake that fails other than
// on the certificate (a plain-text server answers garbage or nothing) says so, instead of a bare
// "context deadline exceeded".
func tlsDialer(
	cfg *tls.Config, timeout time.Duration,
) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := cfg.Clone()
		if c.ServerName == "" {
			c.ServerName, _, _ = net.SplitHostPort(addr)
		}
		hctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		conn := tls.Client(raw, c)
		if err := conn.HandshakeContext(hctx); err != nil {
			_ = raw.Close()
			var verr *tls.CertificateVerificationError
			var uerr x509.UnknownAuthorityError
			var herr x509.HostnameError
			var cerr x509.CertificateInvalidError
			if errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr) {
				return nil, configError{fmt.Errorf("TLS handshake with %s failed: %w", addr, err)}
			}
			return nil, fmt.Errorf(
				"TLS handshake with %s failed: is the server speaking TLS? use redis:// for plain text: %w",
				addr, err)
		}
		return conn, nil
	}
}

// clientAddr names the server(s) of a client for error messages.
func clientAddr(c redis.UniversalClient) string {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().Addr
	case *redis.ClusterClient:
		return strings.Join(c.Options().Addrs, ",")
	default:
		return "redis"
	}
}
