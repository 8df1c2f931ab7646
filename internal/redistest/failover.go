package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kill ends the server at once with SIGKILL, as a crash would (a test's fault injection). Only a
// server this package started can be killed; for others it does nothing.
func (s *Server) Kill() {
	if s.proc != nil {
		s.proc.stop()
	}
}

// Cluster is a Redis Cluster of masters, each with one replica, started by StartFailoverCluster.
type Cluster struct {
	Masters  []*Server
	Replicas []*Server // Replicas[i] replicates Masters[i]
}

// Seeds is the comma-separated addresses of every node, for a redis+cluster:// URL.
func (c *Cluster) Seeds() string {
	addrs := make([]string, 0, len(c.Masters)+len(c.Replicas))
	for _, s := range append(append([]*Server{}, c.Masters...), c.Replicas...) {
		addrs = append(addrs, s.Addr)
	}
	return strings.Join(addrs, ",")
}

// StartFailoverCluster starts a Redis Cluster of n masters with one replica each, on free loopback
// ports, with --cluster-node-timeout nodeTimeout (a killed master's replica is promoted about
// nodeTimeout plus a second after the kill), stopped when the test ends.
func StartFailoverCluster(t testing.TB, n int, nodeTimeout time.Duration) (*Cluster, error) {
	t.Helper()
	args := []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10),
		"--cluster-replica-validity-factor", "0", "--repl-ping-replica-period", "1"}
	c := &Cluster{}
	all := make([]*Server, 2*n)
	for i := range all {
		s, err := StartServer(t, args...)
		if err != nil {
			return nil, err
		}
		all[i] = s
	}
	c.Masters, c.Replicas = all[:n], all[n:]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	clients := make([]*redis.Client, len(all))
	for i, s := range all {
		clients[i] = s.Client(t)
	}
	const slots = 16384
	for i := range c.Masters {
		from, to := i*slots/n, (i+1)*slots/n-1
		if err := clients[i].Do(ctx, "CLUSTER", "ADDSLOTSRANGE", from, to).Err(); err != nil {
			return nil, fmt.Errorf("CLUSTER ADDSLOTSRANGE on %s: %w", all[i].Addr, err)
		}
	}
	for _, s := range all[1:] {
		host, port, _ := net.SplitHostPort(s.Addr)
		if err := clients[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			return nil, fmt.Errorf("CLUSTER MEET %s: %w", s.Addr, err)
		}
	}
	for i := range c.Replicas {
		master, err := clients[i].ClusterMyID(ctx).Result()
		if err != nil {
			return nil, fmt.Errorf("CLUSTER MYID on %s: %w", c.Masters[i].Addr, err)
		}
		rc := clients[n+i]
		for {
			err := rc.ClusterReplicate(ctx, master).Err()
			if err == nil {
				break
			}
			if ctx.Err() != nil { // the replica does not know the master yet: the MEET is gossiping
				return nil, fmt.Errorf("CLUSTER REPLICATE on %s: %w", c.Replicas[i].Addr, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for i, cl := range clients {
		if err := waitClusterNodeReady(ctx, cl, 2*n, i >= n); err != nil {
			return nil, fmt.Errorf("cluster node %s did not become ready: %w", all[i].Addr, err)
		}
	}
	t.Logf("redistest: started a Redis Cluster of %d masters with a replica each (node timeout %s)", n, nodeTimeout)
	return c, nil
}

// waitClusterNodeReady waits until the node sees the cluster ok with its nodes all known and, for
// a replica, its link to its master up.
func waitClusterNodeReady(ctx context.Context, cl *redis.Client, nodes int, replica bool) error {
	for {
		info, err := cl.ClusterInfo(ctx).Result()
		ok := err == nil && strings.Contains(info, "cluster_state:ok") &&
			strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(nodes)+"\r")
		if ok && replica {
			repl, _ := cl.Info(ctx, "replication").Result()
			ok = strings.Contains(repl, "master_link_status:up")
		}
		if ok {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (last: %q)", errors.Join(ctx.Err(), err), info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NeedFailoverCluster is StartFailoverCluster for a test that cannot run without it (see Unavailable).
func NeedFailoverCluster(t testing.TB, n int, nodeTimeout time.Duration) *Cluster {
	t.Helper()
	c, err := StartFailoverCluster(t, n, nodeTimeout)
	if err != nil {
		Unavailable(t, "a Redis Cluster of redis-server processes with replicas", err)
	}
	return c
}

// WaitMaster waits until s reports the role master (a replica promoted by a failover) and returns
// when it saw it, or an error at ctx's end.
func WaitMaster(ctx context.Context, t testing.TB, s *Server) (time.Time, error) {
	t.Helper()
	c := s.Client(t)
	for {
		role, err := c.Do(ctx, "ROLE").Slice()
		if err == nil && len(role) > 0 && role[0] == "master" {
			return time.Now(), nil
		}
		if ctx.Err() != nil {
			return time.Time{}, fmt.Errorf(
				"%s did not become master: %w (last role: %v)",
				s.Addr, errors.Join(ctx.Err(), err), role)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Sentinel is a primary with one replica and the Sentinels that watch them, started by
// StartSentinel.
type Sentinel struct {
	Primary   *Server
	Replica   *Server
	Sentinels []*Server
	Name      string // the name the Sentinels monitor the primary by
}

// URL is the redis+sentinel:// URL of the primary.
func (s *Sentinel) URL() string {
	addrs := make([]string, 0, len(s.Sentinels))
	for _, x := range s.Sentinels {
		addrs = append(addrs, x.Addr)
	}
	return "redis+sentinel://" + strings.Join(addrs, ",") + "/" + s.Name
}

// StartSentinel starts a primary, one replica of it and n Sentinels (quorum 1) on free loopback
// ports, with down-after-milliseconds downAfter: a killed primary's replica is promoted about
// downAfter plus a second or two later. They stop when the test ends. It needs redis-server (run
// with --sentinel).
func StartSentinel(t testing.TB, n int, downAfter time.Duration) (*Sentinel, error) {
	t.Helper()
	primary, err := StartServer(t, "--repl-ping-replica-period", "1")
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(primary.Addr)
	replica, err := StartServer(t, "--replicaof", host, port, "--repl-ping-replica-period", "1")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc := replica.Client(t)
	for {
		repl, _ := rc.Info(ctx, "replication").Result()
		if strings.Contains(repl, "master_link_status:up") {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("replica %s did not sync with %s", replica.Addr, primary.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := &Sentinel{Primary: primary, Replica: replica, Name: "mymaster"}
	for i := 0; i < n; i++ {
		conf := fmt.Sprintf("sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
			s.Name, host, port, s.Name, downAfter.Milliseconds(), s.Name, s.Name)
		srv, err := startSentinelProcess(t, conf)
		if err != nil {
			return nil, err
		}
		s.Sentinels = append(s.Sentinels, srv)
	}
	// Wait until every Sentinel knows the replica: only then can it promote it.
	for _, x := range s.Sentinels {
		c := x.Client(t)
		for {
			reps, err := c.Do(ctx, "SENTINEL", "REPLICAS", s.Name).Slice()
			if err == nil && len(reps) > 0 {
				break
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("sentinel %s did not discover the replica: %w", x.Addr, errors.Join(ctx.Err(), err))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf(
		"redistest: started a primary %s, its replica %s and %d Sentinels (down after %s)",
		primary.Addr, replica.Addr, n, downAfter)
	return s, nil
}

// NeedSentinel is StartSentinel for a test that cannot run without it (see Unavailable).
func NeedSentinel(t testing.TB, n int, downAfter time.Duration) *Sentinel {
	t.Helper()
	s, err := StartSentinel(t, n, downAfter)
	if err != nil {
		Unavailable(t, "redis-server processes and a Sentinel (redis-server --sentinel)", err)
	}
	return s
}

// startSentinelProcess starts redis-server --sentinel with conf on a free port.
func startSentinelProcess(t testing.TB, conf string) (*Server, error) {
	bin, err := findRedisServer()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		// Not t.TempDir: the process owns its directory (its stop removes it), and a failed attempt
		// removes its own at once.
		dir, err := os.MkdirTemp("", "redistest-sentinel-") //nolint:usetesting // see above
		if err != nil {
			return nil, err
		}
		file := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := launch(bin, []string{file, "--sentinel", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--daemonize", "no", "--logfile", ""}, addr, dir)
		if err != nil {
			lastErr = err
			continue
		}
		t.Cleanup(p.stop)
		return p.server(), nil
	}
	return nil, lastErr
}
