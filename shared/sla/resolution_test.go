package sla_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
)

// resYAML: api tickets get "contract", a resolution target of 16 business
// hours (two New York working days of 09:00-17:00) beside a 4-business-hour
// first response; urgent api tickets 4 business hours to resolve. Email
// tickets get "plain", which sets no resolution target.
const resYAML = `
calendars:
  ny:
    timezone: America/New_York
    hours:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
policies:
  - name: urgent-contract
    match: {channel: api, priority: urgent}
    calendar: ny
    first_response: {within: 1h, clock: business}
    resolution: {within: 4h, clock: business}
  - name: contract
    match: {channel: api}
    calendar: ny
    first_response: {within: 4h, clock: business}
    resolution: {within: 16h, clock: business}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 2h, notify: lead}
  - name: plain
    match: {channel: email}
    first_response: {within: 24h}
    next_reply: {within: 8h}
    warnings: [1h]
    escalation:
      - {after: 0s, notify: on-call}
`

var resCfg = mustConfig(resYAML)

var nyc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

// ny is a wall time in New York in the week of Monday 10 March 2025 (EDT,
// after the clocks went forward on the 9th): ny(10, 11, 0) is Monday 11:00,
// ny(12, 11, 0) Wednesday 11:00, ny(14, ...) Friday, ny(17, ...) the next
// Monday.
func ny(day, h, m int) time.Time { return time.Date(2025, 3, day, h, m, 0, 0, nyc) }

// apiTicket is a ticket a customer opened through the API on Monday at
// 11:00; under "contract" its resolution is due Wednesday 11:00 (Monday
// 11-17 is 6h, Tuesday 8h, Wednesday 9-11 the last 2h).
func apiTicket(rest ...event.Event) []event.Event {
	return append([]event.Event{created("c", ny(10, 11, 0), on(event.API))}, rest...)
}

