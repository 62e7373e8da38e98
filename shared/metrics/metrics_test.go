package metrics_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/metrics"
)

func TestFlushWritesOneEMFDocument(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := metrics.NewRecorder(&b, "slawatch", map[string]string{"Function": "checker"}, func() time.Time { return at })
	r.Add(metrics.AlertsSent, metrics.Count, 2)
	r.Add(metrics.AlertsSent, metrics.Count, 3)
	r.Add(metrics.CheckerLagSeconds, metrics.Seconds, 0.25)
	r.Add(metrics.CheckerLagSeconds, metrics.Seconds, 1.5)
	r.Add(metrics.PromiseKept, metrics.None, 1)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("want one line, got %q", b.String())
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function    string
		AlertsSent  float64
		CheckerLag  []float64 `json:"CheckerLagSeconds"`
		PromiseKept float64
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.AWS.CloudWatchMetrics
	if doc.AWS.Timestamp != at.UnixMilli() || len(d) != 1 || d[0].Namespace != "slawatch" ||
		len(d[0].Dimensions) != 1 || strings.Join(d[0].Dimensions[0], ",") != "Function" {
		t.Errorf("directive %+v", doc.AWS)
	}
	// Sorted by name: AlertsSent, CheckerLagSeconds, PromiseKept.
	if len(d[0].Metrics) != 3 || d[0].Metrics[0] != (struct{ Name, Unit string }{"AlertsSent", "Count"}) ||
		d[0].Metrics[1] != (struct{ Name, Unit string }{"CheckerLagSeconds", "Seconds"}) {
		t.Errorf("metrics %+v", d[0].Metrics)
	}
	if doc.Function != "checker" || doc.AlertsSent != 5 || len(doc.CheckerLag) != 2 || doc.CheckerLag[1] != 1.5 || doc.PromiseKept != 1 {
		t.Errorf("values %+v", doc)
	}
	// Flushed values are gone; an empty flush writes nothing.
	b.Reset()
	if err := r.Flush(); err != nil || b.Len() != 0 {
		t.Errorf("second flush wrote %q, %v", b.String(), err)
	}
}

// Beyond EMF's 100 values a metric keeps the largest: the tail is what
// alarms on lag watch.
func TestRecorderKeepsLargestValues(t *testing.T) {
	var b bytes.Buffer
	r := metrics.NewRecorder(&b, "ns", map[string]string{"Function": "f"}, nil)
	for i := range 150 {
		r.Add("Lag", metrics.Seconds, float64(i))
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Lag []float64 }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	lowest := doc.Lag[0]
	for _, v := range doc.Lag {
		lowest = min(lowest, v)
	}
	if len(doc.Lag) != 100 || lowest != 50 {
		t.Errorf("%d values, lowest %v; want 100, 50", len(doc.Lag), lowest)
	}
}
