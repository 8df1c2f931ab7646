package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

const (
	// initialBufferSize is the size of a line buffer when it is first
	// needed: small, as most streams idle most of the time. It doubles for
	// longer lines, and up to busyBufferSize while reads fill it.
	initialBufferSize = 512
	// busyBufferSize is the buffer size a stream that keeps the buffer full
	// grows to, so that one read takes many events.
	busyBufferSize = 4 << 10
	// maxRetainedBufferSize is the largest line buffer kept once it is
	// empty again: a buffer grown for a rare long line is given back, so an
	// idle stream holds little memory.
	maxRetainedBufferSize = 64 << 10
	// maxEmptyReads is how many reads returning nothing in a row a reader
	// may make before it is deemed broken (as bufio does).
	maxEmptyReads = 100
	// utf8BOM is the UTF-8 byte order mark, skipped once at the very start.
	utf8BOM = "\xEF\xBB\xBF"
)

// errNeedMore says that no complete line is buffered and the caller asked
// not to block on a read.
var errNeedMore = errors.New("sse: no complete line buffered")

// lineReader splits a byte stream into lines ended by CR, LF or CRLF, the
// CRLF pair also when the CR ends one read and the LF starts the next. It
// scans its own buffer (no per-line allocation) and bounds line length.
type lineReader struct {
	src     io.Reader
	buf     []byte
	r, w    int // buffered, unread bytes: buf[r:w]
	scan    int // buf[r:scan] is known to hold no line end
	maxLine int // longest line accepted, terminator excluded
	err     error
	crFree  int  // buf[crFree:w] holds no CR: lines there need no CR search
	valid   int  // buf[valid:w] is valid UTF-8: lines there need no check
	peak    int  // the most bytes buffered since the buffer was allocated
	hint    int  // size of the last large buffer released: where a long line grows to at once
	skipLF  bool // the last line ended with a CR at the end of the buffer
	full    bool // the last read filled the buffer
	bomDone bool // the start of the stream was checked for a BOM
}

// readLine returns the next line without its terminator, and whether it is
// known to be valid UTF-8. The line aliases the buffer and is valid until
// the next call. With block false it returns
// errNeedMore instead of reading when no complete line is buffered. Once the
// source fails or ends, readLine returns that error (io.EOF at the end).
func (l *lineReader) readLine(block bool) (line []byte, valid bool, err error) {
	// Fast path: an LF-ended line, no CR about, past the BOM check.
	if l.bomDone && !l.skipLF && l.r >= l.crFree {
		b := l.buf[l.r:l.w]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i <= l.maxLine {
			valid := l.r >= l.valid
			l.r += i + 1
			l.scan = l.r
			return b[:i], valid, nil
		}
	}
	for {
		if l.skipLF && l.r < l.w {
			l.skipLF = false
			if l.buf[l.r] == '\n' {
				l.r++
			}
		}
		if !l.bomDone {
			l.bomDone = l.checkBOM()
		}
		if l.bomDone {
			if l.scan < l.r {
				l.scan = l.r
			}
			end := l.w
			if i := l.indexLineEnd(); i >= 0 {
				end = l.scan + i
			}
			if end-l.r > l.maxLine { // whether or not its end is buffered
				return nil, false, fmt.Errorf("%w: a line exceeds %d bytes", ErrEventTooLarge, l.maxLine)
			}
			if end < l.w {
				valid := l.r >= l.valid
				return l.takeLine(end), valid, nil
			}
			l.scan = l.w
		}
		if l.err != nil {
			return nil, false, l.err
		}
		if !block {
			return nil, false, errNeedMore
		}
		l.fill()
	}
}

// takeLine consumes the line ended by the CR or LF at buf[end].
func (l *lineReader) takeLine(end int) []byte {
	line := l.buf[l.r:end]
	next := end + 1
	if l.buf[end] == '\r' {
		switch {
		case next < l.w:
			if l.buf[next] == '\n' {
				next++
			}
		default:
			l.skipLF = true
		}
	}
	l.r, l.scan = next, next
	return line
}

