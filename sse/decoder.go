package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxEventSize is the largest event data a Decoder accepts unless
// told otherwise: 1 MiB.
const DefaultMaxEventSize = 1 << 20

// maxFieldOverhead is how much longer than the max event size a single line
// may be: room for a field name, colon and space ("data: ").
const maxFieldOverhead = 64

// maxSharedIDData is the longest event data that shares one allocation with
// a new last event ID; beyond it the ID gets its own, so that a lasting ID
// does not pin a large event's data in memory.
const maxSharedIDData = 256

// bigDataThreshold is the data size beyond which the data buffer becomes
// big: a buffer that the dispatched event takes over, saving a copy of large
// data.
const bigDataThreshold = 32 << 10

// directReadMin is the length from which a partial data line is read
// straight into the big data buffer rather than into the line buffer: the
// largest line buffer a busy stream of small events keeps.
const directReadMin = busyBufferSize

// maxRetryMillis is the largest retry value representable as a Duration.
const maxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// ErrEventTooLarge is wrapped by the error a Decoder returns when an event's
// data, or a single line, exceeds the max event size.
var ErrEventTooLarge = errors.New("sse: event too large")

// DecoderOption configures a Decoder.
type DecoderOption func(*Decoder)

// WithMaxEventSize bounds the data of one event to n bytes (default
// DefaultMaxEventSize), and a single line to n plus a few bytes for the field
// name. Exceeding either makes Next return an error wrapping
// ErrEventTooLarge. n < 1 means the default.
func WithMaxEventSize(n int) DecoderOption {
	return func(d *Decoder) {
		if n < 1 {
			n = DefaultMaxEventSize
		}
		d.maxEventSize = n
	}
}

// WithLastEventID starts the decoder with id as the last event ID, as an
// EventSource does when it reconnects: events of the new stream carry it
// until the stream sets another.
func WithLastEventID(id string) DecoderOption {
	return func(d *Decoder) {
		d.lastEventID = id
		d.idChanged = false
	}
}

// Decoder reads server-sent events from a byte stream, following the WHATWG
// HTML standard, "9.2.6 Interpreting an event stream", to the letter: UTF-8
// decoding (invalid bytes become U+FFFD), one leading BOM skipped, CR, LF and
// CRLF line ends, comments, fields with and without a value, one leading
// space of a value stripped, unknown fields ignored, "id" with NUL ignored,
// "retry" only when all digits, no dispatch of events without data, and an
// unfinished final event discarded. A Decoder is not safe for concurrent
// use.
type Decoder struct {
	lines        lineReader
	maxEventSize int
	bigThreshold int   // data size from which bigData is used
	err          error // sticky: once set, Next returns it

	data        []byte // data buffer, while small: values joined by LF
	bigData     []byte // data buffer, once large: given away at dispatch, never written again
	bigMode     bool   // the data buffer is bigData
	bigHint     int    // size of the last big data: how large a long data line's buffer starts
	hasData     bool   // the data buffer is not empty (it may be "")
	typeSet     bool   // the event type buffer is typeCache, else ""
	typeCache   string // the last event type seen, reused while it repeats
	idBuffer    []byte // last event ID buffer, if idChanged
	idChanged   bool   // the last event ID buffer differs from lastEventID
	lastEventID string // last event ID string, set at dispatch
	retry       time.Duration
	retrySet    bool
	scratch     []byte // a line with invalid UTF-8, decoded
	midEvent    bool   // fields were seen since the last dispatch
}

// NewDecoder returns a Decoder reading the event stream from r.
func NewDecoder(r io.Reader, opts ...DecoderOption) *Decoder {
	d := &Decoder{maxEventSize: DefaultMaxEventSize, bigThreshold: bigDataThreshold}
	d.lines.directMin = directReadMin
	for _, opt := range opts {
		opt(d)
	}
	d.lines.src = r
	d.lines.maxLine = d.maxEventSize + maxFieldOverhead
	return d
}

// Next returns the next event, reading as needed. At a clean end of the
// stream it returns io.EOF; an unfinished final event is discarded. Any
// other error (a read error, or one wrapping ErrEventTooLarge) ends the
// decoding: later calls return it again.
func (d *Decoder) Next() (Event, error) {
	return d.next(true)
}

