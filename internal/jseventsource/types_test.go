package jseventsource

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xk6-barrier/xk6-barrier/internal/dtstest"
)

// TestDeclarationsMatchRuntime: what index.d.ts declares for k6/x/eventsource is what the runtime has, both
// ways: the module's value exports, the default export, EventSource's static and instance members,
// the open() client's and response's members. A member added on one side only fails it.
func TestDeclarationsMatchRuntime(t *testing.T) {
	t.Parallel()
	mod := dtstest.Module(t, "k6/x/eventsource")
	exports := dtstest.Exports(mod)
	_, defaultMembers, _ := dtstest.Members(dtstest.Block(t, mod, "const sse: {"))
	esStatic, esInstance, _ := dtstest.Members(dtstest.Block(t, mod, "export class EventSource {"))
	_, client, _ := dtstest.Members(dtstest.Block(t, mod, "export interface Client {"))
	_, response, _ := dtstest.Members(dtstest.Block(t, mod, "export interface OpenResponse {"))
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
	assert.Equal(t, exports, dtstest.Strings(t, got["exports"]), "module exports: index.d.ts vs runtime")
	assert.Equal(t, defaultMembers, dtstest.Strings(t, got["defaultMembers"]), "default export: index.d.ts vs runtime")
	assert.Equal(t, esStatic, dtstest.Strings(t, got["esStatic"]), "EventSource statics: index.d.ts vs runtime")
	assert.Equal(t, esInstance, dtstest.Strings(t, got["esInstance"]), "EventSource members: index.d.ts vs runtime")
	assert.Equal(t, client, dtstest.Strings(t, got["client"]), "open() client: index.d.ts vs runtime")
	// body is declared optional: a response has it only when the stream was refused.
	assert.Equal(t, response, dtstest.Strings(t, got["refusedResponse"]), "open() response of a refused stream: index.d.ts vs runtime")
	assert.Equal(t, dtstest.Without(response, "body"), dtstest.Strings(t, got["response"]), "open() response: index.d.ts vs runtime")
}

// TestEventSourceIsAClass: `new EventSource(...)` is an instance of EventSource, with the state
// constants on the class and the instances; calling it without new is a TypeError that says to use
// new.
func TestEventSourceIsAClass(t *testing.T) {
	t.Parallel()
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
