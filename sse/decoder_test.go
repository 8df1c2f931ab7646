package sse

import (
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// decoded is everything a Decoder yields for one input.
type decoded struct {
	events      []Event
	retry       time.Duration
	retrySet    bool
	lastEventID string
	err         error
}

// decodeAll runs a Decoder over r until it returns an error.
func decodeAll(r io.Reader, opts ...DecoderOption) decoded {
	d := NewDecoder(r, opts...)
	var out decoded
	for {
		ev, err := d.Next()
		if err != nil {
			out.err = err
			break
		}
		out.events = append(out.events, ev)
	}
	out.retry, out.retrySet = d.Retry()
	out.lastEventID = d.LastEventID()
	return out
}

func msg(data, id string) Event { return Event{Type: "message", Data: data, LastEventID: id} }

type decoderCase struct {
	name  string
	input string
	want  []Event
	retry time.Duration
	// zeroRetry: the input sets a retry of 0 (Retry reports it as set); otherwise a retry field
	// was set exactly when retry is not 0.
	zeroRetry bool
	lastID    string
}

// decoderCases are the parsing rules of the WHATWG HTML standard, 9.2.6,
// including its own examples.
//
//nolint:gochecknoglobals // the table of cases that several tests run
var decoderCases = []decoderCase{
	{name: "empty stream", input: ""},
	{name: "spec example: stock ticker", input: "data: YHOO\ndata: +2\ndata: 10\n\n",
		want: []Event{msg("YHOO\n+2\n10", "")}},
	{name: "spec example: ids and comment",
		input:  ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
		want:   []Event{msg("first event", "1"), msg("second event", "")},
		lastID: ""},
	{name: "spec example: third event completed", input: "data:  third event\n\n",
		want: []Event{msg(" third event", "")}},
	{name: "spec example: empty data blocks", input: "data\n\ndata\ndata\n\ndata:",
		want: []Event{msg("", ""), msg("\n", "")}},
	{name: "spec example: space after colon optional", input: "data:test\n\ndata: test\n\n",
		want: []Event{msg("test", ""), msg("test", "")}},
	{name: "event type", input: "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\ndata: x\n\n",
		want: []Event{{Type: "add", Data: "73857293"}, {Type: "remove", Data: "2153"}, msg("x", "")}},
	{name: "event type reset by event without data", input: "event: foo\n\ndata: x\n\n",
		want: []Event{msg("x", "")}},
	{name: "empty event field means message", input: "event\ndata: x\n\nevent:\ndata: y\n\n",
		want: []Event{msg("x", ""), msg("y", "")}},
	{name: "last event type field wins", input: "event: a\nevent: b\ndata: x\n\n",
		want: []Event{{Type: "b", Data: "x"}}},
	{name: "BOM skipped", input: "\uFEFFdata: x\n\n", want: []Event{msg("x", "")}},
	{name: "only the first BOM skipped", input: "\uFEFF\uFEFFdata: x\n\ndata: y\n\n",
		want: []Event{msg("y", "")}},
	{name: "BOM not at start kept", input: "data: \uFEFFx\n\n", want: []Event{msg("\uFEFFx", "")}},
	{name: "BOM alone", input: "\uFEFF"},
	{name: "partial BOM is data", input: "\xEF\xBBdata: x\n\ndata: y\n\n", want: []Event{msg("y", "")}},
	{name: "CR line ends", input: "data: a\rdata: b\r\rdata: c\r\r",
		want: []Event{msg("a\nb", ""), msg("c", "")}},
	{name: "CRLF line ends", input: "data: a\r\ndata: b\r\n\r\n", want: []Event{msg("a\nb", "")}},
	{name: "mixed line ends", input: "data: a\n\rdata: b\r\n\ndata: c\r\r\n",
		want: []Event{msg("a", ""), msg("b", ""), msg("c", "")}},
	{name: "LF CR is two line ends", input: "data: a\n\r", want: []Event{msg("a", "")}},
	{name: "CR CR LF", input: "data: a\r\r\n", want: []Event{msg("a", "")}},
	{name: "comments ignored", input: ":\n: keep-alive\n:\n\n:x\ndata: a\n:mid\ndata: b\n\n",
		want: []Event{msg("a\nb", "")}},
	{name: "keep-alives dispatch nothing", input: ":\n\n:\n\n:\n\n"},
	{name: "field without colon", input: "data\n\n", want: []Event{msg("", "")}},
	{name: "one leading space stripped", input: "data:  two\n\ndata:\tx\n\n",
		want: []Event{msg(" two", ""), msg("\tx", "")}},
	{name: "colon in value", input: "data: a:b: c\n\n", want: []Event{msg("a:b: c", "")}},
	{name: "unknown fields ignored", input: "foo: bar\nData: no\ndata : no\n data: no\ndata: yes\n\n",
		want: []Event{msg("yes", "")}},
	{name: "id persists", input: "id: 1\ndata: a\n\ndata: b\n\n",
		want: []Event{msg("a", "1"), msg("b", "1")}, lastID: "1"},
	{name: "empty id resets", input: "id: 1\ndata: a\n\nid\ndata: b\n\nid: 2\ndata: c\n\nid:\ndata: d\n\n",
		want: []Event{msg("a", "1"), msg("b", ""), msg("c", "2"), msg("d", "")}},
	{name: "id with NUL ignored", input: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		want: []Event{msg("a", "1"), msg("b", "1")}, lastID: "1"},
	{name: "id without data sets the last event ID", input: "id: 7\n\ndata: x\n\n",
		want: []Event{msg("x", "7")}, lastID: "7"},
	{name: "id of a discarded final event", input: "id: 1\ndata: a\n\nid: 2\ndata: b\n",
		want: []Event{msg("a", "1")}, lastID: "1"},
	{name: "id applies to its own event", input: "data: a\nid: 5\n\n", want: []Event{msg("a", "5")}, lastID: "5"},
	{name: "long changing ids", input: "id: " + strings.Repeat("i", 300) + "\ndata: " + strings.Repeat("d", 300) + "\n\nid: 2\ndata: x\n\n",
		want: []Event{msg(strings.Repeat("d", 300), strings.Repeat("i", 300)), msg("x", "2")}, lastID: "2"},
	{name: "retry", input: "retry: 1500\n", retry: 1500 * time.Millisecond},
	{name: "retry zero", input: "retry: 0\n", retry: 0, zeroRetry: true},
	{name: "retry last valid wins", input: "retry: 10\nretry: 2x\nretry: -1\nretry:  5\nretry\nretry: 1.5\n",
		retry: 10 * time.Millisecond},
	{name: "retry huge saturates", input: "retry: 99999999999999999999999999\n", retry: time.Duration(maxRetryMillis) * time.Millisecond},
	{name: "retry does not dispatch", input: "retry: 7\n\n", retry: 7 * time.Millisecond},
	{name: "unfinished final event discarded", input: "data: a\n\ndata: b\n", want: []Event{msg("a", "")}},
	{name: "unfinished final line discarded", input: "data: a\n\ndata: b", want: []Event{msg("a", "")}},
	{name: "invalid UTF-8 replaced", input: "data: \xff\xfe\n\n", want: []Event{msg("\uFFFD\uFFFD", "")}},
	{name: "truncated sequence is one U+FFFD", input: "data: a\xe2\x82b\n\n", want: []Event{msg("a\uFFFDb", "")}},
	{name: "truncated 4-byte sequence", input: "data: \xf0\x9f\x98\n\n", want: []Event{msg("\uFFFD", "")}},
	{name: "surrogate encoding invalid", input: "data: \xed\xa0\x80\n\n", want: []Event{msg("\uFFFD\uFFFD\uFFFD", "")}},
	{name: "overlong encoding invalid", input: "data: \xc0\xaf\xe0\x80\xaf\n\n",
		want: []Event{msg("\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "")}},
	{name: "invalid UTF-8 in type and id", input: "event: \xff\nid: \xfe\ndata: x\n\n",
		want: []Event{{Type: "\uFFFD", Data: "x", LastEventID: "\uFFFD"}}, lastID: "\uFFFD"},
	{name: "invalid UTF-8 in field name", input: "dat\xe1: x\n\n"},
	{name: "valid UTF-8 kept", input: "data: héllo ✓ 😀\n\n", want: []Event{msg("héllo ✓ 😀", "")}},
	{name: "NUL in data kept", input: "data: a\x00b\n\n", want: []Event{msg("a\x00b", "")}},
	{name: "many events", input: strings.Repeat("event: update\nid: 12345\ndata: {\"p\":1}\n\n", 3),
		want:   []Event{{"update", "{\"p\":1}", "12345"}, {"update", "{\"p\":1}", "12345"}, {"update", "{\"p\":1}", "12345"}},
		lastID: "12345"},
}

func TestDecoderSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range decoderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := decodeAll(strings.NewReader(tc.input))
			checkDecoded(t, tc, got)
		})
	}
}

