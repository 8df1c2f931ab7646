package sse

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecoder checks that decoding never panics, yields the same events
// however the input is split into reads, and yields only well-formed
// events. splits gives the sizes of the reads (a byte each).
func FuzzDecoder(f *testing.F) {
	for _, tc := range decoderCases {
		f.Add([]byte(tc.input), []byte{1, 7, 2})
	}
	f.Fuzz(func(t *testing.T, input, splits []byte) {
		// The third pass takes the large-data path for all data, the
		// fourth and fifth read every data line that a read splits
		// straight into the data buffer (readLong), the sixth both.
		bigAll := func(d *Decoder) { d.bigThreshold = 0 }
		directAll := func(d *Decoder) { d.lines.directMin = 1 }
		passes := []struct {
			max  int
			opts []DecoderOption
		}{
			{DefaultMaxEventSize, nil},
			{16, nil},
			{DefaultMaxEventSize, []DecoderOption{bigAll}},
			{DefaultMaxEventSize, []DecoderOption{directAll}},
			{16, []DecoderOption{directAll}},
			{DefaultMaxEventSize, []DecoderOption{bigAll, directAll}},
		}
		for _, pass := range passes {
			maxSize := pass.max
			whole := decodeAll(bytes.NewReader(input), WithMaxEventSize(maxSize))
			sizes := make([]int, len(splits))
			for i, s := range splits {
				sizes[i] = int(s) + 1
			}
			opts := append([]DecoderOption{WithMaxEventSize(maxSize)}, pass.opts...)
			chunked := decodeAll(&chunkReader{data: input, sizes: sizes}, opts...)
			compareDecoded(t, whole, chunked)
			for _, ev := range whole.events {
				checkWellFormed(t, ev, maxSize)
			}
		}
	})
}

func compareDecoded(t *testing.T, a, b decoded) {
	t.Helper()
	if isEOF(a.err) != isEOF(b.err) || errors.Is(a.err, ErrEventTooLarge) != errors.Is(b.err, ErrEventTooLarge) {
		t.Fatalf("errors differ: %v vs %v", a.err, b.err)
	}
	if !isEOF(a.err) && !errors.Is(a.err, ErrEventTooLarge) {
		t.Fatalf("unexpected error %v", a.err)
	}
	if len(a.events) != len(b.events) {
		t.Fatalf("%d events vs %d", len(a.events), len(b.events))
	}
	for i := range a.events {
		if a.events[i] != b.events[i] {
			t.Fatalf("event %d: %+q vs %+q", i, a.events[i], b.events[i])
		}
	}
	if a.retry != b.retry || a.lastEventID != b.lastEventID {
		t.Fatalf("retry/last ID differ: %v %q vs %v %q", a.retry, a.lastEventID, b.retry, b.lastEventID)
	}
}

func checkWellFormed(t *testing.T, ev Event, maxSize int) {
	t.Helper()
	for _, s := range []string{ev.Type, ev.Data, ev.LastEventID} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, '\r') {
			t.Fatalf("malformed event %+q", ev)
		}
	}
	if ev.Type == "" || strings.ContainsRune(ev.Type, '\n') || strings.ContainsRune(ev.LastEventID, '\n') ||
		strings.ContainsRune(ev.LastEventID, 0) || len(ev.Data) > maxSize {
		t.Fatalf("malformed event %+q", ev)
	}
}