func TestResolutionClock(t *testing.T) {
	for _, tt := range []struct {
		name   string
		events []event.Event
		want   metricWant
		paused bool
		now    time.Time // for Breached
		breach bool      // Breached(now)
	}{
		{
			name:   "runs from creation",
			events: apiTicket(),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0)},
			now:    ny(12, 11, 0), breach: false, // at the deadline is in time
		},
		{
			name:   "an answer does not stop it",
			events: apiTicket(reply("r", ny(10, 11, 30))),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0)},
			now:    ny(12, 11, 1), breach: true,
		},
		{
			name:   "a customer message starts it when no created event came",
			events: []event.Event{cust("m", ny(10, 11, 0), on(event.API))},
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0)},
		},
		{
			name:   "an outbound ticket has one too",
			events: []event.Event{created("c", ny(10, 11, 0), on(event.API), by(event.Agent), public(true))},
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0)},
		},
		{
			// Friday 15-17 is 2h, Monday 8h, Tuesday 9-15 the last 6h.
			name:   "weekends do not count",
			events: []event.Event{created("c", ny(14, 15, 0), on(event.API))},
			want:   metricWant{start: ny(14, 15, 0), target: 16 * hr, due: ny(18, 15, 0)},
		},
		{
			name:   "pending pauses it: no deadline while paused",
			events: apiTicket(reply("r", ny(10, 11, 30)), status("p", ny(10, 15, 0), event.Pending)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr},
			paused: true,
		},
		{
			// 4h ran before the hold (Monday 11-15); after it, Tuesday
			// 14-17 is 3h, Wednesday 8h, Thursday 9-10 the last 1h.
			name:   "on hold pauses it, reopening resumes it",
			events: apiTicket(status("h", ny(10, 15, 0), event.OnHold), status("o", ny(11, 14, 0), event.Open)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(13, 10, 0)},
		},
		{
			// Monday 13-17 is 4h, Tuesday 8h, Wednesday 9-13 the last 4h.
			name:   "a ticket created pending starts paused",
			events: []event.Event{created("c", ny(10, 11, 0), on(event.API), withStatus(event.Pending)), status("o", ny(10, 13, 0), event.Open)},
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 13, 0)},
		},
		{
			name:   "solving stops it in time",
			events: apiTicket(reply("r", ny(10, 11, 30)), status("s", ny(11, 16, 0), event.Solved)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0), responded: ny(11, 16, 0)},
			now:    ny(20, 9, 0), breach: false,
		},
		{
			name:   "closing after the deadline is a breach",
			events: apiTicket(status("x", ny(12, 12, 0), event.Closed)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0), responded: ny(12, 12, 0), breach: true},
			now:    ny(20, 9, 0), breach: true,
		},
		{
			// 4h ran (Monday 11-15); solved until Tuesday 10:00 counts as
			// paused; then Tuesday 10-17 is 7h and Wednesday 9-14 the last 5h.
			name:   "reopening by a customer message resumes the same clock",
			events: apiTicket(status("s", ny(10, 15, 0), event.Solved), cust("m", ny(11, 10, 0))),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 14, 0)},
		},
		{
			name:   "solved again after reopening",
			events: apiTicket(status("s", ny(10, 15, 0), event.Solved), cust("m", ny(11, 10, 0)), status("s2", ny(12, 13, 0), event.Solved)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 14, 0), responded: ny(12, 13, 0)},
		},
		{
			name:   "reopened to pending stays paused",
			events: apiTicket(status("s", ny(10, 15, 0), event.Solved), status("p", ny(11, 10, 0), event.Pending)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr},
			paused: true,
		},
		{
			// 4h before the solve; from Tuesday 12:00, 5h that day and
			// Wednesday 9-16 the last 7h.
			name:   "reopened to pending, then open",
			events: apiTicket(status("s", ny(10, 15, 0), event.Solved), status("p", ny(11, 10, 0), event.Pending), status("o", ny(11, 12, 0), event.Open)),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 16, 0)},
		},
		{
			// The time solved lies after the deadline: it cannot move it.
			name:   "a breach stays a breach when the ticket is reopened",
			events: apiTicket(status("s", ny(12, 12, 0), event.Solved), cust("m", ny(13, 10, 0))),
			want:   metricWant{start: ny(10, 11, 0), target: 16 * hr, due: ny(12, 11, 0)},
			now:    ny(13, 10, 0), breach: true,
		},
		{
			// The urgent policy's 4h is measured from creation: Monday 15:00.
			name:   "a priority change takes the new target from the original start",
			events: apiTicket(priority("u", ny(10, 12, 0), event.Urgent)),
			want:   metricWant{start: ny(10, 11, 0), target: 4 * hr, due: ny(10, 15, 0)},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tk := run(t, resCfg, tt.events...)
			checkMetric(t, "Resolution", tk.Resolution, &tt.want)
			if got := tk.Resolution.Paused(); got != tt.paused {
				t.Errorf("Paused() = %v, want %v", got, tt.paused)
			}
			if !tt.now.IsZero() {
				if got := tk.Resolution.Breached(tt.now); got != tt.breach {
					t.Errorf("Breached(%s) = %v, want %v", tt.now, got, tt.breach)
				}
			}
			// Any order of delivery, with every event delivered twice,
			// gives the same state.
			rng := rand.New(rand.NewPCG(uint64(len(tt.events)), 7))
			for range 20 {
				evs := slices.Clone(tt.events)
				evs = append(evs, evs...)
				rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				got := sla.New(src, tid)
				for _, e := range evs {
					var err error
					if got, _, err = sla.Apply(resCfg, got, e); err != nil {
						t.Fatal(err)
					}
				}
				sameState(t, "shuffled and redelivered", got, tk)
			}
		})
	}
}

func TestResolutionNotTracked(t *testing.T) {
	// "plain" sets first_response and next_reply only: the clock is kept
	// (a move to a policy with a target measures from creation), but it has
	// no deadline, no alert, no record, and the API shows none.
	tk := run(t, resCfg,
		created("c", ny(10, 11, 0)), reply("r", ny(10, 12, 0)), cust("m", ny(10, 13, 0)),
		status("s", ny(20, 12, 0), event.Solved))
	if m := tk.Resolution; m == nil || m.Target != 0 || m.DueAt != nil || m.Breach || m.Warnings != nil {
		t.Errorf("Resolution = %+v, want a clock without target or deadline", m)
	}
	if v := tk.View(ny(30, 0, 0)); v.Resolution != nil {
		t.Errorf("View.Resolution = %+v, want null", *v.Resolution)
	}
	for _, rec := range sla.Ended(resCfg, tk) {
		if rec.Metric == sla.Resolution {
			t.Errorf("recorded %+v", rec)
		}
	}
	open := run(t, resCfg, created("c", ny(10, 11, 0)))
	for _, a := range open.Pending {
		if a.Metric == sla.Resolution {
			t.Errorf("planned %s", a.Key())
		}
	}
	if c, ok := open.RunningClock(); !ok || c.Metric != sla.FirstResponse {
		t.Errorf("RunningClock = %+v %v, want the first response", c, ok)
	}
	// With no policy at all (sms matches nothing in cfg), likewise.
	none := run(t, cfg, created("c", T(0), on(event.SMS)))
	if m := none.Resolution; m == nil || m.DueAt != nil || len(none.Pending) != 0 {
		t.Errorf("unmatched ticket: Resolution %+v, pending %s", m, fmtAlerts(none.Pending))
	}
}

