package k6util

import (
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

// InitRegistry returns the metrics registry of vu's init environment, where a module instance
// registers its metrics; nil when there is none (then the module records nothing).
func InitRegistry(vu modules.VU) *metrics.Registry {
	if env := vu.InitEnv(); env != nil {
		return env.Registry
	}
	return nil
}