func checkDecoded(t *testing.T, tc decoderCase, got decoded) {
	t.Helper()
	if !isEOF(got.err) {
		t.Fatalf("final error = %v, want io.EOF", got.err)
	}
	if len(got.events) != len(tc.want) {
		t.Fatalf("got %d events %q, want %d %q", len(got.events), got.events, len(tc.want), tc.want)
	}
	for i := range tc.want {
		if got.events[i] != tc.want[i] {
			t.Errorf("event %d = %+q, want %+q", i, got.events[i], tc.want[i])
		}
	}
	wantSet := tc.retry != 0 || tc.zeroRetry
	if got.retry != tc.retry || got.retrySet != wantSet {
		t.Errorf("Retry() = %v, %v, want %v, %v", got.retry, got.retrySet, tc.retry, wantSet)
	}
	if got.lastEventID != tc.lastID {
		t.Errorf("LastEventID() = %q, want %q", got.lastEventID, tc.lastID)
	}
}

// chunkReader returns its input in chunks of the given sizes, then one byte
// at a time for what remains.
type chunkReader struct {
	data  []byte
	sizes []int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n, c.sizes = c.sizes[0], c.sizes[1:]
	}
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// splitReaders returns readers that deliver input split in many ways.
func splitReaders(input string, rng *rand.Rand) map[string]io.Reader {
	rs := map[string]io.Reader{
		"whole":         strings.NewReader(input),
		"byte by byte":  iotest.OneByteReader(strings.NewReader(input)),
		"data with EOF": iotest.DataErrReader(strings.NewReader(input)),
		"half reads":    iotest.HalfReader(strings.NewReader(input)),
	}
	for k := range 3 {
		var sizes []int
		for total := 0; total < len(input); {
			n := 1 + rng.Intn(16)
			sizes = append(sizes, n)
			total += n
		}
		rs["random chunks "+string(rune('a'+k))] = &chunkReader{data: []byte(input), sizes: sizes}
	}
	return rs
}

