package sla_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
)

// rec is an expected record with the fields every case shares filled in.
func rec(metric string, cycle int, pol string, ch event.Channel, start, due, end time.Time, out history.Outcome, answered bool, business, late time.Duration, revision int64) history.Record {
	return history.Record{
		Source: src, Ticket: tid, Metric: metric, Cycle: cycle, Policy: pol, Team: "support",
		Channel: ch, Priority: event.Normal, Started: start, Due: due, Ended: end,
		Outcome: out, Answered: answered, Business: business, Calendar: end.Sub(start), Lateness: late,
		Revision: revision,
	}
}

func TestEnded(t *testing.T) {
	// Friday 7 March 2025, 15:00 in New York (EST, UTC−5): two business
	// hours left that day. New York moves to EDT (UTC−4) on Sunday 9 March,
	// so Monday opens at 13:00 UTC: the other two hours run to 15:00 UTC.
	fri := time.Date(2025, 3, 7, 20, 0, 0, 0, time.UTC)
	monDue := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
	monReply := time.Date(2025, 3, 10, 16, 30, 0, 0, time.UTC) // 12:30 EDT
	fr, nr := sla.FirstResponse, sla.NextReply
	cases := []struct {
		name   string
		events []event.Event
		want   []history.Record
	}{{
		name:   "first response met",
		events: []event.Event{created("c", T(0)), reply("r", T(2*hr))},
		want:   []history.Record{rec(fr, 0, "standard", event.Email, T(0), T(24*hr), T(2*hr), history.Met, true, 2*hr, 0, 2)},
	}, {
		name:   "first response breached across a weekend in business time",
		events: []event.Event{created("c", fri, on(event.API)), reply("r", monReply)},
		// Business: 2h on Friday and 09:00–12:30 on Monday.
		want: []history.Record{rec(fr, 0, "business", event.API, fri, monDue, monReply, history.Breached, true, 5*hr+30*mn, 90*mn, 2)},
	}, {
		name: "next-reply cycles 1 to 3, the second breached, the third paused",
		events: []event.Event{
			created("c", T(0)), reply("r0", T(1*hr)),
			cust("m1", T(2*hr)), reply("r1", T(3*hr)),
			cust("m2", T(4*hr)), reply("r2", T(14*hr)),
			cust("m3", T(15*hr)), status("p", T(16*hr), event.Pending), status("o", T(20*hr), event.Open), reply("r3", T(21*hr)),
		},
		want: []history.Record{
			rec(fr, 0, "standard", event.Email, T(0), T(24*hr), T(1*hr), history.Met, true, 1*hr, 0, 10),
			rec(nr, 1, "standard", event.Email, T(2*hr), T(10*hr), T(3*hr), history.Met, true, 1*hr, 0, 10),
			rec(nr, 2, "standard", event.Email, T(4*hr), T(12*hr), T(14*hr), history.Breached, true, 10*hr, 2*hr, 10),
			// Due 8h of clock time after 15h plus the 4h pause; 6h ran, 4h paused.
			rec(nr, 3, "standard", event.Email, T(15*hr), T(27*hr), T(21*hr), history.Met, true, 2*hr, 0, 10),
		},
	}, {
		name:   "closed unanswered before the deadline: not needed",
		events: []event.Event{created("c", T(0)), status("s", T(1*hr), event.Solved)},
		want:   []history.Record{rec(fr, 0, "standard", event.Email, T(0), T(24*hr), T(1*hr), history.NotNeeded, false, 1*hr, 0, 2)},
	}, {
		name:   "closed unanswered after the deadline: breached",
		events: []event.Event{created("c", T(0), on(event.Chat)), status("s", T(3*hr), event.Closed)},
		want:   []history.Record{rec(fr, 0, "chat", event.Chat, T(0), T(1*hr), T(3*hr), history.Breached, false, 3*hr, 2*hr, 2)},
	}, {
		name: "reopened by the customer: a next-reply cycle",
		events: []event.Event{
			created("c", T(0)), reply("r0", T(1*hr)), status("s", T(2*hr), event.Solved),
			cust("m1", T(3*hr)), reply("r1", T(5*hr)),
		},
		want: []history.Record{
			rec(fr, 0, "standard", event.Email, T(0), T(24*hr), T(1*hr), history.Met, true, 1*hr, 0, 5),
			rec(nr, 1, "standard", event.Email, T(3*hr), T(11*hr), T(5*hr), history.Met, true, 2*hr, 0, 5),
		},
	}, {
		name:   "no policy: nothing to record",
		events: []event.Event{created("c", T(0), on(event.SMS)), reply("r", T(1*hr))},
	}, {
		name:   "still running: nothing yet",
		events: []event.Event{created("c", T(0)), reply("r", T(1*hr)), cust("m1", T(2*hr))},
		want:   []history.Record{rec(fr, 0, "standard", event.Email, T(0), T(24*hr), T(1*hr), history.Met, true, 1*hr, 0, 3)},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sla.Ended(cfg, run(t, cfg, c.events...))
			sameRecords(t, got, c.want)
		})
	}
}

