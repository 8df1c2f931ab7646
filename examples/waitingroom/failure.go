package main

import (
	"crypto/sha256"
	"encoding/binary"
)

// injector decides deterministically which users an injected failure hits:
// the same seed, kind and user always give the same answer, so a run is
// reproducible and a retry of a refused user is refused again.
type injector struct{ seed uint64 }

// hit reports whether the failure kind with the given rate (0..1) hits userID.
func (in injector) hit(kind, userID string, rate float64) bool {
	switch {
	case rate <= 0:
		return false
	case rate >= 1:
		return true
	}
	h := sha256.New()
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], in.seed)
	h.Write(seed[:])
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	sum := h.Sum(nil)
	u := float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53) // uniform in [0, 1)
	return u < rate
}
