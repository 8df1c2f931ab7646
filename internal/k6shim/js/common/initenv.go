package common

import (
	"net/url"

	"go.k6.io/k6/v2/lib"
)

// InitEnvironment is what Go code sees of the k6 init context (k6's type also carries the file
// systems, which the shim leaves out).
type InitEnvironment struct {
	*lib.TestPreInitState
	CWD *url.URL
}
