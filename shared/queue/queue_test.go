package queue_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/queue"
)

// The week of Monday 23 November 2026, in UTC.
var (
	fri16 = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)
	mon09 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	mon10 = mon09.Add(time.Hour)
)

// office is open Monday to Friday, 09:00–17:00 UTC.
func office(t *testing.T) *calendar.Calendar {
	t.Helper()
	day := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
	c, err := calendar.New(time.UTC, calendar.Week{nil, day, day, day, day, day, nil})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestKeys(t *testing.T) {
	tests := []struct {
		source string
		ch     event.Channel
		pr     event.Priority
		want   []string
	}{
		{"zendesk", event.Chat, event.Urgent, []string{"zendesk/chat/urgent", "zendesk/chat", "zendesk"}},
		// Unknown channel and priority are "any": a queue of their own.
		{"zendesk", "", "", []string{"zendesk/any/any", "zendesk/any", "zendesk"}},
		{"zendesk", event.Email, "", []string{"zendesk/email/any", "zendesk/email", "zendesk"}},
		{"generic", "", event.High, []string{"generic/any/high", "generic/any", "generic"}},
	}
	for _, tt := range tests {
		var got []string
		for _, k := range queue.Keys(tt.source, tt.ch, tt.pr) {
			got = append(got, k.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Keys(%q, %q, %q) = %v, want %v", tt.source, tt.ch, tt.pr, got, tt.want)
		}
	}
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		k    queue.Key
		want string
	}{
		{queue.Key{Source: "zendesk", Channel: event.Chat, Priority: event.High}, "zendesk/chat/high"},
		{queue.Key{Source: "zendesk", Channel: event.Chat}, "zendesk/chat"},
		{queue.Key{Source: "zendesk"}, "zendesk"},
		// A priority without a channel is under "any" channel, not the
		// source-wide queue's name.
		{queue.Key{Source: "zendesk", Priority: event.High}, "zendesk/any/high"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
}

func TestArrive(t *testing.T) {
	var s queue.Stats
	if !s.Arrive("1", mon09) {
		t.Fatal("first arrival: no change")
	}
	// A redelivery, even with another time, changes nothing.
	if s.Arrive("1", mon10) || !s.Open["1"].Equal(mon09) {
		t.Errorf("second arrival changed the stats: %v", s.Open)
	}
	// An answered ticket does not wait again.
	s.Answer(queue.Answer{Ticket: "1", Started: mon09, At: mon10})
	if s.Arrive("1", mon10) || len(s.Open) != 0 {
		t.Errorf("arrival of an answered ticket: open %v", s.Open)
	}

	// Copy on write: a copy of the stats is not changed through the map.
	before := s
	s.Arrive("2", mon10)
	if len(before.Open) != 0 || len(s.Open) != 1 {
		t.Errorf("Arrive changed the copy's map: before %v, after %v", before.Open, s.Open)
	}
}

func TestArrivePrunes(t *testing.T) {
	// Stale: 30 days and a minute before the newest arrival.
	var s queue.Stats
	s.Arrive("stale", mon09)
	s.Arrive("edge", mon09.Add(time.Minute))
	s.Arrive("new", mon09.Add(queue.StaleOpen+time.Minute))
	if _, ok := s.Open["stale"]; ok || len(s.Open) != 2 {
		t.Errorf("open after 30 days: %v, want edge (exactly 30 days) and new", s.Open)
	}

	// Beyond MaxOpen the oldest is forgotten: 5,000 tickets arrived a
	// minute apart, then one more.
	open := make(map[string]time.Time, queue.MaxOpen)
	for i := range queue.MaxOpen {
		open[fmt.Sprint(i)] = mon09.Add(time.Duration(i) * time.Minute)
	}
	s = queue.Stats{Open: open}
	s.Arrive("last", mon09.Add(queue.MaxOpen*time.Minute))
	if _, ok := s.Open["0"]; ok || len(s.Open) != queue.MaxOpen || s.Open["last"].IsZero() {
		t.Errorf("%d open, oldest kept: %v", len(s.Open), !s.Open["0"].IsZero())
	}
	if len(open) != queue.MaxOpen || open["0"].IsZero() {
		t.Error("Arrive changed the map it was given")
	}
}

func TestAnswer(t *testing.T) {
	cal := office(t)
	// prior is a queue whose last first response was at last (zero: none).
	prior := func(last time.Time) queue.Stats {
		s := queue.Stats{Open: map[string]time.Time{"t": fri16, "other": mon09}}
		if !last.IsZero() {
			s.Replies = []queue.Reply{{Ticket: "before", At: last}}
			s.LastReply = last
		}
		return s
	}
	tests := []struct {
		name      string
		last      time.Time
		a         queue.Answer
		want      queue.Reply
		wantLast  time.Time
		wantState string
	}{
		{
			// Friday 16:00–17:00 and Monday 09:00–10:00: 2h. The first reply
			// seen: no service time.
			name: "wait in business time", a: queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour}, wantLast: mon10,
		},
		{
			// Nil calendar: Friday 16:00 to Monday 10:00 is 66 hours.
			name: "wait in calendar time", a: queue.Answer{Ticket: "t", Started: fri16, At: mon10},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 66 * time.Hour}, wantLast: mon10,
		},
		{
			// Started before the previous reply (09:30): the team turned to
			// it then. Service 09:30–10:00 = 30m.
			name: "service since the previous reply", last: mon09.Add(30 * time.Minute),
			a:    queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour, Service: 30 * time.Minute}, wantLast: mon10,
		},
		{
			// Previous reply Friday 16:30, so the service spans the weekend:
			// 16:30–17:00 and 09:00–10:00 = 1h30m.
			name: "service in business time", last: fri16.Add(30 * time.Minute),
			a:    queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour, Service: 90 * time.Minute}, wantLast: mon10,
		},
		{
			// Arrived at 09:40, after the previous reply (09:10): service
			// from its arrival, 20m, the same as its wait.
			name: "service since its start", last: mon09.Add(10 * time.Minute),
			a:    queue.Answer{Ticket: "t", Started: mon09.Add(40 * time.Minute), At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 20 * time.Minute, Service: 20 * time.Minute}, wantLast: mon10,
		},
		{
			// Delivered after a later reply (11:00): service unknown, and
			// the last reply stays 11:00.
			name: "out of order", last: mon10.Add(time.Hour),
			a:    queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour}, wantLast: mon10.Add(time.Hour),
		},
		{
			// Promised by 10:00 and answered at 10:00: kept. The model
			// expected 1h30m ± 20m; 2h is (2h − 1h30m) / 20m = 1.5 spreads
			// late.
			name: "promise kept, residual", a: queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal,
				Promise: &eta.Promise{By: mon10, Mean: 90 * time.Minute, Spread: 20 * time.Minute}},
			want:     queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour, Residual: ptr(1.5), Promised: true, Kept: true},
			wantLast: mon10,
		},
		{
			// Promised by 09:59, answered a minute late: broken. A cold-start
			// promise (no spread) has no residual.
			name: "promise broken, no model", a: queue.Answer{Ticket: "t", Started: fri16, At: mon10, Calendar: cal,
				Promise: &eta.Promise{By: mon10.Add(-time.Minute), ColdStart: true}},
			want:     queue.Reply{Ticket: "t", At: mon10, Wait: 2 * time.Hour, Promised: true},
			wantLast: mon10,
		},
		{
			// A ticket never seen waiting is still recorded.
			name: "not waiting", a: queue.Answer{Ticket: "unseen", Started: mon09, At: mon10, Calendar: cal},
			want: queue.Reply{Ticket: "unseen", At: mon10, Wait: time.Hour}, wantLast: mon10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := prior(tt.last)
			before := prior(tt.last)
			orig := s
			if !s.Answer(tt.a) {
				t.Fatal("Answer reported no change")
			}
			got := s.Replies[len(s.Replies)-1]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("reply = %s, want %s", show(got), show(tt.want))
			}
			if !s.LastReply.Equal(tt.wantLast) {
				t.Errorf("last reply %v, want %v", s.LastReply, tt.wantLast)
			}
			if _, open := s.Open[tt.a.Ticket]; open || s.Open["other"].IsZero() {
				t.Errorf("open after the answer: %v, want only other", s.Open)
			}
			if !reflect.DeepEqual(orig, before) {
				t.Error("Answer changed a copy of the stats through its map or slice")
			}

			// The same answer again, even at another time: no change.
			again := s
			if s.Answer(queue.Answer{Ticket: tt.a.Ticket, Started: tt.a.Started, At: tt.a.At.Add(time.Hour), Calendar: cal}) {
				t.Error("second answer reported a change")
			}
			if !reflect.DeepEqual(s, again) {
				t.Error("second answer changed the stats")
			}
		})
	}
}

