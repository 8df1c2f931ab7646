package sse

import "unicode/utf8"

// replacementChar is U+FFFD REPLACEMENT CHARACTER in UTF-8.
const replacementChar = "\uFFFD"

// appendUTF8Decoded appends src to dst as the WHATWG Encoding standard's
// "UTF-8 decode" would decode it: each maximal subpart of an ill-formed
// sequence becomes one U+FFFD, and the byte that ended it is decoded anew.
// (Go's own decoding replaces each invalid byte, which differs for truncated
// sequences such as "\xE2\x82".)
func appendUTF8Decoded(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		var need int
		lo, hi := byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		default: // a continuation byte or a byte that never starts a sequence
			dst = append(dst, replacementChar...)
			i++
			continue
		}
		j := i + 1
		for ; need > 0; need-- {
			if j >= len(src) || src[j] < lo || src[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		if need == 0 {
			dst = append(dst, src[i:j]...)
		} else {
			dst = append(dst, replacementChar...)
		}
		i = j
	}
	return dst
}