func TestDecoderSplitInvariance(t *testing.T) {
	t.Parallel()
	for _, tc := range decoderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewSource(1)) // one per case: the cases run in parallel
			for how, r := range splitReaders(tc.input, rng) {
				t.Run(how, func(t *testing.T) {
					t.Parallel()
					checkDecoded(t, tc, decodeAll(r))
				})
			}
			for i := 0; i <= len(tc.input); i++ {
				r := &chunkReader{data: []byte(tc.input), sizes: []int{i, len(tc.input) - i}}
				t.Run(fmt.Sprintf("split at %d", i), func(t *testing.T) {
					t.Parallel()
					checkDecoded(t, tc, decodeAll(r))
				})
			}
		})
	}
}

// infiniteReader returns the same byte forever.
type infiniteReader byte

func (b infiniteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestDecoderEventTooLarge(t *testing.T) {
	t.Parallel()
	const maxSize = 1000
	cases := []struct {
		name  string
		input io.Reader
		want  []Event // before the error
	}{
		{name: "data lines add up", input: strings.NewReader("data: a\n\n" + strings.Repeat("data: "+strings.Repeat("x", 99)+"\n", 11) + "\n")},
		{name: "one long data line", input: strings.NewReader("data: " + strings.Repeat("x", maxSize+1) + "\n\n")},
		{name: "one long line of another field", input: strings.NewReader("event: " + strings.Repeat("x", 2*maxSize) + "\n\n")},
		{name: "endless line", input: infiniteReader('x')},
		{name: "endless data line", input: io.MultiReader(strings.NewReader("data: "), infiniteReader('x'))},
		{name: "endless comment", input: io.MultiReader(strings.NewReader(":"), infiniteReader(' '))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := NewDecoder(tc.input, WithMaxEventSize(maxSize))
			var err error
			for range 100 {
				if _, err = d.Next(); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrEventTooLarge) {
				t.Fatalf("error = %v, want ErrEventTooLarge", err)
			}
			if _, again := d.Next(); !errors.Is(again, err) {
				t.Errorf("second Next error = %v, want the same %v", again, err)
			}
			if limit := bufferSize(maxSize + maxFieldOverhead + 1); cap(d.lines.buf) > limit || cap(d.data)+cap(d.bigData) > 2*maxSize {
				t.Errorf("buffers grew to %d and %d bytes, beyond the bound %d", cap(d.lines.buf), cap(d.data), limit)
			}
		})
	}
}

