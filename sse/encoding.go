package sse

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// ErrContentEncoding is wrapped by the ResponseError of a response whose
// Content-Encoding the stream cannot decode. Decodable are gzip (x-gzip),
// deflate (the zlib format, as HTTP defines it), br and zstd, and any
// sequence of them; identity is none.
var ErrContentEncoding = errors.New("sse: response Content-Encoding cannot be decoded")

// ErrDecoding is wrapped by the error of a stream whose compressed bytes
// could not be decoded: corrupt, or cut short.
var ErrDecoding = errors.New("sse: decoding the response's Content-Encoding")

// zstdMaxWindow bounds the memory a zstd stream may ask the decoder for:
// 8 MiB, the window that RFC 8878 asks decoders to support for HTTP. No
// option raises it: a stream with a larger window fails with an error that
// says so (see ErrWindowTooLarge).
const zstdMaxWindow = 8 << 20

// ErrWindowTooLarge is wrapped by the error of a zstd stream whose window
// (the history the decoder must keep, which the server's encoder chooses)
// is over the 8 MiB limit. No option raises the limit: the server must
// compress with a smaller window (zstd levels up to 19 use at most 8 MiB;
// --long or a window log over 23 use more).
var ErrWindowTooLarge = fmt.Errorf(
	"the stream's zstd window is over the %d MiB limit of a stream (no param raises it: "+
		"the server must compress with a window of at most %d MiB)", zstdMaxWindow>>20, zstdMaxWindow>>20)

// peekSize is how many decoded bytes peek reads at most.
const peekSize = 512

// contentCodings parses a Content-Encoding header value (possibly repeated)
// into the codings applied, in the order the server applied them, lowercase,
// identity left out. It returns the first coding that cannot be decoded, if
// any.
func contentCodings(values []string) (codings []string, unsupported string) {
	for _, v := range values {
		for c := range strings.SplitSeq(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			switch c {
			case "", "identity":
				continue
			case "x-gzip":
				c = "gzip"
			case "gzip", "deflate", "br", "zstd":
			default:
				if unsupported == "" {
					unsupported = c
				}
				continue
			}
			codings = append(codings, c)
		}
	}
	return codings, unsupported
}

// decodedBody reads body through the decoders of codings, the last applied
// first. Each decoder is made at the first Read, so that a stream whose
// first compressed bytes come late opens at once; each returns what it has
// decompressed as soon as it has it, so an event that the server flushed is
// delivered without waiting for more bytes.
type decodedBody struct {
	r       io.Reader
	closers []func()
	head    []byte // decoded bytes read by peek, not yet read
	headErr error  // the error that came with head, returned once head is read
}

// newDecodedBody returns body decoded by codings (see contentCodings); with
// none, it reads body as it is.
func newDecodedBody(body io.Reader, codings []string) *decodedBody {
	d := &decodedBody{r: body}
	for i := len(codings) - 1; i >= 0; i-- {
		d.r = &lazyDecoder{coding: codings[i], src: d.r, owner: d}
	}
	return d
}

// Read implements io.Reader.
func (d *decodedBody) Read(p []byte) (int, error) {
	if len(d.head) > 0 {
		n := copy(p, d.head)
		d.head = d.head[n:]
		return n, nil
	}
	if d.headErr != nil {
		err := d.headErr
		d.headErr = nil
		return 0, err
	}
	return d.r.Read(p)
}

// peek decodes the first bytes of the body, waiting for them, so that a
// body that its Content-Encoding does not describe (a server that says gzip
// and sends plain text) fails before the stream is called open. It returns
// the decoding error that came before any byte; else nil, and Read returns
// what peek read first: the bytes, then the error or end that came with
// them.
func (d *decodedBody) peek() error {
	buf := make([]byte, peekSize)
	for range maxEmptyReads {
		n, err := d.r.Read(buf)
		if n == 0 && err == nil {
			continue
		}
		d.head, d.headErr = buf[:n], err
		if n == 0 && err != io.EOF { // io.EOF itself: an empty body, a clean end
			return err
		}
		return nil
	}
	return nil // reads that return nothing: the Decoder's reads tell
}

// close releases the decoders (zstd's hold buffers until closed).
func (d *decodedBody) close() {
	for _, c := range d.closers {
		c()
	}
	d.closers = nil
}

// lazyDecoder makes the decoder of one coding at its first Read.
type lazyDecoder struct {
	coding string
	src    io.Reader     // the compressed body
	srcErr *srcErrReader // src, as the decoder reads it (set with dec)
	owner  *decodedBody
	dec    io.Reader
	err    error
}

// Read implements io.Reader. Errors of the decoder, not those of the
// connection below, are wrapped to name the coding.
func (l *lazyDecoder) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.dec == nil {
		src := &srcErrReader{r: l.src}
		dec, closeDec, err := newDecoder(l.coding, src)
		if err != nil {
			l.err = l.wrap(src, err)
			return 0, l.err
		}
		if closeDec != nil {
			l.owner.closers = append(l.owner.closers, closeDec)
		}
		l.dec = dec
		l.srcErr = src
	}
	n, err := l.dec.Read(p)
	if err != nil && err != io.EOF { //nolint:errorlint // io.EOF itself is a clean end
		err = l.wrap(l.srcErr, err)
		l.err = err
	}
	return n, err
}

// wrap words a decoder's error: the connection's own error as it is, a
// decoding error as one of the coding.
func (l *lazyDecoder) wrap(src *srcErrReader, err error) error {
	if src.err != nil && errors.Is(err, src.err) {
		return err // the connection failed (or was ended): not the coding's fault
	}
	if errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return fmt.Errorf("%w %s: %w (%w)", ErrDecoding, l.coding, ErrWindowTooLarge, err)
	}
	if src.err == io.EOF && (errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF) { //nolint:errorlint // see above
		return fmt.Errorf(
			"%w %s: the stream ended in the middle of its compressed data: %w",
			ErrDecoding, l.coding, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("%w %s: %w", ErrDecoding, l.coding, err)
}

// srcErrReader remembers the error of the reader below a decoder, so that a
// connection's error is told from a decoding error.
type srcErrReader struct {
	r   io.Reader
	err error
}

func (s *srcErrReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// newDecoder returns the decoder of coding reading src, and what releases
// it, if anything must. The flate-based decoders (gzip, deflate) read src
// through a bufio.Reader, which reads what has arrived and never waits for
// more: an event flushed by the server is decoded at once.
func newDecoder(coding string, src io.Reader) (io.Reader, func(), error) {
	switch coding {
	case "gzip":
		r, err := gzip.NewReader(src)
		return r, nil, err
	case "deflate":
		r, err := zlib.NewReader(src)
		return r, nil, err
	case "br":
		return brotli.NewReader(src), nil, nil
	case "zstd":
		d, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, err
		}
		return d, d.Close, nil
	}
	return nil, nil, fmt.Errorf("%w: %s", ErrContentEncoding, coding)
}
