package barrier

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// clientRegistry shares one go-redis client (one connection pool) per Redis
// URL in the process, so that all barriers and VUs of a k6 instance use the
// same pool. Clients live as long as the process: a k6 run ends with it, and
// closing a pool while another VU may still use it would be worse than
// keeping a few idle connections. Creating a client does no I/O; it connects
// on first use.
var clientRegistry = struct {
	sync.Mutex
	clients map[string]*sharedClient
}{clients: map[string]*sharedClient{}}

type sharedClient struct {
	client redis.UniversalClient
	addr   string
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
	c := &sharedClient{client: t.newClient(), addr: t.addr}
	clientRegistry.clients[rawURL] = c
	return c, nil
}

// redisTarget is a parsed Redis URL.
type redisTarget struct {
	addr    string // host:port, or comma-separated seeds of a cluster; no password
	single  *redis.Options
	cluster *redis.ClusterOptions
}

func (t redisTarget) newClient() redis.UniversalClient {
	if t.cluster != nil {
		return redis.NewClusterClient(t.cluster)
	}
	return redis.NewClient(t.single)
}

// parseRedisURL parses a Redis URL:
//
//	redis://[user:password@]host:port[/db][?option=value]   plain TCP
//	rediss://...                                             TLS
//	unix://[user:password@]/path/to/redis.sock[?db=n]         Unix socket
//	redis+cluster://[user:password@]host:port,host:port,...  Redis Cluster seeds
//	rediss+cluster://...                                     Redis Cluster over TLS
//
// Its errors never contain the password.
func parseRedisURL(raw string) (redisTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included.
		return redisTarget{}, errors.New("not a valid URL: expected redis://[user:password@]host:port[/db] " +
			"(escape special characters of the password, e.g. '@' as %40)")
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return redisTarget{}, fmt.Errorf("%s: %s", redacted(u), scrub(err.Error(), u))
		}
		return redisTarget{addr: opts.Addr, single: opts}, nil
	case "redis+cluster", "rediss+cluster":
		hosts := strings.Split(u.Host, ",")
		for _, h := range hosts {
			if h == "" {
				return redisTarget{}, fmt.Errorf("%s: empty host in the cluster seed list: expected host:port,host:port,...", redacted(u))
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
			return redisTarget{}, fmt.Errorf("%s: %s", redacted(u), scrub(err.Error(), u))
		}
		return redisTarget{addr: strings.Join(opts.Addrs, ","), cluster: opts}, nil
	case "":
		return redisTarget{}, errors.New("the URL has no scheme: expected redis://host:port, rediss://host:port or redis+cluster://host:port,host:port")
	default:
		return redisTarget{}, fmt.Errorf("unsupported URL scheme %q: expected redis, rediss, unix, redis+cluster or rediss+cluster", u.Scheme)
	}
}

// redacted is u for an error message: its password masked, and the values of its query options
// masked too (a password can hide there, e.g. ?password=...), their names kept.
func redacted(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		c.RawQuery = q.Encode()
	}
	return c.Redacted()
}

// scrub removes u's passwords (user:password@ and password query options) from s.
func scrub(s string, u *url.URL) string {
	var secrets []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	secrets = append(secrets, u.Query()["password"]...)
	for _, pw := range secrets {
		if pw != "" {
			s = strings.ReplaceAll(s, pw, "xxxxx")
			s = strings.ReplaceAll(s, url.QueryEscape(pw), "xxxxx")
		}
	}
	return s
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