// Retry returns the reconnection time of the last valid "retry" field, and
// whether the stream had one (a "retry: 0" is a reconnection time of 0).
func (d *Decoder) Retry() (time.Duration, bool) {
	return d.retry, d.retrySet
}

// NextBuffered returns the next event if the bytes already read hold all of
// it, without reading: a consumer that got an event from Next takes the
// events that came with it in the same read. It reports false when they do
// not, and when decoding has failed (then Next returns the error).
func (d *Decoder) NextBuffered() (Event, bool) {
	ev, err := d.next(false)
	return ev, err == nil
}

// Pending reports whether the decoder holds part of an event: fields read
// but not dispatched, or part of a line. At the end of a stream, it tells an
// unfinished final event (discarded, as the spec says) from a clean end.
func (d *Decoder) Pending() bool {
	return d.midEvent || d.lines.buffered()
}

// Release gives the decoder's read buffer back for reuse by other decoders
// and drops what it holds buffered. Call it once done with the decoder.
func (d *Decoder) Release() {
	d.lines.release()
}

// LastEventID returns the stream's last event ID string: the ID of the last
// dispatch, which an EventSource sends as Last-Event-ID when it reconnects.
// (An event without data is not delivered but still sets it.)
func (d *Decoder) LastEventID() string {
	return d.lastEventID
}

// next returns the next event. With block false it decodes only from bytes
// already buffered and returns errNeedMore when they hold no further event.
func (d *Decoder) next(block bool) (Event, error) {
	if d.err != nil {
		return Event{}, d.err
	}
	for {
		line, valid, err := d.lines.readLine(block)
		if errors.Is(err, errLongData) {
			if err = d.readLongData(); err == nil {
				continue
			}
		}
		if err != nil {
			if !errors.Is(err, errNeedMore) {
				d.err = err
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := d.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := d.processLine(line, valid); err != nil {
			d.err = err
			return Event{}, err
		}
	}
}

// processLine interprets one non-empty line; valid says that it is known to
// be valid UTF-8.
func (d *Decoder) processLine(line []byte, valid bool) error {
	if line[0] == ':' {
		return nil // a comment
	}
	if !valid && !utf8.Valid(line) {
		d.scratch = appendUTF8Decoded(d.scratch[:0], line)
		line = d.scratch
	}
	d.midEvent = true
	name, value := line, line[len(line):]
	for i, c := range line { // field names are short: faster than IndexByte
		if c == ':' {
			name, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
			break
		}
	}
	switch string(name) {
	case "data":
		return d.appendData(value)
	case "event":
		if string(value) != d.typeCache {
			d.typeCache = string(value)
		}
		d.typeSet = true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			d.idChanged = string(value) != d.lastEventID
			if d.idChanged {
				d.idBuffer = append(d.idBuffer[:0], value...)
			}
		}
	case "retry":
		d.setRetry(value)
	}
	return nil
}

// appendData appends a data field's value to the data buffer, after an LF
// if the buffer already holds a value (so no final LF is ever removed).
func (d *Decoder) appendData(value []byte) error {
	size := len(d.data) + len(d.bigData) + len(value)
	if d.hasData {
		size++
	}
	if size > d.maxEventSize {
		return fmt.Errorf("%w: data exceeds %d bytes", ErrEventTooLarge, d.maxEventSize)
	}
	if !d.bigMode && size > d.bigThreshold {
		d.bigMode = true
		d.bigData = append(make([]byte, 0, size), d.data...)
		d.data = d.data[:0]
	}
	if d.bigMode {
		if cap(d.bigData) < size {
			// Double: append's growth of large slices (1.25x) copies too often.
			d.bigData = growDirect(d.bigData, max(size, 2*cap(d.bigData)), d.maxEventSize)
		}
		if d.hasData {
			d.bigData = append(d.bigData, '\n')
		}
		d.bigData = append(d.bigData, value...)
	} else {
		if d.hasData {
			d.data = append(d.data, '\n')
		}
		d.data = append(d.data, value...)
	}
	d.hasData = true
	return nil
}

// setRetry sets the reconnection time if v is all ASCII digits.
func (d *Decoder) setRetry(v []byte) {
	if len(v) == 0 {
		return
	}
	var ms int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return
		}
		if ms <= maxRetryMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	ms = min(ms, maxRetryMillis)
	d.retry = time.Duration(ms) * time.Millisecond
	d.retrySet = true
}

