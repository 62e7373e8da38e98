// Package metrics records what slawatch does — breaches, alerts,
// acknowledgements, first-response times, promises kept — and writes them
// as CloudWatch Embedded Metric Format (EMF): one JSON log line per Lambda
// invocation, which CloudWatch Logs turns into metrics without any API call.
//
// Domain packages take a Sink and add to it; the Lambda entry points give
// them a Recorder and Flush it at the end of each invocation.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// Units used here.
const (
	Count   Unit = "Count"
	Seconds Unit = "Seconds"
	None    Unit = "None"
)

// Metric names.
const (
	EventsApplied   = "EventsApplied"
	EventsDuplicate = "EventsDuplicate"
	EventsLate      = "EventsLate" // dated before the ticket's compacted history: not applied
	WebhooksRefused = "WebhooksRefused"
	// ConfigRefused counts cold starts that refused the configuration
	// parameter's current version as invalid and run an earlier one.
	ConfigRefused = "ConfigRefused"

	AlertsSent        = "AlertsSent"
	AlertsFailed      = "AlertsFailed"
	AlertsSilenced    = "AlertsSilenced" // held by a silence: recorded, not sent
	Breaches          = "Breaches"
	CheckerLagSeconds = "CheckerLagSeconds" // publish time minus planned instant

	AcksSent             = "AcksSent"
	AcksFailed           = "AcksFailed"
	PredictedBreaches    = "PredictedBreaches"
	FirstResponseSeconds = "FirstResponseSeconds" // wall-clock, creation to first reply
	// PromiseKept is 1 for a first reply by the promised time, 0 after it:
	// its Average is the promise-kept rate.
	PromiseKept = "PromiseKept"

	// OnCallSent and OnCallFailed count alerts delivered into on-call tools
	// and those a tool refused or that could not be delivered in time
	// (package oncall); OnCallAttempts, the tries each delivery took.
	OnCallSent     = "OnCallSent"
	OnCallFailed   = "OnCallFailed"
	OnCallAttempts = "OnCallAttempts"
)

// Sink receives metric values. Counts add up within an invocation; other
// units keep every value (CloudWatch computes the statistics).
type Sink interface {
	Add(name string, unit Unit, v float64)
}

// Discard is a Sink that keeps nothing.
var Discard Sink = discard{}

type discard struct{}

func (discard) Add(string, Unit, float64) {}

// Or returns s, or Discard when s is nil.
func Or(s Sink) Sink {
	if s == nil {
		return Discard
	}
	return s
}

// maxValues is EMF's limit of values per metric in one document.
const maxValues = 100

// Recorder collects values and writes them as one EMF line.
type Recorder struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	dims      map[string]string
	now       func() time.Time
	values    map[string]*series
}

type series struct {
	unit Unit
	vals []float64
}

// NewRecorder returns a Recorder writing to w (in Lambda, stdout) under
// namespace, every metric with the given dimensions (e.g. Function).
func NewRecorder(w io.Writer, namespace string, dims map[string]string, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{w: w, namespace: namespace, dims: maps.Clone(dims), now: now, values: map[string]*series{}}
}

// Add records v. A Count adds to the invocation's total; other units keep
// up to 100 values, the largest when there are more (the tail is what
// alarms watch).
func (r *Recorder) Add(name string, unit Unit, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.values[name]
	if !ok {
		s = &series{unit: unit}
		r.values[name] = s
	}
	switch {
	case unit == Count && len(s.vals) == 1:
		s.vals[0] += v
	case len(s.vals) < maxValues:
		s.vals = append(s.vals, v)
	default:
		if i := slices.Index(s.vals, slices.Min(s.vals)); s.vals[i] < v {
			s.vals[i] = v
		}
	}
}

// Flush writes the recorded metrics as one EMF document, and forgets
// them. Nothing is written when nothing was recorded.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	values := r.values
	r.values = map[string]*series{}
	r.mu.Unlock()
	if len(values) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(values))
	type metricDef struct {
		Name string `json:"Name"`
		Unit Unit   `json:"Unit"`
	}
	defs := make([]metricDef, 0, len(names))
	doc := map[string]any{}
	for k, v := range r.dims {
		doc[k] = v
	}
	for _, n := range names {
		s := values[n]
		defs = append(defs, metricDef{n, s.unit})
		if len(s.vals) == 1 {
			doc[n] = s.vals[0]
		} else {
			doc[n] = s.vals
		}
	}
	doc["_aws"] = map[string]any{
		"Timestamp": r.now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  r.namespace,
			"Dimensions": [][]string{slices.Sorted(maps.Keys(r.dims))},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if _, err := r.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
