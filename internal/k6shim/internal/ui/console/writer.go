// Package console is the shim of go.k6.io/k6/v2/internal/ui/console: the Writer that k6's GlobalState
// uses for its standard output and error.
package console

import (
	"bytes"
	"io"
	"sync"
)

// Writer serializes writes to Writer with Mutex. When IsTTY is set, it erases the rest of the line
// before each newline, as k6's terminal output does.
type Writer struct {
	RawOutFd int
	Mutex    *sync.Mutex
	Writer   io.Writer
	IsTTY    bool

	// PersistentText, when set, is called after each write (k6 redraws its progress bars there).
	PersistentText func()
}

// Write writes p and reports len(p) unless the underlying writer fell short with an error.
func (w *Writer) Write(p []byte) (int, error) {
	n := len(p)
	if w.IsTTY {
		p = bytes.ReplaceAll(p, []byte("\n"), []byte("\x1b[0K\n"))
	}
	w.Mutex.Lock()
	written, err := w.Writer.Write(p)
	if w.PersistentText != nil {
		w.PersistentText()
	}
	w.Mutex.Unlock()
	if err != nil && written < n {
		return written, err
	}
	return n, err
}
