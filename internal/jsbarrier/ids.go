package jsbarrier

import "sync"

// vuNumbers numbers the VUs of each scenario of a process 1, 2, ... in the order they first ask:
// the default participant id. k6 runs at most a scenario's maximum VUs in it (each executor takes
// that many VUs and no more), so the numbers of a scenario are 1..its VUs, whichever VUs of the
// test k6 gave it. One per process.
type vuNumbers struct {
	mu  sync.Mutex
	ids map[string]map[uint64]uint64 // scenario -> VU id in the test -> number
}

func newVUNumbers() *vuNumbers { return &vuNumbers{ids: map[string]map[uint64]uint64{}} }

// of returns the number of the VU vuIDGlobal within scenario, giving it the next one at its first
// call.
func (n *vuNumbers) of(scenario string, vuIDGlobal uint64) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	vus := n.ids[scenario]
	if vus == nil {
		vus = map[uint64]uint64{}
		n.ids[scenario] = vus
	}
	id, ok := vus[vuIDGlobal]
	if !ok {
		id = uint64(len(vus)) + 1
		vus[vuIDGlobal] = id
	}
	return id
}
