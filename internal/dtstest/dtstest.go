// Package dtstest reads the TypeScript declarations of index.d.ts for tests that hold them against
// what the JS runtime exposes (the declarations-vs-runtime tests of the JS bindings). It parses only
// the layout index.d.ts keeps: `declare module '<name>' {` blocks, members indented by four spaces.
package dtstest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	member     = regexp.MustCompile(`^    (static\s+)?(readonly\s+)?([A-Za-z_$][\w$]*)(\??)\s*[:(]`)
	export     = regexp.MustCompile(`^  export (?:function|class|const|let) ([A-Za-z_$][\w$]*)`)
	defaultExp = regexp.MustCompile(`^  export default ([A-Za-z_$][\w$]*);`)
)

// Module returns the body of `declare module 'name' { ... }` in the repository's index.d.ts.
func Module(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok, "dtstest: where is index.d.ts?")
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "index.d.ts"))
	require.NoError(t, err)
	src := string(b)
	start := strings.Index(src, "declare module '"+name+"' {\n")
	require.GreaterOrEqual(t, start, 0, "index.d.ts declares module %s", name)
	end := strings.Index(src[start:], "\n}\n")
	require.Positive(t, end, "index.d.ts: the end of module %s", name)
	return src[start : start+end]
}

// Block returns the body of the declaration that starts with head (e.g. "export class
// EventSource {") in a module body: its lines up to the closing brace at head's indentation.
func Block(t testing.TB, module, head string) string {
	t.Helper()
	i := strings.Index(module, "\n  "+head+"\n")
	require.GreaterOrEqual(t, i, 0, "index.d.ts declares %q", head)
	body := module[i+len(head)+4:]
	end := strings.Index(body, "\n  }")
	require.Positive(t, end, "index.d.ts: the end of %q", head)
	return body[:end]
}

// Members lists the members a block declares, sorted: static ones and the others (constructor
// aside), and, of the others, those declared optional (`name?:`).
func Members(block string) (static, instance, optional []string) {
	seen := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		m := member.FindStringSubmatch(line)
		if m == nil || m[3] == "constructor" {
			continue
		}
		key := m[1] + m[3]
		if seen[key] { // overloads
			continue
		}
		seen[key] = true
		switch {
		case m[1] != "":
			static = append(static, m[3])
		default:
			instance = append(instance, m[3])
			if m[4] == "?" {
				optional = append(optional, m[3])
			}
		}
	}
	sort.Strings(static)
	sort.Strings(instance)
	sort.Strings(optional)
	return static, instance, optional
}

// Exports lists a module body's value exports, sorted, with "default" for an `export default`.
func Exports(module string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(module, "\n") {
		name := ""
		if m := export.FindStringSubmatch(line); m != nil {
			name = m[1]
		}
		if defaultExp.MatchString(line) {
			name = "default"
		}
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Strings returns a JS array (as exported to Go: []any of strings) as a sorted []string.
func Strings(t testing.TB, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "a JS array of strings, got %T", v)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		require.True(t, ok, "a string, got %T", x)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Without returns list without s.
func Without(list []string, s ...string) []string {
	var out []string
	for _, x := range list {
		if !contains(s, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
