package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.k6.io/k6/v2/errext"
	"go.k6.io/k6/v2/errext/exitcodes"
	"go.k6.io/k6/v2/lib/types"
)

// The thresholds of the options, as k6 v2.2.0 checks them before a test starts (after the init
// code of the first VU has registered its metrics): Parse checks each expression's syntax, Validate
// that the metric exists in the registry and supports the expression's aggregation method. The
// error texts are k6's, word for word, and carry exit code 104 (InvalidConfig), as k6 exits with.
// k6's Thresholds also run during the test; the shim only checks them.

// ErrInvalidThreshold is in the chain of Validate's errors.
var ErrInvalidThreshold = errors.New("invalid threshold")

// ErrMetricNameParsing is in the chain of ParseMetricName's errors.
var ErrMetricNameParsing = errors.New("parsing metric name failed")

// Threshold is one threshold expression of a metric, e.g. "p(95)<500".
type Threshold struct {
	// Source is the expression as the script wrote it.
	Source string
	// LastFailed says whether the last evaluation failed (never set by the shim).
	LastFailed bool
	// AbortOnFail is the abortOnFail of the object form.
	AbortOnFail bool
	// AbortGracePeriod is the delayAbortEval of the object form.
	AbortGracePeriod types.NullDuration

	parsed *thresholdExpression
}

// Thresholds are the thresholds of one metric (or submetric) name.
type Thresholds struct {
	Thresholds []*Threshold
	Abort      bool
}

// NewThresholds returns the thresholds of the expressions sources.
func NewThresholds(sources []string) Thresholds {
	ts := Thresholds{Thresholds: make([]*Threshold, 0, len(sources))}
	for _, s := range sources {
		ts.Thresholds = append(ts.Thresholds, &Threshold{Source: s})
	}
	return ts
}

// thresholdJSON is one element of a metric's threshold list: a string, or an object.
type thresholdJSON struct {
	Threshold        string             `json:"threshold"`
	AbortOnFail      bool               `json:"abortOnFail"`
	AbortGracePeriod types.NullDuration `json:"delayAbortEval"`
}

// UnmarshalJSON reads a metric's threshold list: ["p(95)<500", {"threshold": "rate<0.01",
// "abortOnFail": true, "delayAbortEval": "10s"}].
func (ts *Thresholds) UnmarshalJSON(data []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := Thresholds{Thresholds: make([]*Threshold, 0, len(raw))}
	for _, r := range raw {
		var c thresholdJSON
		if err := json.Unmarshal(r, &c.Threshold); err != nil {
			if err := json.Unmarshal(r, &c); err != nil {
				return err
			}
		}
		out.Thresholds = append(out.Thresholds, &Threshold{
			Source: c.Threshold, AbortOnFail: c.AbortOnFail, AbortGracePeriod: c.AbortGracePeriod,
		})
	}
	*ts = out
	return nil
}

// Parse parses every expression; the first that is malformed is the error.
func (ts *Thresholds) Parse() error {
	for _, t := range ts.Thresholds {
		p, err := parseThresholdExpression(t.Source)
		if err != nil {
			return err
		}
		t.parsed = p
	}
	return nil
}

// Validate checks the thresholds of metricName (a metric, or a submetric such as
// `http_req_duration{status:200}`) against the registry r: the metric must be registered, and its
// type must support each expression's aggregation method.
func (ts *Thresholds) Validate(metricName string, r *Registry) error {
	name, _, err := ParseMetricName(metricName)
	if err != nil {
		return errext.WithExitCodeIfNone(
			fmt.Errorf("unable to validate threshold expressions; reason: %w", err), exitcodes.InvalidConfig)
	}
	m := r.Get(name)
	if m == nil {
		return errext.WithExitCodeIfNone(fmt.Errorf("%w defined on %s; reason: no metric name %q found",
			ErrInvalidThreshold, metricName, metricName), exitcodes.InvalidConfig)
	}
	for _, t := range ts.Thresholds {
		if t.parsed == nil {
			p, err := parseThresholdExpression(t.Source)
			if err != nil {
				return fmt.Errorf("unable to validate threshold %q on metric %s; reason: parsing threshold failed %w",
					t.Source, metricName, err)
			}
			t.parsed = p
		}
		methods := aggregationMethods(m.Type)
		if !slices.Contains(methods, t.parsed.method) {
			return errext.WithExitCodeIfNone(fmt.Errorf("%w %q applied on metric %s; reason: "+
				"unsupported aggregation method %s on metric of type %s. "+
				"supported aggregation methods for this metric are: %s",
				ErrInvalidThreshold, t.Source, metricName, t.parsed.method, m.Type, strings.Join(methods, ", ")),
				exitcodes.InvalidConfig)
		}
	}
	return nil
}