func TestDecoderMaxEventSizeBoundary(t *testing.T) {
	t.Parallel()
	const maxSize = 100
	exact := strings.Repeat("x", 60) + "\n" + strings.Repeat("y", 39) // 100 bytes
	input := "data: " + strings.Repeat("x", 60) + "\ndata: " + strings.Repeat("y", 39) + "\n\n"
	got := decodeAll(strings.NewReader(input), WithMaxEventSize(maxSize))
	if !isEOF(got.err) || len(got.events) != 1 || got.events[0].Data != exact {
		t.Fatalf("an event of exactly the max size: got %q, %v", got.events, got.err)
	}
	got = decodeAll(strings.NewReader("data: "+strings.Repeat("z", DefaultMaxEventSize)+"\n\n"), WithMaxEventSize(0))
	if !isEOF(got.err) || len(got.events) != 1 || len(got.events[0].Data) != DefaultMaxEventSize {
		t.Fatalf("default max size: got %d events, %v", len(got.events), got.err)
	}
}

func TestDecoderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom))
	got := decodeAll(r)
	if !errors.Is(got.err, boom) || errors.Unwrap(got.err) == nil {
		t.Fatalf("error = %v, want one wrapping %v", got.err, boom)
	}
	if len(got.events) != 1 || got.events[0].Data != "a" {
		t.Fatalf("events = %q, want just a", got.events)
	}
}

// emptyReader returns no bytes and no error, forever.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestDecoderNoProgress(t *testing.T) {
	t.Parallel()
	if got := decodeAll(emptyReader{}); !errors.Is(got.err, io.ErrNoProgress) {
		t.Fatalf("error = %v, want io.ErrNoProgress", got.err)
	}
}

func TestDecoderWithLastEventID(t *testing.T) {
	t.Parallel()
	got := decodeAll(strings.NewReader("data: a\n\nid: 2\ndata: b\n\n"), WithLastEventID("1"))
	want := []Event{msg("a", "1"), msg("b", "2")}
	checkDecoded(t, decoderCase{want: want, lastID: "2"}, got)
}

