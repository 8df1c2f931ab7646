package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzContentDecoding checks the decoding of compressed streams, outside
// input parsed by this package: a Content-Encoding header value is parsed
// without panic, into codings that are all decodable or an unsupported one
// that is named; an event stream compressed with each coding decodes to the
// events of the stream itself, however the compressed bytes are split into
// reads, with the first bytes peeked (as a Stream does before it opens) or
// not; and arbitrary bytes given as a compressed stream never panic and
// end in an error that wraps ErrDecoding or in a clean end.
func FuzzContentDecoding(f *testing.F) {
	f.Add("gzip", []byte("data: one\n\nevent: e\ndata: two\nid: 2\n\n"), []byte{1, 7, 2})
	f.Add("br, zstd", []byte("data: x\r\n\r\n: comment\n\n"), []byte{0})
	f.Add("X-GZIP , identity", []byte("data: \xff\n\n"), []byte{3, 3})
	f.Add("compress", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, []byte{})
	f.Fuzz(func(t *testing.T, header string, input, splits []byte) {
		codings, unsupported := contentCodings([]string{header})
		for _, c := range codings {
			if c != "gzip" && c != "deflate" && c != "br" && c != "zstd" {
				t.Fatalf("%q: coding %q is not decodable", header, c)
			}
		}
		if unsupported != "" && !strings.Contains(strings.ToLower(header), unsupported) {
			t.Fatalf("%q: unsupported %q is not from the header", header, unsupported)
		}
		sizes := make([]int, len(splits))
		for i, s := range splits {
			sizes[i] = int(s) + 1
		}
		const maxSize = 1 << 10
		want := decodeAll(bytes.NewReader(input), WithMaxEventSize(maxSize))
		for _, coding := range []string{"gzip", "deflate", "br", "zstd"} {
			// The stream compressed: the same events.
			compressedInput := compressed(t, coding, string(input))
			body := newDecodedBody(&chunkReader{data: compressedInput, sizes: sizes}, []string{coding})
			got := decodeAll(body, WithMaxEventSize(maxSize))
			body.close()
			compareDecoded(t, want, got)

			// Peeked first, as a Stream does before it opens: the same events, and no error.
			body = newDecodedBody(&chunkReader{data: compressedInput, sizes: sizes}, []string{coding})
			if err := body.peek(); err != nil {
				t.Fatalf("%s: peek: %v", coding, err)
			}
			got = decodeAll(body, WithMaxEventSize(maxSize))
			body.close()
			compareDecoded(t, want, got)

			// Arbitrary bytes as a compressed stream: no panic, a clean end or a decoding error.
			body = newDecodedBody(&chunkReader{data: input, sizes: sizes}, []string{coding})
			_, err := io.Copy(io.Discard, io.LimitReader(body, 1<<20))
			body.close()
			if err != nil && !errors.Is(err, ErrDecoding) {
				t.Fatalf("%s: error %v does not wrap ErrDecoding", coding, err)
			}
		}
	})
}
