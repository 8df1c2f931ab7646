package metrics_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/errext/exitcodes"
	"go.k6.io/k6/v2/metrics"
)

// TestThresholdsValidate: the checks k6 makes of the thresholds option before a test starts, with
// k6's words and exit code.
func TestThresholdsValidate(t *testing.T) {
	t.Parallel()
	r := metrics.NewRegistry()
	metrics.RegisterBuiltinMetrics(r)
	r.MustNewMetric("sse_events_received", metrics.Counter)
	r.MustNewMetric("sse_time_to_first_event", metrics.Trend, metrics.Time)

	cases := []struct {
		name, metric, thresholds string
		want                     string // "" when valid
		code                     exitcodes.ExitCode
	}{
		{"trend percentile", "sse_time_to_first_event", `["p(95)<500", "avg < 200", "p(99.9)<=1e3"]`, "", 0},
		{"counter count and rate", "sse_events_received", `["count>0", {"threshold": "rate>1", "abortOnFail": true, "delayAbortEval": "10s"}]`, "", 0},
		{"submetric", "sse_time_to_first_event{scenario:stream}", `["p(95)<500"]`, "", 0},
		{"builtin", "checks", `["rate==1"]`, "", 0},
		{"unknown metric", "sse_time_between_events", `["p(95)<100"]`,
			`invalid threshold defined on sse_time_between_events; reason: no metric name "sse_time_between_events" found`, exitcodes.InvalidConfig},
		{"unknown submetric's metric", "nope{a:b}", `["count>0"]`,
			`invalid threshold defined on nope{a:b}; reason: no metric name "nope{a:b}" found`, exitcodes.InvalidConfig},
		{"method of another type", "sse_events_received", `["p(95)<1"]`,
			`invalid threshold "p(95)<1" applied on metric sse_events_received; reason: unsupported aggregation method p on metric of type counter. supported aggregation methods for this metric are: count, rate`, exitcodes.InvalidConfig},
		{"malformed name", "sse_events_received{scenario}", `["count>0"]`,
			`unable to validate threshold expressions; reason: parsing metric name failed, metric "scenario" tag expression is malformed`, exitcodes.InvalidConfig},
		{"no operator", "checks", `["rate 1"]`,
			`failed parsing threshold expression "rate 1"; reason: malformed threshold expression`, 0},
		{"unknown method", "checks", `["mean<1"]`,
			`failed parsing threshold expression's "mean<1" left hand side; reason: failed parsing method from expression`, 0},
		{"percentile out of range", "http_req_duration", `["p(101)<1"]`,
			`left hand side; reason: malformed percentile value, provide a number between 0 and 100`, 0},
		{"value not a number", "http_req_duration", `["avg<1s"]`, `right hand side; reason: strconv.ParseFloat`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ts metrics.Thresholds
			if err := json.Unmarshal([]byte(tc.thresholds), &ts); err != nil {
				t.Fatal(err)
			}
			err := ts.Parse()
			if err == nil {
				err = ts.Validate(tc.metric, r)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
			if tc.code != 0 {
				var ec errext.HasExitCode
				if !errors.As(err, &ec) || ec.ExitCode() != tc.code {
					t.Fatalf("want exit code %d, got %v", tc.code, err)
				}
			}
		})
	}
}

// TestThresholdsJSON: both forms of a threshold, and the object form's options.
func TestThresholdsJSON(t *testing.T) {
	t.Parallel()
	var ts metrics.Thresholds
	if err := json.Unmarshal([]byte(`["count>0", {"threshold": "rate>1", "abortOnFail": true, "delayAbortEval": "10s"}]`), &ts); err != nil {
		t.Fatal(err)
	}
	if len(ts.Thresholds) != 2 || ts.Thresholds[0].Source != "count>0" || ts.Thresholds[1].Source != "rate>1" ||
		!ts.Thresholds[1].AbortOnFail || ts.Thresholds[1].AbortGracePeriod.String() != "10s" || !ts.Thresholds[1].AbortGracePeriod.Valid {
		t.Fatalf("got %+v %+v", ts.Thresholds[0], ts.Thresholds[1])
	}
	if err := json.Unmarshal([]byte(`[{"threshold": "rate>1", "delayAbortEval": "ten"}]`), &ts); err == nil {
		t.Fatal("a bad delayAbortEval must fail")
	}
	if ts := metrics.NewThresholds([]string{"p(95)<1"}); len(ts.Thresholds) != 1 || ts.Thresholds[0].Source != "p(95)<1" {
		t.Fatalf("NewThresholds: %+v", ts)
	}
}
