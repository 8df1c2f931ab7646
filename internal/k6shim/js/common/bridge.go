package common

import (
	"reflect"
	"strings"
	"unicode"
)

// FieldNameMapper maps Go struct fields and methods to JavaScript names as k6 does: fields become
// snake_case (a `js:"name"` tag overrides, `js:"-"` hides), methods get a lowercase first letter
// (a leading X is stripped: constructors).
type FieldNameMapper struct{}

// FieldName is part of the sobek.FieldNameMapper interface.
func (FieldNameMapper) FieldName(_ reflect.Type, f reflect.StructField) string {
	if f.PkgPath != "" {
		return ""
	}
	if tag := f.Tag.Get("js"); tag != "" {
		if tag == "-" {
			return ""
		}
		return tag
	}
	if f.Name == "OCSP" {
		return "ocsp"
	}
	return camelToSnake(f.Name)
}

// MethodName is part of the sobek.FieldNameMapper interface.
func (FieldNameMapper) MethodName(_ reflect.Type, m reflect.Method) string {
	if m.Name[0] == 'X' {
		return m.Name[1:]
	}
	switch m.Name {
	case "JSON", "HTML", "URL", "OCSP":
		return strings.ToLower(m.Name)
	}
	return strings.ToLower(m.Name[:1]) + m.Name[1:]
}

// camelToSnake turns "LastEventID" into "last_event_id": a new word starts at an upper-case letter
// that follows a lower-case one, or that precedes a lower-case one inside an upper-case run.
func camelToSnake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
