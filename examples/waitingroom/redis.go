package main

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// redisConn is the Redis the server uses and how to let go of it.
type redisConn struct {
	client *redis.Client
	// URL is the embedded Redis's URL, or the address of an external one
	// (never its password).
	URL      string
	Embedded bool
	embedded *miniredis.Miniredis
}

// openRedis connects to url, or starts an embedded Redis on a loopback port
// when url is empty, and checks the connection with PING.
func openRedis(ctx context.Context, url string) (*redisConn, error) {
	rc := &redisConn{}
	if url == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		rc.embedded, rc.Embedded = m, true
		rc.URL = "redis://" + m.Addr()
		rc.client = redis.NewClient(&redis.Options{Addr: m.Addr()})
	} else {
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("parse redis URL: %w", err)
		}
		rc.URL = opt.Addr
		rc.client = redis.NewClient(opt)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rc.client.Ping(pctx).Err(); err != nil {
		rc.Close()
		return nil, fmt.Errorf("ping redis at %s: %w", rc.URL, err)
	}
	return rc, nil
}

// Close closes the client and stops the embedded Redis, if any.
func (rc *redisConn) Close() {
	_ = rc.client.Close() // closing the pool; nothing left to do with an error
	if rc.embedded != nil {
		rc.embedded.Close()
	}
}
