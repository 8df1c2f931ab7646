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
	// directMin is the length from which a partial data line is read
	// straight into the data buffer (readLong) rather than buffered here.
	directMin int
	noDirect  bool // the partial line buffered is not a data line: buffer it
}

// errLongData says that a long partial data line is buffered and the caller
// may read the rest of it with readLong; it never reaches a Decoder's user.
var errLongData = errors.New("sse: long data line")

// dataPrefixLen returns, for the start p of a line, the length of its
// "data:" prefix and the one space after it that the value drops (5 or 6),
// 0 if the line is not a data field with a value, or -1 if p is too short
// to tell. The prefix is ASCII, so it reads the same before and after UTF-8
// decoding.
func dataPrefixLen(p []byte) int {
	const prefix = "data:"
	if len(p) <= len(prefix) {
		if string(p) == prefix[:len(p)] {
			return -1
		}
		return 0
	}
	if string(p[:len(prefix)]) != prefix {
		return 0
	}
	if p[len(prefix)] == ' ' {
		return len(prefix) + 1
	}
	return len(prefix)
}

// readLine returns the next line without its terminator, and whether it is
// known to be valid UTF-8. The line aliases the buffer and is valid until
// the next call. With block false it returns
// errNeedMore instead of reading when no complete line is buffered. Once the
// source fails or ends, readLine returns that error (io.EOF at the end).
//
//nolint:gocognit // the decoder's hot loop, fast path first, in one piece as the benchmarks measure it
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
		if !l.noDirect && l.w-l.r >= l.directMin {
			switch dataPrefixLen(l.buf[l.r:l.w]) {
			case -1: // undecided: read on
			case 0:
				l.noDirect = true
			default:
				return nil, false, errLongData
			}
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
	l.noDirect = false
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
	n, err := l.read(l.buf[l.w:])
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
		l.err = err
	}
}