func show(r queue.Reply) string {
	res := "nil"
	if r.Residual != nil {
		res = fmt.Sprint(*r.Residual)
	}
	return fmt.Sprintf("{%s at %v wait %v service %v residual %s promised %v kept %v}", r.Ticket, r.At, r.Wait, r.Service, res, r.Promised, r.Kept)
}

func TestMaxReplies(t *testing.T) {
	// 201 first responses a minute apart: the oldest is dropped.
	var s queue.Stats
	for i := range queue.MaxReplies + 1 {
		at := mon09.Add(time.Duration(i) * time.Minute)
		s.Answer(queue.Answer{Ticket: fmt.Sprintf("t%03d", i), Started: at.Add(-time.Minute), At: at})
	}
	if len(s.Replies) != queue.MaxReplies || s.Replies[0].Ticket != "t001" || s.Replies[queue.MaxReplies-1].Ticket != "t200" {
		t.Errorf("%d replies, %s…%s; want %d, t001…t200", len(s.Replies), s.Replies[0].Ticket, s.Replies[len(s.Replies)-1].Ticket, queue.MaxReplies)
	}
}

func TestDrop(t *testing.T) {
	s := queue.Stats{Open: map[string]time.Time{"1": mon09, "2": mon10}}
	before := s
	if !s.Drop("1") {
		t.Fatal("Drop of a waiting ticket: no change")
	}
	if _, ok := s.Open["1"]; ok || len(s.Open) != 1 {
		t.Errorf("open after Drop: %v", s.Open)
	}
	if len(before.Open) != 2 {
		t.Error("Drop changed a copy of the stats through its map")
	}
	if s.Drop("1") || s.Drop("unknown") {
		t.Error("Drop of a ticket not waiting reported a change")
	}
}