// aggregationMethods are the threshold aggregation methods of a metric type ("p" is p(N)).
func aggregationMethods(t MetricType) []string {
	switch t {
	case Counter:
		return []string{"count", "rate"}
	case Gauge:
		return []string{"value"}
	case Rate:
		return []string{"rate"}
	case Trend:
		return []string{"avg", "min", "max", "med", "p"}
	}
	return nil
}

// thresholdExpression is a parsed "method operator value".
type thresholdExpression struct {
	method     string  // count, rate, value, avg, min, max, med, or p
	percentile float64 // N of p(N)
	operator   string
	value      float64
}

func parseThresholdExpression(src string) (*thresholdExpression, error) {
	var left, op, right string
	// the operators, the longer first where one begins another
	for _, o := range []string{"<=", "<", ">=", ">", "===", "==", "!="} {
		l, r, _ := strings.Cut(src, o)
		if r != "" {
			left, op, right = strings.TrimSpace(l), o, strings.TrimSpace(r)
			break
		}
	}
	if op == "" {
		return nil, fmt.Errorf("failed parsing threshold expression %q; reason: %w", src,
			errors.New("malformed threshold expression"))
	}
	e := &thresholdExpression{operator: op}
	switch {
	case slices.Contains([]string{"value", "count", "rate", "avg", "min", "med", "max", "p"}, left):
		e.method = left
	case strings.HasPrefix(left, "p(") && strings.HasSuffix(left, ")"):
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(left, "p("), ")"), 64)
		if err != nil {
			return nil, fmt.Errorf("failed parsing threshold expression's %q left hand side; reason: %w", src,
				fmt.Errorf("malformed percentile value; reason: %w", err))
		}
		if math.IsNaN(n) || n < 0 || n > 100 {
			return nil, fmt.Errorf("failed parsing threshold expression's %q left hand side; reason: %w", src,
				errors.New("malformed percentile value, provide a number between 0 and 100"))
		}
		e.method, e.percentile = "p", n
	default:
		return nil, fmt.Errorf("failed parsing threshold expression's %q left hand side; reason: %w", src,
			errors.New("failed parsing method from expression"))
	}
	v, err := strconv.ParseFloat(right, 64)
	if err != nil {
		// "expresion": k6's own spelling
		return nil, fmt.Errorf(
			"failed parsing threshold expresion's %q right hand side; reason: %w", src, err)
	}
	e.value = v
	return e, nil
}

// ParseMetricName splits a threshold's metric name of the form name{key:value,...} into the
// metric's name and its "key:value" tags (nil for a plain name).
func ParseMetricName(name string) (string, []string, error) {
	open, end := strings.IndexByte(name, '{'), strings.LastIndexByte(name, '}')
	switch {
	case open < 0 && end < 0:
		return name, nil, nil
	case open < 0 || end < 0:
		return "", nil, fmt.Errorf("%w, metric %q has unmatched opening/close curly brace", ErrMetricNameParsing, name)
	case end < open:
		return "", nil, fmt.Errorf("%w, metric %q closing curly brace appears before opening one", ErrMetricNameParsing, name)
	case end != len(name)-1:
		return "", nil, fmt.Errorf("%w, metric %q lacks a closing curly brace in its last position",
			ErrMetricNameParsing, name)
	}
	tags := strings.Split(name[open+1:end], ",")
	for i, tag := range tags {
		if _, v, _ := strings.Cut(tag, ":"); v == "" {
			return "", nil, fmt.Errorf("%w, metric %q tag expression is malformed", ErrMetricNameParsing, tag)
		}
		tags[i] = strings.TrimSpace(tag)
	}
	return name[:open], tags, nil
}