func TestDecoderBufferedOnly(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	d := NewDecoder(pr)
	go func() {
		_, _ = pw.Write([]byte("data: 1\n\ndata: 2\n\ndata: 3"))
	}()
	first, err := d.Next()
	if err != nil || first.Data != "1" {
		t.Fatalf("Next = %q, %v", first, err)
	}
	second, ok := d.NextBuffered()
	if !ok || second.Data != "2" {
		t.Fatalf("NextBuffered() = %q, %v", second, ok)
	}
	if ev, ok := d.NextBuffered(); ok {
		t.Fatalf("NextBuffered() on a partial event = %q, true", ev)
	}
	if !d.Pending() {
		t.Error("Pending() = false with a partial line buffered")
	}
	go func() {
		_, _ = pw.Write([]byte("\n\n"))
		_ = pw.Close()
	}()
	third, err := d.Next()
	if err != nil || third.Data != "3" {
		t.Fatalf("Next = %q, %v", third, err)
	}
	if _, err := d.Next(); !isEOF(err) {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestDecoderShrinksAfterLargeEvent(t *testing.T) {
	t.Parallel()
	big := "data: " + strings.Repeat("x", 200<<10) + "\n\n"
	d := NewDecoder(strings.NewReader(big + "data: small\n\n"))
	for _, want := range []int{200 << 10, 5} {
		ev, err := d.Next()
		if err != nil || len(ev.Data) != want {
			t.Fatalf("Next = %d bytes, %v; want %d", len(ev.Data), err, want)
		}
	}
	if _, err := d.Next(); !isEOF(err) {
		t.Fatalf("at the end: %v", err)
	}
	if cap(d.data)+cap(d.bigData) > maxRetainedBufferSize || cap(d.lines.buf) > maxRetainedBufferSize {
		t.Errorf("buffers kept %d and %d bytes after a large event", cap(d.data), cap(d.lines.buf))
	}
}

func TestDecoderLargeLines(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(3))
	line := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.Intn(26))
		}
		return string(b)
	}
	a, b, c := line(100<<10), line(70<<10), line(300)
	input := "id: " + c + "\r\ndata: " + a + "\r\ndata:" + b + "\r\n\r\n:" + line(90<<10) + "\rdata: " + c + "\r\r"
	want := []Event{msg(a+"\n"+b, c), msg(c, c)}
	for how, r := range splitReaders(input, rng) {
		if how == "byte by byte" {
			continue // slow with -race, and covered by the small cases
		}
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			checkDecoded(t, decoderCase{want: want, lastID: c}, decodeAll(r))
		})
	}
}

// TestDecoderLongLinesAfterLongLines: a long line grows the buffer at once
// to the size the previous long line took (lineReader.hint); lines longer
// and shorter than that, split across reads every way, still decode to the
// same events, with CR line ends and invalid UTF-8 among them.
func TestDecoderLongLinesAfterLongLines(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	var want []Event
	for i, size := range []int{300 << 10, 100 << 10, 600 << 10, 5 << 10, 200 << 10, 70 << 10} {
		data := strings.Repeat(string(rune('a'+i)), size)
		if i == 3 {
			data = data[:100] + "\xff" + data[101:]
			want = append(want, msg(data[:100]+"\uFFFD"+data[101:], ""))
		} else {
			want = append(want, msg(data, ""))
		}
		end := "\n\n"
		if i%2 == 1 {
			end = "\r\r"
		}
		in.WriteString("data: " + data + end)
	}
	rng := rand.New(rand.NewSource(3))
	readers := map[string]io.Reader{
		"whole":          strings.NewReader(in.String()),
		"full reads":     &loopReader{block: []byte(in.String())}, // fills each read; never ends
		"random chunks":  &chunkReader{data: []byte(in.String()), sizes: randomSizes(rng, 400, 200<<10)},
		"one-byte reads": iotest.OneByteReader(strings.NewReader(in.String())),
	}
	for name, r := range readers {
		d := NewDecoder(r)
		for i, w := range want {
			ev, err := d.Next()
			if err != nil {
				t.Fatalf("%s: event %d: %v", name, i, err)
			}
			if ev != w {
				t.Fatalf("%s: event %d: %d bytes %q..., want %d bytes %q...", name, i, len(ev.Data), ev.Data[:min(len(ev.Data), 8)], len(w.Data), w.Data[:8])
			}
		}
	}
}

// randomSizes returns n read sizes from 1 to limit.
func randomSizes(rng *rand.Rand, n, limit int) []int {
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = 1 + rng.Intn(limit)
	}
	return sizes
}