// The share of tickets that leave unanswered: each ticket that leaves
// counts, the older ones decayed by 1 - 1/200 per later one.
func TestLeaving(t *testing.T) {
	var s queue.Stats
	for i := range 30 {
		s.Arrive(fmt.Sprint(i), mon09.Add(time.Duration(i)*time.Minute))
	}
	at := mon10
	for i := range 24 {
		at = at.Add(time.Minute)
		s.Answer(queue.Answer{Ticket: fmt.Sprint(i), Started: mon09, At: at})
		if got := s.Input("x", at, queue.DefaultWindow).Leaving; got != 0 {
			t.Fatalf("after %d answers: leaving %v, want 0", i+1, got)
		}
	}
	if s.Drop("unknown") {
		t.Fatal("Drop of a ticket not waiting counted")
	}
	for i := 24; i < 30; i++ {
		s.Drop(fmt.Sprint(i))
	}
	// 24 answered, then 6 dropped: left = (1-d^6)/(1-d), ended =
	// (1-d^30)/(1-d), d = 0.995: 0.029627/0.139616 = 0.21221.
	if got := s.Input("x", at, queue.DefaultWindow).Leaving; math.Abs(got-0.21221) > 1e-4 {
		t.Errorf("leaving %v, want 0.21221", got)
	}
	// Fewer than 20 ended: not known yet.
	var few queue.Stats
	for i := range 19 {
		few.Arrive(fmt.Sprint(i), mon09)
		few.Drop(fmt.Sprint(i))
	}
	if got := few.Input("x", mon10, queue.DefaultWindow).Leaving; got != 0 {
		t.Errorf("after 19 ended: leaving %v, want 0", got)
	}
}