// dispatch ends the current event. It reports false when the event has no
// data and so is not dispatched.
func (d *Decoder) dispatch() (Event, bool) {
	d.midEvent = false
	idChanged := d.idChanged
	d.idChanged = false
	if !d.hasData {
		if idChanged {
			d.lastEventID = string(d.idBuffer)
		}
		d.typeSet = false
		return Event{}, false
	}
	var data string
	switch n := len(d.data); {
	case d.bigMode:
		data = d.takeBigData()
		if idChanged {
			d.lastEventID = string(d.idBuffer)
		}
	case idChanged && n <= maxSharedIDData:
		// One allocation for the data and the new ID.
		d.data = append(d.data, d.idBuffer...)
		s := string(d.data)
		data, d.lastEventID = s[:n], s[n:]
	case idChanged:
		data = string(d.data)
		d.lastEventID = string(d.idBuffer)
	default:
		data = string(d.data)
	}
	ev := Event{Type: DefaultEventType, Data: data, LastEventID: d.lastEventID}
	if d.typeSet && d.typeCache != "" {
		ev.Type = d.typeCache
	}
	d.typeSet = false
	d.data = d.data[:0]
	d.hasData = false
	return ev, true
}

// readLongData reads a long data line, whose start readLine has just
// buffered, straight into the big data buffer: the line's value is copied
// once, from the source to the memory that the event's data keeps, where
// the line buffer would copy it twice. The outcome is processLine's for the
// whole line: the value appended after an LF if the buffer holds data
// already, UTF-8 decoded, within the max event size.
func (d *Decoder) readLongData() error {
	l := &d.lines
	skip := dataPrefixLen(l.buf[l.r:l.w])
	d.midEvent = true
	// The data buffer becomes big, with room for the value (as large as the
	// last big data, if larger) and the bytes that end the line.
	start := len(d.data) + len(d.bigData)
	if d.hasData {
		start++
	}
	size := min(max(start+l.w-l.r-skip, d.bigHint), d.maxEventSize) + minDirectRead
	if !d.bigMode {
		b := make([]byte, start, size)
		copy(b, d.data)
		d.data = d.data[:0]
		d.bigData, d.bigMode = b, true
	} else {
		d.bigData = growDirect(d.bigData, size, d.maxEventSize)[:start]
	}
	if d.hasData {
		d.bigData[start-1] = '\n'
	}
	b, over, invalid, err := l.readLong(d.bigData, skip, d.maxEventSize)
	d.bigData = b
	switch {
	case err != nil:
		return err
	case over:
		return fmt.Errorf("%w: data exceeds %d bytes", ErrEventTooLarge, d.maxEventSize)
	case invalid:
		// The exact decoding, which changes the length: rare, so slow.
		decoded := appendUTF8Decoded(nil, b[start:])
		if start+len(decoded) > d.maxEventSize {
			return fmt.Errorf("%w: data exceeds %d bytes", ErrEventTooLarge, d.maxEventSize)
		}
		d.bigData = append(b[:start], decoded...) //nolint:gocritic // b's buffer (d.bigData's), reused on purpose
	}
	d.hasData = true
	return nil
}

// takeBigData returns the big data buffer as a string and leaves the data
// buffer small. The string takes over the buffer's bytes, without a copy,
// when they fill at least half of it: this is safe because the buffer is
// then dropped (d.bigData = nil) and no other reference to it exists, so its
// bytes are never written again, as strings.Builder does. A buffer sized by
// a wrong guess is copied instead, so that the string does not pin memory
// it does not use.
func (d *Decoder) takeBigData() string {
	b := d.bigData
	d.bigData, d.bigMode = nil, false
	d.bigHint = len(b)
	if len(b) == 0 {
		return ""
	}
	if len(b) < cap(b)/2 {
		return string(b)
	}
	// #nosec G103 -- b is dropped above and has no other reference, so the string's bytes are never written again (see
	// the doc comment)
	return unsafe.String(unsafe.SliceData(b), len(b))
}