func TestResolutionAlerts(t *testing.T) {
	// Answered at once, never solved: the resolution clock alone plans.
	// Warning at 25% of 16h left, 12 business hours in: Monday's 6h and
	// Tuesday 9-15.
	answered := apiTicket(reply("r", ny(10, 11, 30)))
	tk := run(t, resCfg, answered...)
	want := []sla.Alert{
		{Kind: sla.Warning, Metric: sla.Resolution, Level: 1, At: ny(11, 15, 0)},
		{Kind: sla.Breach, Metric: sla.Resolution, At: ny(12, 11, 0)},
		{Kind: sla.Escalation, Metric: sla.Resolution, Level: 1, At: ny(12, 11, 0), Notify: []string{"on-call"}},
		{Kind: sla.Escalation, Metric: sla.Resolution, Level: 2, At: ny(12, 13, 0), Notify: []string{"lead"}},
	}
	checkPlan(t, "answered, unsolved", tk.Pending, want, ny(12, 11, 0))

	t.Run("breach once, then recovered when solved", func(t *testing.T) {
		tk := run(t, resCfg, answered...)
		tk, sent := sla.Fire(tk, ny(12, 11, 0))
		if keys := alertKeys(sent); keys != "resolution/0/sla.breach/0 resolution/0/sla.escalation/1" {
			t.Errorf("sent at the deadline: %s (the stale warning is dropped, the breach and level 1 go)", keys)
		}
		if _, again := sla.Fire(tk, ny(12, 11, 30)); len(again) != 0 {
			t.Errorf("sent again: %s", fmtAlerts(again))
		}
		tk = apply(t, tk, status("s", ny(12, 12, 0), event.Solved))
		checkPlan(t, "solved late", tk.Pending, []sla.Alert{{Kind: sla.Recovered, Metric: sla.Resolution, At: ny(12, 12, 0)}}, ny(12, 11, 0))
		tk, sent = sla.Fire(tk, ny(12, 14, 0))
		if keys := alertKeys(sent); keys != "resolution/0/sla.recovered/0" {
			t.Errorf("after the solve: %s, want recovered only (level 2 is dropped)", keys)
		}
		// Reopened: still breached; the breach and recovered are not sent
		// again, the level not reached before the solve is.
		tk = apply(t, tk, cust("m", ny(13, 10, 0)))
		if !tk.Resolution.Breached(ny(13, 10, 0)) {
			t.Errorf("reopened: not breached")
		}
		checkPlan(t, "reopened", tk.Pending, []sla.Alert{{Kind: sla.Escalation, Metric: sla.Resolution, Level: 2, At: ny(12, 13, 0), Notify: []string{"lead"}}}, ny(12, 11, 0))
		tk = apply(t, tk, status("s2", ny(13, 10, 5), event.Solved))
		if len(tk.Pending) != 0 {
			t.Errorf("solved again: pending %s, want none (recovered went)", fmtAlerts(tk.Pending))
		}
	})

	t.Run("solved late before the breach went: no alert", func(t *testing.T) {
		tk := run(t, resCfg, append(answered, status("s", ny(12, 12, 0), event.Solved))...)
		if !tk.Resolution.Breach || len(tk.Pending) != 0 {
			t.Errorf("breach %v, pending %s; want a breach verdict and nothing to send", tk.Resolution.Breach, fmtAlerts(tk.Pending))
		}
	})

	t.Run("solving in time cancels a claimed warning", func(t *testing.T) {
		tk := run(t, resCfg, answered...)
		tk, send, _ := sla.ClaimDue(tk, ny(11, 15, 0), time.Minute)
		if len(send) != 1 || send[0].Kind != sla.Warning || send[0].Metric != sla.Resolution {
			t.Fatalf("claimed %s", fmtAlerts(send))
		}
		tk = apply(t, tk, status("s", ny(11, 15, 0).Add(10*time.Second), event.Solved))
		if len(tk.Outbox) != 0 || len(tk.Pending) != 0 {
			t.Errorf("outbox %v, pending %s; want both empty", tk.Outbox, fmtAlerts(tk.Pending))
		}
	})

	t.Run("on-call acknowledgement holds the escalations", func(t *testing.T) {
		tk := run(t, resCfg, answered...)
		tk, changed, err := sla.Acknowledge(resCfg, tk, sla.Resolution, 0, sla.OnCallAck{By: "jo", Via: "slack", At: ny(11, 15, 5)})
		if err != nil || !changed {
			t.Fatalf("Acknowledge: changed %v, err %v", changed, err)
		}
		if _, ok := tk.OnCall[sla.ClockKey(sla.Resolution, 0)]; !ok {
			t.Errorf("OnCall = %v", tk.OnCall)
		}
		checkPlan(t, "acknowledged", tk.Pending, want[:2], ny(12, 11, 0))
		// Held across later events, too.
		tk = apply(t, tk, note("n", ny(11, 16, 0)))
		checkPlan(t, "acknowledged, after a note", tk.Pending, want[:2], ny(12, 11, 0))
	})
}