func TestInput(t *testing.T) {
	now := mon09.Add(24 * time.Hour) // Tuesday 09:00
	s := queue.Stats{
		Open: map[string]time.Time{
			"a":     now.Add(-2 * time.Hour),                 // ahead
			"b":     now.Add(-time.Hour),                     // ahead
			"edge":  now.Add(-queue.StaleOpen),               // ahead: exactly 30 days
			"self":  now,                                     // the ticket itself
			"tie":   now,                                     // started at the same instant: not ahead
			"later": now.Add(10 * time.Minute),               // started after it (delivered early)
			"stale": now.Add(-queue.StaleOpen - time.Minute), // 30 days and a minute: forgotten
		},
		Replies: []queue.Reply{
			{Ticket: "r1", At: now.Add(-25 * time.Hour), Wait: 5 * time.Hour, Service: time.Hour}, // outside the 24h window
			{Ticket: "r2", At: now.Add(-3 * time.Hour), Wait: time.Hour, Service: 10 * time.Minute},
			{Ticket: "r3", At: now.Add(-2 * time.Hour), Wait: 30 * time.Minute, Service: 20 * time.Minute, Residual: ptr(0.5)},
			{Ticket: "r4", At: now.Add(-90 * time.Minute), Wait: 15 * time.Minute}, // service unknown: no pace sample
			{Ticket: "r5", At: now.Add(-time.Hour), Wait: 45 * time.Minute, Service: 30 * time.Minute, Residual: ptr(-1.0)},
			{Ticket: "r6", At: now.Add(time.Hour), Wait: time.Minute, Service: time.Minute}, // after now: unknown then
		},
	}
	// The residuals again, with when their replies came (r5 at 08:00, r3
	// at 07:00) for the margin's decay; no positions were recorded.
	errs := []eta.Error{{Z: -1, At: now.Add(-time.Hour)}, {Z: 0.5, At: now.Add(-2 * time.Hour)}}
	tests := []struct {
		name   string
		ticket string
		window time.Duration
		want   eta.Input
	}{
		{
			// Ahead: a, b, edge. Waits newest first r5, r4, r3, r2; pace
			// from 30m + 20m + 10m = 1h for 3 replies: 3 an hour.
			name: "the ticket itself", ticket: "self", window: 24 * time.Hour,
			want: eta.Input{Now: now, Backlog: 3, Waits: []time.Duration{45 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour},
				Residuals: []float64{-1, 0.5}, Errors: errs, Throughput: 3, PaceSamples: 3},
		},
		{
			// A ticket not yet recorded: "self" started at the same instant,
			// so it is not ahead either.
			name: "a new ticket", ticket: "new", window: 24 * time.Hour,
			want: eta.Input{Now: now, Backlog: 3, Waits: []time.Duration{45 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour},
				Residuals: []float64{-1, 0.5}, Errors: errs, Throughput: 3, PaceSamples: 3},
		},
		{
			// A 2h window: r5, r4 and r3 (exactly 2h). Pace from r5 and r3:
			// 30m + 20m = 50m for 2 replies, 2.4 an hour.
			name: "narrow window", ticket: "self", window: 2 * time.Hour,
			want: eta.Input{Now: now, Backlog: 3, Waits: []time.Duration{45 * time.Minute, 15 * time.Minute, 30 * time.Minute},
				Residuals: []float64{-1, 0.5}, Errors: errs, Throughput: 2.4, PaceSamples: 2},
		},
		{
			// Nothing replied within a minute.
			name: "no history", ticket: "self", window: time.Minute,
			want: eta.Input{Now: now, Backlog: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Input(tt.ticket, now, tt.window)
			if !almost(got.Throughput, tt.want.Throughput) {
				t.Errorf("Throughput = %v, want %v", got.Throughput, tt.want.Throughput)
			}
			got.Throughput, tt.want.Throughput = 0, 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Input =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func almost(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestInputPaceSamples(t *testing.T) {
	// 60 replies, a 10-minute service each: the newest 50 set the pace, 6
	// an hour; every wait counts.
	var s queue.Stats
	for i := range 60 {
		s.Replies = append(s.Replies, queue.Reply{Ticket: fmt.Sprint(i), At: mon09.Add(time.Duration(i) * time.Minute), Wait: time.Minute, Service: 10 * time.Minute})
	}
	in := s.Input("x", mon10, 24*time.Hour)
	if in.PaceSamples != queue.MaxPaceSamples || !almost(in.Throughput, 6) || len(in.Waits) != 60 {
		t.Errorf("pace %v from %d samples, %d waits; want 6 from %d, 60", in.Throughput, in.PaceSamples, len(in.Waits), queue.MaxPaceSamples)
	}
}

func TestReport(t *testing.T) {
	now := mon10.Add(8 * time.Hour) // Monday 18:00
	s := queue.Stats{
		Open: map[string]time.Time{"w1": mon09, "w2": mon10},
		Replies: []queue.Reply{
			{Ticket: "old", At: now.Add(-25 * time.Hour), Wait: 10 * time.Hour, Promised: true}, // outside the window
			{Ticket: "a", At: now.Add(-4 * time.Hour), Wait: 40 * time.Minute, Promised: true, Kept: true},
			{Ticket: "b", At: now.Add(-3 * time.Hour), Wait: 10 * time.Minute, Promised: true, Kept: true},
			{Ticket: "c", At: now.Add(-2 * time.Hour), Wait: 30 * time.Minute, Promised: true},
			{Ticket: "d", At: now.Add(-time.Hour), Wait: 20 * time.Minute},
			{Ticket: "future", At: now.Add(time.Hour), Wait: time.Minute, Promised: true, Kept: true},
		},
	}
	tests := []struct {
		name   string
		window time.Duration
		want   queue.Report
	}{
		{
			// a, b, c, d: 3 promised, 2 kept (2/3). Waits sorted 10, 20, 30,
			// 40 minutes: p50 is the 2nd (⌈0.5·4⌉), p90 the 4th (⌈3.6⌉).
			name: "a day", window: 24 * time.Hour,
			want: queue.Report{Queue: "zendesk/chat", Waiting: 2, Replies: 4, Promised: 3, Kept: 2, KeptRate: 2.0 / 3,
				P50Wait: queue.Duration(20 * time.Minute), P90Wait: queue.Duration(40 * time.Minute)},
		},
		{
			// Only d: nothing promised, the rate is 0 and said as "-".
			name: "an hour", window: time.Hour,
			want: queue.Report{Queue: "zendesk/chat", Waiting: 2, Replies: 1, P50Wait: queue.Duration(20 * time.Minute), P90Wait: queue.Duration(20 * time.Minute)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Report("zendesk/chat", now, tt.window)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Report =\n %+v\nwant\n %+v", got, tt.want)
			}
			// JSON says durations as Go does, and reads them back.
			b, err := json.Marshal(got)
			if err != nil || !strings.Contains(string(b), `"p50_wait":"20m0s"`) {
				t.Errorf("JSON %s, %v", b, err)
			}
			var back queue.Report
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("JSON round trip: %+v, %v", back, err)
			}
		})
	}
	if rep := (&queue.Stats{}).Report("empty", now, time.Hour); rep.Replies != 0 || rep.P90Wait != 0 {
		t.Errorf("empty queue: %+v", rep)
	}
}

// A queue's stats follow its tickets; an estimate reads them.
func ExampleStats_Input() {
	var s queue.Stats
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.Arrive("1", t0)
	s.Arrive("2", t0.Add(5*time.Minute))
	s.Answer(queue.Answer{Ticket: "1", Started: t0, At: t0.Add(20 * time.Minute)})
	s.Answer(queue.Answer{Ticket: "2", Started: t0.Add(5 * time.Minute), At: t0.Add(35 * time.Minute)})
	s.Arrive("3", t0.Add(40*time.Minute))

	in := s.Input("4", t0.Add(45*time.Minute), 7*24*time.Hour)
	fmt.Println("ahead:", in.Backlog, "waits:", in.Waits, "pace:", in.Throughput, "an hour")
	// Output: ahead: 1 waits: [30m0s 20m0s] pace: 4 an hour
}

// A reply older than every kept one, once MaxReplies are kept, is not
// recorded: it may be a first response counted long ago whose record aged
// out (a later event of an old ticket), and it would be dropped anyway.
func TestAnswerAgedOut(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var s queue.Stats
	s.Arrive("old", t0)
	if !s.Answer(queue.Answer{Ticket: "old", Started: t0, At: t0.Add(10 * time.Minute)}) {
		t.Fatal("first answer not recorded")
	}
	for i := range queue.MaxReplies {
		at := t0.Add(time.Hour + time.Duration(i)*time.Minute)
		s.Answer(queue.Answer{Ticket: fmt.Sprintf("n%03d", i), Started: at.Add(-5 * time.Minute), At: at})
	}
	if s.Answer(queue.Answer{Ticket: "old", Started: t0, At: t0.Add(10 * time.Minute)}) {
		t.Error("an aged-out first response was counted again")
	}
	// A newer reply still enters, dropping the oldest.
	late := t0.Add(10 * time.Hour)
	if !s.Answer(queue.Answer{Ticket: "new", Started: late.Add(-time.Minute), At: late}) || len(s.Replies) != queue.MaxReplies {
		t.Errorf("new reply: %d kept", len(s.Replies))
	}
}

// Waiting counts what the backlog counts: not tickets past StaleOpen.
func TestReportWaitingSkipsStale(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var s queue.Stats
	s.Arrive("forgotten", t0)
	now := t0.Add(queue.StaleOpen + time.Hour)
	if r := s.Report("q", now, time.Hour); r.Waiting != 0 {
		t.Errorf("waiting %d, want 0", r.Waiting)
	}
	if r := s.Report("q", t0.Add(time.Hour), time.Hour); r.Waiting != 1 {
		t.Errorf("waiting %d, want 1", r.Waiting)
	}
}

// The pace by weekday is kept on the calendar's clock: services answered
// on Friday 27 November 2026 between 20:30 and 23:30 UTC fall on Saturday
// in Tokyo. Each of the seven replies but the first (no previous reply)
// served 30 minutes. A weekday's pace is known from five services' worth:
// five decayed by 59/60 each are 60·(1 - (59/60)^5) = 4.83, six are 5.75,
// and then 5.75 services in 5.75 half hours is 2 an hour.
func TestWeekPace(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Always(tokyo)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC) // Saturday 05:00 in Tokyo
	var s queue.Stats
	for i := range 7 {
		id := fmt.Sprint("w", i)
		s.Arrive(id, t0)
		at := t0.Add(time.Duration(i+1) * 30 * time.Minute)
		s.Answer(queue.Answer{Ticket: id, Started: t0, At: at, Calendar: cal})
		in := s.Input("next", at, queue.DefaultWindow)
		want := 0.0
		if i == 6 {
			want = 2
		}
		if !almost(in.Week[time.Saturday], want) || in.Week[time.Friday] != 0 {
			t.Errorf("after %d services: week %v, want Saturday %v and nothing on Friday", i, in.Week, want)
		}
	}
	if d := s.Week[time.Saturday]; !almost(d.N, 60*(1-math.Pow(59.0/60, 6))) {
		t.Errorf("Saturday: %+v", d)
	}
}
