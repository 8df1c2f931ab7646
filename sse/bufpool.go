package sse

import (
	"math/bits"
	"sync"
)

// largeBuffers pools line buffers larger than maxRetainedBufferSize, one
// pool per power-of-two size, so that decoders share the rare large buffers
// instead of each keeping its own (the pools empty themselves at GC).
//
//nolint:gochecknoglobals // the pools are shared by every decoder of the process: that is their point
var largeBuffers [bits.UintSize]sync.Pool

// bufferSize rounds n up to a power of two.
func bufferSize(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// getBuffer returns a buffer of size bytes; size is a power of two.
func getBuffer(size int) []byte {
	if size <= maxRetainedBufferSize {
		return make([]byte, size)
	}
	if b, ok := largeBuffers[bits.Len(uint(size))].Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, size)
}

// putBuffer gives a buffer from getBuffer back for reuse.
func putBuffer(b []byte) {
	if len(b) <= maxRetainedBufferSize || len(b) != bufferSize(len(b)) {
		return
	}
	largeBuffers[bits.Len(uint(len(b)))].Put(&b)
}