func TestUnrecordedAndMarks(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)), reply("r0", T(2*hr)), cust("m1", T(3*hr)), reply("r1", T(4*hr)))
	send, _ := tk.NextSendAt()
	tk, recs := sla.Unrecorded(cfg, tk, T(5*hr))
	if len(recs) != 2 || tk.RecordAt == nil || !tk.RecordAt.Equal(T(5*hr)) {
		t.Fatalf("Unrecorded: %d records, RecordAt %v; want 2 and T+5h", len(recs), tk.RecordAt)
	}
	if at, ok := tk.NextAlertAt(); !ok || !at.Equal(T(5*hr)) {
		t.Errorf("NextAlertAt = %v, %v; want T+5h while records are owed", at, ok)
	}
	if at, _ := tk.NextSendAt(); !at.Equal(send) {
		t.Errorf("NextSendAt = %v, want %v: RecordAt is no alert", at, send)
	}

	// Marking the first leaves the second owed, by the same instant.
	tk, changed := sla.MarkRecorded(cfg, tk, recs[:1])
	if !changed || tk.RecordAt == nil || !tk.RecordAt.Equal(T(5*hr)) {
		t.Fatalf("after marking one: changed %v, RecordAt %v; want true, T+5h", changed, tk.RecordAt)
	}
	tk, changed = sla.MarkRecorded(cfg, tk, recs)
	if _, left := sla.Unrecorded(cfg, tk, T(6*hr)); !changed || tk.RecordAt != nil || len(left) != 0 {
		t.Fatalf("after marking both: changed %v, RecordAt %v, left %d; want true, nil, 0", changed, tk.RecordAt, len(left))
	}
	if _, changed := sla.MarkRecorded(cfg, tk, recs); changed {
		t.Error("marking again changed the ticket")
	}

	// A late reply at 1h ends the first response earlier: a new version
	// of that record (higher revision), and only that one, is owed. A
	// stale version derived before it is not marked.
	stale := recs[0]
	tk, _, err := sla.Apply(cfg, tk, reply("late", T(1*hr)))
	if err != nil {
		t.Fatal(err)
	}
	tk, owed := sla.Unrecorded(cfg, tk, T(6*hr))
	if len(owed) != 1 || owed[0].ID() != stale.ID() || owed[0].Revision != 5 || !owed[0].Ended.Equal(T(1*hr)) {
		t.Fatalf("after a late reply, owed %+v; want the first response ended at T+1h, revision 5", owed)
	}
	// A second writer's later lease does not postpone the first's.
	if tk, _ = sla.Unrecorded(cfg, tk, T(7*hr)); !tk.RecordAt.Equal(T(6 * hr)) {
		t.Errorf("RecordAt = %v, want the earlier T+6h kept", tk.RecordAt)
	}
	if tk, _ = sla.MarkRecorded(cfg, tk, []history.Record{stale}); tk.RecordAt == nil {
		t.Error("marking the stale version cleared RecordAt")
	}
	if tk, _ = sla.MarkRecorded(cfg, tk, owed); tk.RecordAt != nil {
		t.Errorf("RecordAt = %v after marking the current version", tk.RecordAt)
	}
}

// A clock can stop being ended when an earlier event arrives late: here an
// agent-created event makes the ticket outbound, so it never had a first
// response, and its customer's message starts next-reply cycle 1 instead.
// The first-response record already written stays in the history (there is
// no Remove; docs/sla-semantics.md): nothing marks it owed again.
func TestUnended(t *testing.T) {
	tk := run(t, cfg, cust("m", T(1*hr), on(event.Email)), reply("r", T(2*hr)))
	tk, recs := sla.Unrecorded(cfg, tk, T(3*hr))
	if len(recs) != 1 || recs[0].Metric != sla.FirstResponse {
		t.Fatalf("before: %+v, want one first response", recs)
	}
	tk, _ = sla.MarkRecorded(cfg, tk, recs)
	tk, _, err := sla.Apply(cfg, tk, created("c", T(0), by(event.Agent), public(true)))
	if err != nil {
		t.Fatal(err)
	}
	tk, owed := sla.Unrecorded(cfg, tk, T(3*hr))
	if len(owed) != 1 || owed[0].Metric != sla.NextReply || owed[0].Cycle != 1 {
		t.Fatalf("after: owed %+v, want next-reply cycle 1 only", owed)
	}
	if _, ok := tk.Recorded[recs[0].ID()]; !ok {
		t.Error("the first response's mark was dropped")
	}
}

// sameRecords checks that got are valid records equal to want, in order.
func sameRecords(t *testing.T, got, want []history.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		if err := got[i].Validate(); err != nil {
			t.Error(err)
		}
		if g := got[i].UTC(); !reflect.DeepEqual(g, want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
}
