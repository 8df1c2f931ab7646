// Package state is the shim of go.k6.io/k6/v2/cmd/state: the GlobalState that k6 hands to its
// commands and to subcommand extensions. It holds the fields of k6 v2.2.0's GlobalState that
// xk6-barrier uses, with their exact names and types; the real one has more.
package state

import (
	"context"
	"io"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"go.k6.io/k6/v2/internal/ui/console"
)

// GlobalState is the process-wide state of a k6 command: its context, command line, environment,
// standard streams, exit function and logger. Tests replace each with a double.
type GlobalState struct {
	Ctx context.Context

	BinaryName string
	CmdArgs    []string
	Env        map[string]string

	OutMutex       *sync.Mutex
	Stdout, Stderr *console.Writer
	Stdin          io.Reader

	OSExit func(int)

	Logger         *logrus.Logger
	FallbackLogger logrus.FieldLogger
}

// ParseEnvKeyValue splits "KEY=value" into its key and value; without '=' the value is empty.
func ParseEnvKeyValue(kv string) (string, string) {
	k, v, _ := strings.Cut(kv, "=")
	return k, v
}

// BuildEnvMap turns a list of "KEY=value" strings, as os.Environ returns, into a map.
func BuildEnvMap(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v := ParseEnvKeyValue(kv)
		env[k] = v
	}
	return env
}