func TestResolutionRecorded(t *testing.T) {
	for _, tt := range []struct {
		name     string
		events   []event.Event
		ended    time.Time
		outcome  history.Outcome
		business time.Duration
		lateness time.Duration
	}{
		{
			// Monday 11-17 6h, Tuesday 9-16 7h.
			name:   "solved in time",
			events: apiTicket(reply("r", ny(10, 11, 30)), status("s", ny(11, 16, 0), event.Solved)),
			ended:  ny(11, 16, 0), outcome: history.Met, business: 13 * hr,
		},
		{
			// 16h to the deadline and Wednesday 11-12.
			name:   "closed late",
			events: apiTicket(status("x", ny(12, 12, 0), event.Closed)),
			ended:  ny(12, 12, 0), outcome: history.Breached, business: 17 * hr, lateness: hr,
		},
		{
			// 4h before the hold, Tuesday 14-17 3h, Wednesday 8h, Thursday
			// 9-9:30: the hold's business hours (Monday 15-17, Tuesday
			// 9-14) are left out.
			name:   "paused time left out",
			events: apiTicket(status("h", ny(10, 15, 0), event.OnHold), status("o", ny(11, 14, 0), event.Open), status("s", ny(13, 9, 30), event.Solved)),
			ended:  ny(13, 9, 30), outcome: history.Met, business: 15*hr + 30*mn,
		},
		{
			// Monday 11-15 4h, Tuesday 10-17 7h, Wednesday 9-13 4h: the
			// night solved counts as paused.
			name:   "reopened: the last solve is the record",
			events: apiTicket(status("s", ny(10, 15, 0), event.Solved), cust("m", ny(11, 10, 0)), status("s2", ny(12, 13, 0), event.Solved)),
			ended:  ny(12, 13, 0), outcome: history.Met, business: 15 * hr,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tk := run(t, resCfg, tt.events...)
			var recs []history.Record
			for _, r := range sla.Ended(resCfg, tk) {
				if r.Metric == sla.Resolution {
					recs = append(recs, r)
				}
			}
			if len(recs) != 1 {
				t.Fatalf("%d resolution records, want 1: %+v", len(recs), recs)
			}
			r := recs[0]
			if !r.Ended.Equal(tt.ended) || r.Outcome != tt.outcome || r.Business != tt.business || r.Lateness != tt.lateness ||
				!r.Answered || r.Cycle != 0 || !r.Started.Equal(ny(10, 11, 0)) || r.Calendar != tt.ended.Sub(ny(10, 11, 0)) || r.Policy != "contract" {
				t.Errorf("record = %+v\nwant ended %s, %s, business %v, lateness %v", r, tt.ended, tt.outcome, tt.business, tt.lateness)
			}
		})
	}
}