// checkBOM skips a BOM at the start of the stream. It reports false while
// too few bytes are buffered to decide.
func (l *lineReader) checkBOM() bool {
	b := l.buf[l.r:l.w]
	if len(b) >= len(utf8BOM) {
		if string(b[:len(utf8BOM)]) == utf8BOM {
			l.r += len(utf8BOM)
		}
		return true
	}
	return string(b) != utf8BOM[:len(b)] || l.err != nil
}

// indexLineEnd returns the index of the first CR or LF in buf[scan:w], or
// -1. Streams that use no CR cost one search (for LF) per line.
func (l *lineReader) indexLineEnd() int {
	b := l.buf[l.scan:l.w]
	lf := bytes.IndexByte(b, '\n')
	if l.scan >= l.crFree {
		return lf
	}
	head := b
	if lf >= 0 {
		head = b[:lf]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		return cr
	}
	return lf
}

// buffered reports whether unread bytes (a partial line) are buffered.
func (l *lineReader) buffered() bool { return l.w > l.r }

// fill makes room in the buffer and reads once into it.
func (l *lineReader) fill() {
	switch {
	case l.r == l.w && len(l.buf) > maxRetainedBufferSize:
		l.release()
	case l.r > 0:
		n := copy(l.buf, l.buf[l.r:l.w])
		l.scan -= l.r
		l.crFree = max(l.crFree-l.r, 0)
		l.valid = max(l.valid-l.r, 0)
		l.r, l.w = 0, n
	}
	if l.w == len(l.buf) || l.full && len(l.buf) < busyBufferSize {
		l.grow()
		if l.w == len(l.buf) { // unreachable: readLine bounds lines first
			l.err = fmt.Errorf("%w: a line exceeds %d bytes", ErrEventTooLarge, l.maxLine)
			return
		}
	}
	for range maxEmptyReads {
		n, err := l.src.Read(l.buf[l.w:])
		if n < 0 || n > len(l.buf)-l.w {
			l.err = fmt.Errorf("sse: reading stream: %w", errInvalidRead)
			return
		}
		l.full = n == len(l.buf)-l.w
		chunk := l.buf[l.w : l.w+n]
		if bytes.IndexByte(chunk, '\r') >= 0 {
			l.crFree = l.w + n
		}
		if !utf8.Valid(chunk) { // a character split between reads, or invalid bytes
			l.valid = l.w + n
		}
		l.w += n
		l.peak = max(l.peak, l.w)
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("sse: reading stream: %w", err)
			}
			l.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	l.err = fmt.Errorf("sse: reading stream: %w", io.ErrNoProgress)
}

// errInvalidRead says that a reader returned an impossible byte count.
var errInvalidRead = errors.New("reader returned an invalid count")

// grow enlarges the buffer, doubling it up to one line's worth (rounded up
// to a power of two).
func (l *lineReader) grow() {
	limit := bufferSize(l.maxLine + 1) // room to see that a line is too long
	size := min(max(2*len(l.buf), bufferSize(min(initialBufferSize, l.maxLine+1))), limit)
	if len(l.buf) >= busyBufferSize && l.hint > size {
		// A long line again: grow at once to the size the last one took
		// rather than doubling, copying the line each time, up to it.
		size = min(l.hint, limit)
	}
	buf := getBuffer(size)
	copy(buf, l.buf[:l.w])
	putBuffer(l.buf)
	l.buf = buf
}

// release gives up the buffer, keeping no buffered bytes.
func (l *lineReader) release() {
	if l.peak > maxRetainedBufferSize {
		l.hint = bufferSize(l.peak)
	}
	putBuffer(l.buf)
	l.buf = nil
	l.r, l.w, l.scan, l.crFree, l.valid, l.peak = 0, 0, 0, 0, 0, 0
}