// TestDecoderDirectReadMatches: data lines read straight into the data
// buffer (readLong) decode as through the line buffer, under random splits:
// multi-byte and invalid UTF-8 split between reads, CR, LF and CRLF ends
// split too, data already in the event, and lines around the max size.
func TestDecoderDirectReadMatches(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(7))
	pieces := []string{"a", "é", "😀", "\xff", "\xe2\x82", "\xf0\x9f\x98", "\xed\xa0\x80", " ", ":", "\x00"}
	ends := []string{"\n", "\r", "\r\n"}
	for iter := range 300 {
		var in strings.Builder
		if rng.Intn(4) == 0 {
			in.WriteString("\uFEFF")
		}
		for range 1 + rng.Intn(6) {
			switch rng.Intn(6) {
			case 0:
				in.WriteString(": comment" + ends[rng.Intn(3)])
			case 1:
				in.WriteString("id: " + fmt.Sprint(rng.Intn(100)) + ends[rng.Intn(3)])
			case 2:
				in.WriteString(ends[rng.Intn(3)]) // dispatch
			default:
				in.WriteString([]string{"data:", "data: ", "data:  ", "dat", "data"}[rng.Intn(5)])
				for n := rng.Intn(2000); n > 0; n-- {
					in.WriteString(pieces[rng.Intn(len(pieces))])
				}
				in.WriteString(ends[rng.Intn(3)])
			}
		}
		input := in.String()
		maxSize := []int{DefaultMaxEventSize, 1000, 3000, 100, len(input) / 2}[iter%5]
		want := decodeAll(strings.NewReader(input), WithMaxEventSize(maxSize), func(d *Decoder) { d.lines.directMin = 1 << 30 })
		for k := range 4 {
			opts := []DecoderOption{WithMaxEventSize(maxSize), func(d *Decoder) { d.lines.directMin = 1 + rng.Intn(64) }}
			if k%2 == 1 {
				opts = append(opts, func(d *Decoder) { d.bigThreshold = rng.Intn(64) })
			}
			got := decodeAll(&chunkReader{data: []byte(input), sizes: randomSizes(rng, 200, 1+rng.Intn(300))}, opts...)
			compareDecoded(t, want, got)
			if (want.err == nil) != (got.err == nil) || want.err != nil && want.err.Error() != got.err.Error() {
				t.Fatalf("iteration %d: error %v, want %v", iter, got.err, want.err)
			}
		}
	}
}

// isEOF reports whether err is io.EOF itself, not an error wrapping it: Next
// ends a clean stream with io.EOF, as an io.Reader does, so that callers may
// compare with ==.
func isEOF(err error) bool {
	return err == io.EOF //nolint:errorlint // the contract is io.EOF itself, as io.Reader's
}

// TestDecoderLongLinesAroundDirectChunk: data lines read straight into the data buffer, in reads
// of at most directChunk, decode as in one-byte reads whatever their line end (LF, CRLF, CR) and
// wherever a read ends near it: a line's first busyBufferSize bytes are buffered, then the reads
// of directChunk end at busyBufferSize + k × directChunk of the line.
func TestDecoderLongLinesAroundDirectChunk(t *testing.T) {
	t.Parallel()
	for _, boundary := range []int{busyBufferSize + directChunk, busyBufferSize + 2*directChunk} {
		for n := boundary - len("data: ") - 3; n <= boundary-len("data: ")+3; n++ {
			for _, end := range []string{"\n", "\r\n", "\r"} {
				value := strings.Repeat("x", n)
				stream := "data: " + value + end + "data: b" + end + end + "data: next" + end + end
				got := decodeAll(strings.NewReader(stream), WithMaxEventSize(3*directChunk))
				want := decodeAll(&chunkReader{data: []byte(stream)}, WithMaxEventSize(3*directChunk))
				compareDecoded(t, want, got)
				if len(got.events) != 2 || got.events[0].Data != value+"\nb" || got.events[1].Data != "next" {
					t.Fatalf("n=%d end=%q: %d events, err %v", n, end, len(got.events), got.err)
				}
			}
		}
	}
}