// A reopened ticket's resolution record is written once per version: the
// first solve's, nothing while it is reopened, the second solve's under the
// same id — and nothing is left owed.
func TestResolutionReopenRecording(t *testing.T) {
	by := ny(20, 0, 0)
	tk := run(t, resCfg, apiTicket(reply("r", ny(10, 11, 30)), status("s", ny(10, 15, 0), event.Solved))...)
	tk, owed := sla.Unrecorded(resCfg, tk, by)
	tk, _ = sla.MarkRecorded(resCfg, tk, owed[:1]) // the first response's
	owed = owed[1:]
	if len(owed) != 1 || owed[0].Metric != sla.Resolution || !owed[0].Ended.Equal(ny(10, 15, 0)) {
		t.Fatalf("after the solve, owed %+v", owed)
	}
	first := owed[0]
	tk, _ = sla.MarkRecorded(resCfg, tk, owed)
	if tk.RecordAt != nil {
		t.Fatalf("RecordAt %v after marking", tk.RecordAt)
	}

	tk = apply(t, tk, cust("m", ny(11, 10, 0)))
	if tk, owed = sla.Unrecorded(resCfg, tk, by); len(owed) != 0 || tk.RecordAt != nil {
		t.Errorf("reopened: owed %+v, RecordAt %v; want nothing", owed, tk.RecordAt)
	}

	tk = apply(t, tk, status("s2", ny(12, 13, 0), event.Solved))
	tk, owed = sla.Unrecorded(resCfg, tk, by)
	if len(owed) != 1 || owed[0].ID() != first.ID() || !owed[0].Ended.Equal(ny(12, 13, 0)) || owed[0].Revision <= first.Revision {
		t.Fatalf("solved again: owed %+v, want the same id ended Wednesday 13:00 at a higher revision", owed)
	}
	tk, changed := sla.MarkRecorded(resCfg, tk, owed)
	if !changed || tk.RecordAt != nil {
		t.Errorf("MarkRecorded: changed %v, RecordAt %v", changed, tk.RecordAt)
	}
	if _, owed = sla.Unrecorded(resCfg, tk, by); len(owed) != 0 {
		t.Errorf("still owed %+v", owed)
	}
}

func TestResolutionRunningClockAndView(t *testing.T) {
	tk := run(t, resCfg, apiTicket(reply("r", ny(10, 11, 30)))...)
	c, ok := tk.RunningClock()
	if !ok || c.Metric != sla.Resolution || !c.Due.Equal(ny(12, 11, 0)) || !c.Warn.Equal(ny(11, 15, 0)) {
		t.Errorf("RunningClock = %+v %v, want resolution due Wednesday 11:00, warned Tuesday 15:00", c, ok)
	}
	// While the first response runs, its earlier deadline is the one shown.
	open := run(t, resCfg, apiTicket()...)
	if c, ok := open.RunningClock(); !ok || c.Metric != sla.FirstResponse || !c.Due.Equal(ny(10, 15, 0)) {
		t.Errorf("RunningClock = %+v %v, want the first response due Monday 15:00", c, ok)
	}
	v := tk.View(ny(12, 12, 0))
	if r := v.Resolution; r == nil || r.Target != "16h0m0s" || r.Clock != "business" || !r.Breached || r.DueAt == nil || !r.DueAt.Equal(ny(12, 11, 0)) {
		t.Errorf("View.Resolution = %+v", r)
	}
}

func checkPlan(t *testing.T, what string, got, want []sla.Alert, due time.Time) {
	t.Helper()
	for i := range want {
		want[i].DueAt = due
	}
	norm := func(as []sla.Alert) []sla.Alert {
		out := slices.Clone(as)
		for i := range out {
			out[i].At, out[i].DueAt = out[i].At.UTC(), out[i].DueAt.UTC()
		}
		return out
	}
	if !reflect.DeepEqual(norm(got), norm(want)) {
		t.Errorf("%s: plan\n %s\nwant\n %s", what, fmtAlerts(got), fmtAlerts(want))
	}
}

func alertKeys(as []sla.Alert) string {
	keys := make([]string, len(as))
	for i, a := range as {
		keys[i] = a.Key()
	}
	return strings.Join(keys, " ")
}

func apply(t *testing.T, tk sla.Ticket, e event.Event) sla.Ticket {
	t.Helper()
	tk, changed, err := sla.Apply(resCfg, tk, e)
	if err != nil || !changed {
		t.Fatalf("Apply(%s): changed %v, err %v", e.ID, changed, err)
	}
	return tk
}
