package history

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// Monday 23 November 2026, 09:00 UTC.
var mon = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestID(t *testing.T) {
	tests := []struct {
		r    Record
		want string
	}{
		{Record{Source: "zendesk", Ticket: "42", Metric: FirstResponse}, "zendesk#first_response#0#42"},
		{Record{Source: "github", Ticket: "acme/app#7", Metric: NextReply, Cycle: 12}, "github#next_reply#12#acme/app#7"},
	}
	for _, tt := range tests {
		if got := tt.r.ID(); got != tt.want {
			t.Errorf("ID(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
	// Revisions keep the id: only the key fields make it.
	a := Record{Source: "s", Ticket: "t", Metric: NextReply, Cycle: 1, Outcome: Met, Policy: "p"}
	b := a
	b.Outcome, b.Policy, b.Ended = Breached, "q", mon
	if a.ID() != b.ID() {
		t.Errorf("a revision changed the id: %q, %q", a.ID(), b.ID())
	}
}

func TestBucket(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 0},
		{59 * time.Second, 0},
		{time.Minute, 1},
		{5*time.Minute - 1, 3},
		{5 * time.Minute, 4},
		{20 * time.Minute, 7},
		{2 * time.Hour, 12},
		{168*time.Hour - 1, 24},
		{168 * time.Hour, 25},
		{1000 * time.Hour, 25},
	}
	for _, tt := range tests {
		if got := Bucket(tt.d); got != tt.want {
			t.Errorf("Bucket(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
	if Buckets != 26 {
		t.Errorf("Buckets = %d, want 26", Buckets)
	}
	for i := 1; i < len(Bounds); i++ {
		if r := float64(Bounds[i]) / float64(Bounds[i-1]); r > 2 || (Bounds[i-1] >= 10*time.Minute && r > 1.5) {
			t.Errorf("bound %s is %.2f× the one before: the documented error bound needs ≤ 2 (≤ 1.5 from 10m)", Bounds[i], r)
		}
	}
}

func TestLatenessBucket(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{time.Second, 0}, {15 * time.Minute, 1}, {59 * time.Minute, 1}, {time.Hour, 2},
		{4 * time.Hour, 3}, {23 * time.Hour, 3}, {24 * time.Hour, 4}, {30 * 24 * time.Hour, 4},
	}
	for _, tt := range tests {
		if got := LatenessBucket(tt.d); got != tt.want {
			t.Errorf("LatenessBucket(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func hist(ds ...time.Duration) Histogram {
	var h Histogram
	for _, d := range ds {
		h.add(d, 1)
	}
	return h
}

func TestQuantile(t *testing.T) {
	m := time.Minute
	// Two durations in [5m, 10m) and two in [10m, 15m): rank q·4 falls in
	// the first bucket up to q = 0.5, spread evenly over its 5 minutes.
	four := hist(6*m, 9*m, 11*m, 14*m)
	tests := []struct {
		name string
		h    Histogram
		q    float64
		want time.Duration
	}{
		{"min", four, 0, 5 * m},
		{"q25", four, 0.25, 7*m + 30*time.Second}, // rank 1 of 2 in [5m,10m): 5m + ½·5m
		{"median", four, 0.5, 10 * m},             // rank 2 of 2: the bucket's top
		{"p90", four, 0.9, 14 * m},                // rank 3.6: 1.6 of 2 into [10m,15m) = 10m + 0.8·5m
		{"max", four, 1, 15 * m},
		{"clamped", four, 7, 15 * m},
		{"one", hist(40 * m), 0.5, 37*m + 30*time.Second}, // [30m,45m): half way
		{"open bucket", hist(200 * time.Hour), 0.5, 168 * time.Hour},
		{"skips empty buckets", hist(30*time.Second, 3*time.Hour), 0.75, 3*time.Hour + 30*m}, // rank 1.5: half of [3h,4h)
	}
	for _, tt := range tests {
		got, ok := tt.h.Quantile(tt.q)
		if !ok || got != tt.want {
			t.Errorf("%s: Quantile(%v) = %s, %v; want %s", tt.name, tt.q, got, ok, tt.want)
		}
	}
	var empty Histogram
	if _, ok := empty.Quantile(0.5); ok {
		t.Error("Quantile of an empty histogram reported ok")
	}
}

// TestQuantileErrorBound checks the documented bound against exact
// nearest-rank quantiles of random samples: the estimate is never further
// from the truth than the width of the truth's bucket.
func TestQuantileErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for trial := range 200 {
		n := 1 + rng.IntN(300)
		ds := make([]time.Duration, n)
		var h Histogram
		for i := range ds {
			// Log-uniform from a second to ten days.
			ds[i] = time.Duration(float64(time.Second) * math.Pow(864000, rng.Float64()))
			h.add(ds[i], 1)
		}
		slices.Sort(ds)
		for _, q := range []float64{0.1, 0.5, 0.9, 0.99} {
			truth := ds[int(math.Ceil(q*float64(n)))-1]
			got, _ := h.Quantile(q)
			i := Bucket(truth)
			if i == len(Bounds) {
				if got != Bounds[len(Bounds)-1] {
					t.Errorf("trial %d q=%v: truth %s in the open bucket, estimate %s", trial, q, truth, got)
				}
				continue
			}
			lo := time.Duration(0)
			if i > 0 {
				lo = Bounds[i-1]
			}
			if got < lo || got > Bounds[i] {
				t.Errorf("trial %d q=%v: estimate %s outside the truth's bucket [%s, %s] (truth %s)", trial, q, got, lo, Bounds[i], truth)
			}
		}
	}
}

func weekdays(t *testing.T) *calendar.Calendar {
	t.Helper()
	nine := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
	c, err := calendar.New(time.UTC, calendar.Week{time.Monday: nine, time.Tuesday: nine, time.Wednesday: nine, time.Thursday: nine, time.Friday: nine})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMeasure(t *testing.T) {
	cal := weekdays(t)
	fri4pm := mon.Add(-3*24*time.Hour + 7*time.Hour)
	due := mon.Add(time.Hour) // 2 business hours after Friday 16:00: Monday 10:00
	h := time.Hour
	tests := []struct {
		name     string
		cal      *calendar.Calendar
		ended    time.Time
		answered bool
		paused   time.Duration
		want     Record
	}{
		{"answered in time over the weekend", cal, mon.Add(30 * time.Minute), true, 0,
			Record{Outcome: Met, Answered: true, Business: 90 * time.Minute, Calendar: 65*h + 30*time.Minute}},
		{"answered late", cal, mon.Add(2 * h), true, 0,
			Record{Outcome: Breached, Answered: true, Business: 3 * h, Calendar: 67 * h, Lateness: h}},
		{"closed unanswered in time", cal, mon.Add(30 * time.Minute), false, 0,
			Record{Outcome: NotNeeded, Business: 90 * time.Minute, Calendar: 65*h + 30*time.Minute}},
		{"closed unanswered late is a breach", cal, mon.Add(2 * h), false, 0,
			Record{Outcome: Breached, Business: 3 * h, Calendar: 67 * h, Lateness: h}},
		{"calendar time", nil, mon.Add(30 * time.Minute), true, 0,
			Record{Outcome: Met, Answered: true, Business: 65*h + 30*time.Minute, Calendar: 65*h + 30*time.Minute}},
		{"paused time left out", cal, mon.Add(30 * time.Minute), true, 20 * time.Minute,
			Record{Outcome: Met, Answered: true, Business: 70 * time.Minute, Calendar: 65*h + 30*time.Minute}},
		{"ended exactly at due is met", cal, due, true, 0,
			Record{Outcome: Met, Answered: true, Business: 2 * h, Calendar: 66 * h}},
	}
	for _, tt := range tests {
		r := Record{Source: "s", Ticket: "1", Metric: FirstResponse, Started: fri4pm, Due: due, Ended: tt.ended}
		r.Measure(tt.cal, tt.answered, tt.paused)
		got := [5]any{r.Outcome, r.Answered, r.Business, r.Calendar, r.Lateness}
		want := [5]any{tt.want.Outcome, tt.want.Answered, tt.want.Business, tt.want.Calendar, tt.want.Lateness}
		if got != want {
			t.Errorf("%s: got outcome, answered, business, calendar, lateness %v, want %v", tt.name, got, want)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: measured record does not validate: %v", tt.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Record{Source: "s", Ticket: "1", Metric: FirstResponse, Started: mon, Due: mon.Add(time.Hour),
		Ended: mon.Add(time.Minute), Outcome: Met, Answered: true, Business: time.Minute, Calendar: time.Minute}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid record: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Record)
		want   string
	}{
		{"no source", func(r *Record) { r.Source = "" }, "required"},
		{"negative cycle", func(r *Record) { r.Cycle = -1 }, "negative"},
		{"no due", func(r *Record) { r.Due = time.Time{} }, "required"},
		{"ends before start", func(r *Record) { r.Ended = mon.Add(-time.Second) }, "before it started"},
		{"met after due", func(r *Record) { r.Ended = mon.Add(2 * time.Hour) }, "ended after due"},
		{"breached in time", func(r *Record) { r.Outcome = Breached }, "ended by due"},
		{"unknown outcome", func(r *Record) { r.Outcome = "late" }, "unknown outcome"},
		{"met unanswered", func(r *Record) { r.Answered = false }, "not answered"},
		{"not needed answered", func(r *Record) { r.Outcome = NotNeeded }, "not needed but answered"},
		{"met with lateness", func(r *Record) { r.Lateness = time.Minute }, "lateness"},
		{"negative duration", func(r *Record) { r.Business = -1 }, "negative duration"},
		{"promise broken unanswered", func(r *Record) {
			r.Metric, r.Ended, r.Outcome, r.Answered, r.Lateness = Promise, mon.Add(2*time.Hour), Breached, false, time.Hour
		}, "promise not answered"},
	}
	for _, tt := range tests {
		r := ok
		tt.change(&r)
		err := r.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

func TestSLA(t *testing.T) {
	for metric, want := range map[string]bool{FirstResponse: true, NextReply: true, Resolution: true, Promise: false, "": false} {
		if got := (Record{Metric: metric}).SLA(); got != want {
			t.Errorf("Record{Metric: %q}.SLA() = %v, want %v", metric, got, want)
		}
	}
}

func TestDateOfIsUTC(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	// 23:30 in New York on the 23rd is 04:30 UTC on the 24th.
	r := Record{Ended: time.Date(2026, 11, 23, 23, 30, 0, 0, ny)}
	if got, want := DateOf(r), (calendar.Date{Year: 2026, Month: 11, Day: 24}); got != want {
		t.Errorf("DateOf = %s, want %s", got, want)
	}
}

// Four clocks of one group, worked by hand below.
var (
	recA = Record{Outcome: Met, Answered: true, Business: 7 * time.Minute, Calendar: 7 * time.Minute}
	recB = Record{Outcome: Breached, Answered: true, Business: 20 * time.Minute, Calendar: 2 * time.Hour, Lateness: 20 * time.Minute}
	recC = Record{Outcome: NotNeeded, Business: 3 * time.Minute, Calendar: 3 * time.Minute}
	recD = Record{Outcome: Breached, Business: 9 * time.Hour, Calendar: 9 * time.Hour, Lateness: 5 * time.Hour}
)

func TestDayAddRemove(t *testing.T) {
	var d Day
	for _, r := range []Record{recA, recB, recC, recD} {
		d.Add(r)
	}
	var want Day
	want.Met, want.Breached, want.NotNeeded = 1, 2, 1
	// Answered only: A (7m: [5m,10m) = 4) and B (20m: [20m,30m) = 7;
	// calendar 2h: [2h,3h) = 12). C was not needed, D closed unanswered.
	want.Business.Counts[4], want.Business.Counts[7], want.Business.Sum = 1, 1, 27*time.Minute
	want.Calendar.Counts[4], want.Calendar.Counts[12], want.Calendar.Sum = 1, 1, 2*time.Hour+7*time.Minute
	// B 20m late: [15m,1h) = 1; D 5h late: [4h,24h) = 3.
	want.Lateness[1], want.Lateness[3], want.LateBy = 1, 1, 5*time.Hour+20*time.Minute
	if d != want {
		t.Fatalf("after A, B, C, D:\n got %+v\nwant %+v", d, want)
	}
	if a, ok := d.Attainment(); !ok || a != 1.0/3 {
		t.Errorf("Attainment = %v, %v; want 1/3", a, ok)
	}
	if d.Clocks() != 4 {
		t.Errorf("Clocks = %d, want 4", d.Clocks())
	}

	// B is revised: reordered events show it was answered after 12 minutes.
	b2 := Record{Outcome: Met, Answered: true, Business: 12 * time.Minute, Calendar: 12 * time.Minute}
	d.Remove(recB)
	d.Add(b2)
	want = Day{Met: 2, Breached: 1, NotNeeded: 1}
	want.Business.Counts[4], want.Business.Counts[5], want.Business.Sum = 1, 1, 19*time.Minute
	want.Calendar.Counts[4], want.Calendar.Counts[5], want.Calendar.Sum = 1, 1, 19*time.Minute
	want.Lateness[3], want.LateBy = 1, 5*time.Hour
	if d != want {
		t.Fatalf("after revising B:\n got %+v\nwant %+v", d, want)
	}

	for _, r := range []Record{recA, b2, recC, recD} {
		d.Remove(r)
	}
	if !d.Empty() || d != (Day{}) {
		t.Errorf("after removing everything: %+v, want empty", d)
	}
	if _, ok := d.Attainment(); ok {
		t.Error("Attainment of an empty day reported ok")
	}
}

func TestMerge(t *testing.T) {
	g := Group{Source: "s", Metric: FirstResponse}
	x := Day{Group: g}
	x.Add(recA)
	x.Add(recB)
	var y Day
	y.Add(recC)
	y.Add(recD)
	x.Merge(y)
	all := Day{Group: g}
	for _, r := range []Record{recA, recB, recC, recD} {
		all.Add(r)
	}
	if x != all {
		t.Errorf("merge:\n got %+v\nwant %+v", x, all)
	}
	if m, ok := x.Business.Mean(); !ok || m != 27*time.Minute/2 {
		t.Errorf("mean business time = %s, %v; want 13m30s", m, ok)
	}
}

func TestDayOf(t *testing.T) {
	r := Record{Source: "zendesk", Ticket: "1", Metric: NextReply, Cycle: 3, Policy: "vip", Team: "billing",
		Channel: event.Chat, Priority: event.Urgent, Ended: time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)}
	want := Day{Date: calendar.Date{Year: 2026, Month: 12, Day: 31},
		Group: Group{Source: "zendesk", Policy: "vip", Team: "billing", Channel: event.Chat, Priority: event.Urgent, Metric: NextReply}}
	if got := DayOf(r); got != want {
		t.Errorf("DayOf = %+v, want %+v", got, want)
	}
}