// read reads once into p, retrying reads that return nothing (as bufio
// does). It returns the bytes read and the error that ends the stream.
func (l *lineReader) read(p []byte) (int, error) {
	for range maxEmptyReads {
		n, err := l.src.Read(p)
		if n < 0 || n > len(p) {
			return 0, fmt.Errorf("sse: reading stream: %w", errInvalidRead)
		}
		if err != nil {
			if err != io.EOF { //nolint:errorlint // io.Reader ends with io.EOF itself; anything else is a read error
				err = fmt.Errorf("sse: reading stream: %w", err)
			}
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("sse: reading stream: %w", io.ErrNoProgress)
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
	l.noDirect = false
}

// minDirectRead is the least room readLong reads into.
const minDirectRead = maxFieldOverhead

// directChunk is the most readLong reads at once: 256 KiB, well within a
// CPU core's cache, where a network read is far smaller anyway.
const directChunk = 256 << 10

// readLong reads the rest of a long line straight into dst, so that its
// bytes are copied once, from the source to where they stay. readLine has
// just returned errLongData: the line's first bytes, with no line end among
// them, are buffered. readLong appends them but the first skip, and the
// rest of the line up to its end, to dst, and consumes the line and its end;
// bytes read past the end are buffered again (a CR at the end of a read
// expects an LF, as in readLine). dst grows as needed, up to limit bytes:
// once the line would take it beyond, over is true and dst holds no useful
// bytes (the line is still read to its end, to fail as readLine would).
// invalid says that the appended bytes are not valid UTF-8.
//
// The errors are readLine's: one wrapping ErrEventTooLarge when the line
// exceeds maxLine (checked after each read, before the read's error, as
// readLine does), or the source's error or end when the line does not end
// before it. dst's bytes past its length are scratch space: callers must
// not have handed them to anyone.
//
//nolint:gocognit // the long-line loop of readLine, in one piece as the benchmarks measure it
func (l *lineReader) readLong(dst []byte, skip, limit int) (out []byte, over, invalid bool, err error) {
	lineLen := l.w - l.r
	checked := len(dst) // dst[:checked] is known valid UTF-8, or not ours to check
	if len(dst)+lineLen-skip > limit {
		over, dst, checked = true, dst[:0], 0
	} else {
		dst = append(dst, l.buf[l.r+skip:l.w]...)
		cut := completeRunes(dst, checked)
		invalid = !utf8.Valid(dst[checked:cut])
		checked = cut
	}
	l.r, l.w, l.scan, l.crFree, l.valid = 0, 0, 0, 0, 0
	for {
		if cap(dst)-len(dst) < minDirectRead {
			dst = growDirect(dst, max(2*cap(dst), len(dst)+minDirectRead), limit)
		}
		// Reads stop at limit plus minDirectRead, so that the bytes read past
		// the line fit the line buffer (maxLine >= limit+minDirectRead), and
		// take at most directChunk: the scans below then run over bytes still
		// in the CPU's cache, so that the cost stays linear in the line's size.
		p := dst[len(dst):min(cap(dst), max(len(dst), limit)+minDirectRead, len(dst)+directChunk)]
		n, rerr := l.read(p)
		chunk := p[:n]
		end := bytes.IndexByte(chunk, '\n')
		head := chunk
		if end >= 0 {
			head = chunk[:end]
		}
		if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
			end = cr
		}
		if end < 0 {
			lineLen += n
			if lineLen > l.maxLine {
				return dst, over, invalid, fmt.Errorf("%w: a line exceeds %d bytes", ErrEventTooLarge, l.maxLine)
			}
			switch {
			case over:
			case len(dst)+n > limit:
				over, dst, checked = true, dst[:0], 0
			default:
				dst = dst[:len(dst)+n]
				cut := completeRunes(dst, checked)
				invalid = invalid || !utf8.Valid(dst[checked:cut])
				checked = cut
			}
			if rerr != nil {
				l.err = rerr
				return dst, over, invalid, rerr
			}
			continue
		}
		lineLen += end
		if lineLen > l.maxLine {
			return dst, over, invalid, fmt.Errorf("%w: a line exceeds %d bytes", ErrEventTooLarge, l.maxLine)
		}
		tail := chunk[end+1:]
		if chunk[end] == '\r' {
			switch {
			case len(tail) == 0:
				l.skipLF = true
			case tail[0] == '\n':
				tail = tail[1:]
			}
		}
		l.putBack(tail)
		l.err = rerr // after the bytes read with it
		switch {
		case over:
		case len(dst)+end > limit:
			over, dst = true, dst[:0]
		default:
			dst = dst[:len(dst)+end]
			invalid = invalid || !utf8.Valid(dst[checked:])
		}
		return dst, over, invalid, nil
	}
}

// growDirect returns dst with room for size bytes, or limit plus
// minDirectRead if less: a new buffer holding dst's bytes.
func growDirect(dst []byte, size, limit int) []byte {
	size = min(size, limit+minDirectRead)
	if size <= cap(dst) {
		return dst
	}
	b := make([]byte, len(dst), size)
	copy(b, dst)
	return b
}

// completeRunes returns the end of b's complete UTF-8 sequences from
// b[from:]: len(b), or the start of a sequence that b ends in the middle
// of, which the next bytes may complete. (Invalid bytes count as complete:
// utf8.Valid rejects them.)
func completeRunes(b []byte, from int) int {
	for i := len(b) - 1; i >= max(from, len(b)-utf8.UTFMax+1); i-- {
		if c := b[i]; c < utf8.RuneSelf {
			break
		} else if utf8.RuneStart(c) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// putBack buffers tail, the bytes that readLong read past its line, into
// the empty line buffer.
func (l *lineReader) putBack(tail []byte) {
	if len(tail) > len(l.buf) {
		putBuffer(l.buf)
		l.buf = getBuffer(bufferSize(len(tail)))
	}
	n := copy(l.buf, tail)
	l.r, l.w, l.scan, l.crFree, l.valid = 0, n, 0, 0, 0
	if bytes.IndexByte(tail, '\r') >= 0 {
		l.crFree = n
	}
	if !utf8.Valid(tail) {
		l.valid = n
	}
	l.peak = max(l.peak, n)
}
