package redistest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartCluster starts a Redis Cluster of n masters (no replicas) on free
// loopback ports, its 16384 slots split evenly, stopped when the test ends.
// It returns the nodes, or an error saying why not (redis-server missing, the
// cluster not converging); a test usually t.Skip()s with it.
func StartCluster(t testing.TB, n int) ([]*Server, error) {
	t.Helper()
	if n < 1 {
		return nil, fmt.Errorf("a cluster needs at least 1 node, got %d", n)
	}
	nodes := make([]*Server, n)
	clients := make([]*redis.Client, n)
	for i := range nodes {
		s, err := StartServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		if err != nil {
			return nil, err
		}
		nodes[i] = s
		clients[i] = s.Client(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const slots = 16384
	for i, c := range clients {
		from, to := i*slots/n, (i+1)*slots/n-1
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", from, to).Err(); err != nil {
			return nil, fmt.Errorf("CLUSTER ADDSLOTSRANGE on %s: %w", nodes[i].Addr, err)
		}
	}
	for _, s := range nodes[1:] {
		host, port, _ := net.SplitHostPort(s.Addr)
		if err := clients[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			return nil, fmt.Errorf("CLUSTER MEET %s: %w", s.Addr, err)
		}
	}
	for i, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)+"\r") {
				break
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("cluster node %s did not become ready: %w %q", nodes[i].Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("redistest: started a %d-node Redis Cluster", n)
	return nodes, nil
}
