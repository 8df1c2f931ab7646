// Package common is the shim of go.k6.io/k6/v2/js/common: helpers for working with the JavaScript
// runtime.
package common

import (
	"bytes"
	"fmt"
	"io"

	"github.com/grafana/sobek"
)

// Throw panics with err as a JavaScript exception; an existing *sobek.Exception is rethrown as is.
func Throw(rt *sobek.Runtime, err error) {
	if exc, ok := err.(*sobek.Exception); ok { //nolint:errorlint // rethrow the exact exception
		panic(exc)
	}
	panic(rt.NewGoError(err))
}

// GetReader returns an io.Reader over a string, []byte, io.Reader or ArrayBuffer.
func GetReader(data any) (io.Reader, error) {
	switch v := data.(type) {
	case string:
		return bytes.NewBufferString(v), nil
	case []byte:
		return bytes.NewBuffer(v), nil
	case io.Reader:
		return v, nil
	case sobek.ArrayBuffer:
		return bytes.NewBuffer(v.Bytes()), nil
	}
	return nil, fmt.Errorf("invalid type %T, it needs to be a string or ArrayBuffer", data)
}

// ToBytes returns the bytes of a []byte, string or ArrayBuffer.
func ToBytes(data any) ([]byte, error) {
	switch v := data.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	case sobek.ArrayBuffer:
		return v.Bytes(), nil
	}
	return nil, fmt.Errorf("invalid type %T, expected string, []byte or ArrayBuffer", data)
}

// ToString returns the string of a []byte, string or ArrayBuffer.
func ToString(data any) (string, error) {
	switch v := data.(type) {
	case []byte:
		return string(v), nil
	case string:
		return v, nil
	case sobek.ArrayBuffer:
		return string(v.Bytes()), nil
	}
	return "", fmt.Errorf("invalid type %T, expected string, []byte or ArrayBuffer", data)
}

// IsNullish reports whether v is nil, undefined or null.
func IsNullish(v sobek.Value) bool {
	return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v)
}
