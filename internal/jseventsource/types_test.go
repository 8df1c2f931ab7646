package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dtsModule returns the body of `declare module 'name' { ... }` in index.d.ts.
func dtsModule(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../index.d.ts")
	require.NoError(t, err)
	src := string(b)
	start := strings.Index(src, "declare module '"+name+"' {\n")
	require.GreaterOrEqual(t, start, 0, "index.d.ts declares module %s", name)
	end := strings.Index(src[start:], "\n}\n")
	require.Greater(t, end, 0)
	return src[start : start+end]
}

// dtsBlock returns the body of the declaration that starts with head (e.g. "export class
// EventSource {") in a module body: its lines up to the closing brace at head's indentation.
func dtsBlock(t *testing.T, module, head string) string {
	t.Helper()
	i := strings.Index(module, "\n  "+head+"\n")
	require.GreaterOrEqual(t, i, 0, "index.d.ts declares %q", head)
	body := module[i+len(head)+4:]
	end := strings.Index(body, "\n  }")
	require.Greater(t, end, 0)
	return body[:end]
}

var (
	dtsMember  = regexp.MustCompile(`^    (static\s+)?(readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[:(]`)
	dtsExport  = regexp.MustCompile(`^  export (?:function|class|const|let) ([A-Za-z_$][\w$]*)`)
	dtsDefault = regexp.MustCompile(`^  export default ([A-Za-z_$][\w$]*);`)
)

// dtsMembers lists the members a block declares: static ones and the others (constructor aside).
func dtsMembers(block string) (static, instance []string) {
	seen := map[string]bool{}
	for _, line := range strings.Split(block, "\n") {
		m := dtsMember.FindStringSubmatch(line)
		if m == nil || m[3] == "constructor" {
			continue
		}
		key := m[1] + m[3]
		if seen[key] { // overloads
			continue
		}
		seen[key] = true
		if m[1] != "" {
			static = append(static, m[3])
		} else {
			instance = append(instance, m[3])
		}
	}
	sort.Strings(static)
	sort.Strings(instance)
	return static, instance
}

func sortedStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	sort.Strings(out)
	return out
}

// TestDeclarationsMatchRuntime: what index.d.ts declares for k6/x/eventsource is what the runtime has, both
// ways: the module's value exports, the default export, EventSource's static and instance members,
// the open() client's and response's members. A member added on one side only fails it.
func TestDeclarationsMatchRuntime(t *testing.T) {
	mod := dtsModule(t, "k6/x/eventsource")
	var exports []string
	for _, line := range strings.Split(mod, "\n") {
		if m := dtsExport.FindStringSubmatch(line); m != nil && !contains(exports, m[1]) {
			exports = append(exports, m[1])
		}
		if m := dtsDefault.FindStringSubmatch(line); m != nil {
			exports = append(exports, "default")
		}
	}
	sort.Strings(exports)
	_, defaultMembers := dtsMembers(dtsBlock(t, mod, "const sse: {"))
	esStatic, esInstance := dtsMembers(dtsBlock(t, mod, "export class EventSource {"))
	_, client := dtsMembers(dtsBlock(t, mod, "export interface Client {"))
	_, response := dtsMembers(dtsBlock(t, mod, "export interface OpenResponse {"))
	require.NotEmpty(t, esInstance, "the parser found EventSource's members")

	srv := streamServer(t, "data: x\n\n", true)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(refusing.Close)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		const functionProps = ["length", "name", "prototype"];
		const names = (o) => Object.getOwnPropertyNames(o);
		const m = require("k6/x/eventsource");
		var got = {
			exports: Object.keys(m).filter((k) => k !== "__esModule"), // the module system's mark
			defaultMembers: Object.keys(m.default),
			esStatic: names(EventSource).filter((k) => !functionProps.includes(k)),
		};
		const es = new EventSource(%[1]q);
		got.esInstance = [...new Set([...names(es), ...names(EventSource.prototype)])].filter((k) => k !== "constructor");
		es.close();
		const res = open(%[1]q, (client) => { got.client = Object.keys(client); });
		got.response = Object.keys(res);
		got.refusedResponse = Object.keys(open(%[2]q, () => {}));
	`, srv.URL, refusing.URL))
	got := vu.get("got").(map[string]any)
	assert.Equal(t, exports, sortedStrings(got["exports"]), "module exports: index.d.ts vs runtime")
	assert.Equal(t, defaultMembers, sortedStrings(got["defaultMembers"]), "default export: index.d.ts vs runtime")
	assert.Equal(t, esStatic, sortedStrings(got["esStatic"]), "EventSource statics: index.d.ts vs runtime")
	assert.Equal(t, esInstance, sortedStrings(got["esInstance"]), "EventSource members: index.d.ts vs runtime")
	assert.Equal(t, client, sortedStrings(got["client"]), "open() client: index.d.ts vs runtime")
	// body is declared optional: a response has it only when the stream was refused.
	assert.Equal(t, response, sortedStrings(got["refusedResponse"]), "open() response of a refused stream: index.d.ts vs runtime")
	assert.Equal(t, without(response, "body"), sortedStrings(got["response"]), "open() response: index.d.ts vs runtime")
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
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

// TestEventSourceIsAClass: `new EventSource(...)` is an instance of EventSource, with the state
// constants on the class and the instances; calling it without new is a TypeError that says to use
// new.
func TestEventSourceIsAClass(t *testing.T) {
	srv := streamServer(t, "data: x\n\n", false)
	vu := newJSVU(t)
	vu.run(t, fmt.Sprintf(`
		const es = new EventSource(%q);
		var got = {
			instance: es instanceof EventSource,
			proto: Object.getPrototypeOf(es) === EventSource.prototype,
			name: EventSource.name,
			statics: [EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED].join(","),
			constants: [es.CONNECTING, es.OPEN, es.CLOSED].join(","),
			defaultIsSame: sse.default.EventSource === EventSource,
		};
		es.close();
	`, srv.URL))
	assert.Equal(t, map[string]any{
		"instance": true, "proto": true, "name": "EventSource", "statics": "0,1,2", "constants": "0,1,2", "defaultIsSame": true,
	}, vu.get("got"))

	down := closedURL(t) // were a stream opened, it would end at once
	for _, code := range []string{
		fmt.Sprintf(`EventSource(%q)`, down),
		fmt.Sprintf(`sse.EventSource(%q)`, down),
		fmt.Sprintf(`EventSource.call({}, %q)`, down),
	} {
		_, err := vu.rt.RunOnEventLoop(code)
		require.Error(t, err, code)
		assert.Contains(t, err.Error(), "TypeError", code)
		assert.Contains(t, err.Error(), "EventSource: call it with new", code)
	}
}
