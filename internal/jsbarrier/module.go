package jsbarrier

import (
	"sync"

	"github.com/grafana/sobek"

	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"

	"github.com/xk6-barrier/xk6-barrier/internal/k6util"
)

// RootModule is the k6/x/barrier module: one per process, registered by the extension's register.go.
type RootModule struct {
	// onInstance, when set (tests), is told every module instance made.
	onInstance func(*ModuleInstance)
	// sched is k6's account of the process's VUs, as the rendezvous reads it (presence.go); made
	// once, by the first module instance (k6 initializes VUs concurrently).
	sched     *scheduler
	schedOnce sync.Once
	// numbers are the VUs' numbers within their scenarios (ids.go), made with sched.
	numbers *vuNumbers
	// warned holds the warnings given once per process (plan.go).
	warned sync.Map
	// ends is how the process's barriers settled, reported at the test's end (ends.go), by the
	// first module instance whose VU has k6's events (endsOnce).
	ends     *ends
	endsOnce sync.Once
}

// NewRootModule returns the k6/x/barrier root module.
func NewRootModule() *RootModule { return &RootModule{} }

// scheduler returns the process's scheduler account.
func (root *RootModule) scheduler() *scheduler {
	root.schedOnce.Do(func() {
		root.sched = newScheduler(schedulerPoll)
		root.numbers = newVUNumbers()
		root.ends = newEnds()
	})
	return root.sched
}

var _ modules.Module = (*RootModule)(nil)

// NewModuleInstance returns the module instance of one VU: its metrics and its JS classes.
func (root *RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	rt := vu.Runtime()
	sched := root.scheduler() // makes the process's numbers and ends too
	mi := &ModuleInstance{
		vu:       vu,
		metrics:  &barrierMetrics{}, // no registry: nothing is recorded
		presence: newPresence(sched),
		numbers:  root.numbers,
		warned:   &root.warned,
		ends:     root.ends,
	}
	if registry := k6util.InitRegistry(vu); registry != nil {
		m, err := registerMetrics(registry)
		if err != nil {
			common.Throw(rt, err)
		}
		mi.metrics = m
	}
	var err error
	if mi.errorClass, err = defineBarrierError(rt); err != nil {
		common.Throw(rt, err)
	}
	mi.watchIterations()
	if vu.Events().Global != nil {
		root.endsOnce.Do(func() { root.watchTestEnd(mi) })
	}
	if root.onInstance != nil {
		root.onInstance(mi)
	}
	return mi
}

// ModuleInstance is k6/x/barrier as one VU sees it.
type ModuleInstance struct {
	vu         modules.VU
	metrics    *barrierMetrics
	errorClass *sobek.Object
	// presence is the VU's participation in rendezvous (presence.go).
	presence *presence
	// numbers are the process's VU numbers within scenarios (ids.go).
	numbers *vuNumbers
	// warned holds the process's warnings given once (plan.go).
	warned *sync.Map
	// ends is how the process's barriers settled (ends.go).
	ends *ends
}

var _ modules.Instance = (*ModuleInstance)(nil)

// Exports returns the module's named exports: the Barrier class and BarrierError.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"Barrier":      mi.newBarrier,
		"BarrierError": mi.errorClass,
	}}
}
