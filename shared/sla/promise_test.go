package sla_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
)

// sent is an acknowledgement sent at at that promised a reply by by.
func sent(at, by time.Time) *sla.Acknowledgement {
	return &sla.Acknowledgement{SentAt: &at, PromisedBy: by, Queue: "zendesk/email/normal"}
}

func TestEndedPromise(t *testing.T) {
	// As in TestEnded: Friday 7 March 2025, 15:00 in New York; the
	// business-hours first response is due Monday 15:00 UTC.
	fri := time.Date(2025, 3, 7, 20, 0, 0, 0, time.UTC)
	monDue := time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC)
	monReply := time.Date(2025, 3, 10, 16, 30, 0, 0, time.UTC)
	monPromise := time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC)
	fr, nr, pr := sla.FirstResponse, sla.NextReply, history.Promise
	std := func(metric string, cycle int, start, due, end time.Time, out history.Outcome, answered bool, business, late time.Duration, revision int64) history.Record {
		return rec(metric, cycle, "standard", event.Email, start, due, end, out, answered, business, late, revision)
	}
	answered := []event.Event{created("c", T(0)), reply("r", T(2*hr))}
	frMet := std(fr, 0, T(0), T(24*hr), T(2*hr), history.Met, true, 2*hr, 0, 2)
	cases := []struct {
		name   string
		events []event.Event
		ack    *sla.Acknowledgement
		want   []history.Record
	}{{
		name: "kept", events: answered, ack: sent(T(1*mn), T(3*hr)),
		want: []history.Record{frMet, std(pr, 0, T(1*mn), T(3*hr), T(2*hr), history.Met, true, 119*mn, 0, 2)},
	}, {
		name: "kept to the second", events: answered, ack: sent(T(1*mn), T(2*hr)),
		want: []history.Record{frMet, std(pr, 0, T(1*mn), T(2*hr), T(2*hr), history.Met, true, 119*mn, 0, 2)},
	}, {
		// The SLA was met, the promise was not: the two are separate.
		name: "broken by half an hour", events: answered, ack: sent(T(1*mn), T(90*mn)),
		want: []history.Record{frMet, std(pr, 0, T(1*mn), T(90*mn), T(2*hr), history.Breached, true, 119*mn, 30*mn, 2)},
	}, {
		// The first response runs in New York business hours (5h30m of
		// them, as in TestEnded); the promise in wall-clock time from
		// Friday 20:01 to Monday 16:30 UTC: 2 days 20h29m.
		name:   "business-hours policy: the promise is in calendar time",
		events: []event.Event{created("c", fri, on(event.API)), reply("r", monReply)},
		ack:    sent(fri.Add(1*mn), monPromise),
		want: []history.Record{
			rec(fr, 0, "business", event.API, fri, monDue, monReply, history.Breached, true, 5*hr+30*mn, 90*mn, 2),
			rec(pr, 0, "business", event.API, fri.Add(1*mn), monPromise, monReply, history.Breached, true, 68*hr+29*mn, 150*mn, 2),
		},
	}, {
		name: "next-reply cycles come after the promise", ack: sent(T(1*mn), T(30*mn)),
		events: []event.Event{created("c", T(0)), reply("r0", T(1*hr)), cust("m1", T(2*hr)), reply("r1", T(3*hr))},
		want: []history.Record{
			std(fr, 0, T(0), T(24*hr), T(1*hr), history.Met, true, 1*hr, 0, 4),
			std(pr, 0, T(1*mn), T(30*mn), T(1*hr), history.Breached, true, 59*mn, 30*mn, 4),
			std(nr, 1, T(2*hr), T(10*hr), T(3*hr), history.Met, true, 1*hr, 0, 4),
		},
	}, {
		name: "no acknowledgement", events: answered,
		want: []history.Record{frMet},
	}, {
		name: "skipped: nothing promised", events: answered, ack: &sla.Acknowledgement{Skipped: "stale"},
		want: []history.Record{frMet},
	}, {
		name: "claimed, never sent", events: answered, ack: &sla.Acknowledgement{ClaimedUntil: T(2 * mn), Attempts: 1, PromisedBy: T(3 * hr)},
		want: []history.Record{frMet},
	}, {
		name: "sent after the reply (the acknowledger lost the race)", events: answered, ack: sent(T(2*hr+time.Second), T(5*hr)),
		want: []history.Record{frMet},
	}, {
		name: "sent the instant of the reply", events: answered, ack: sent(T(2*hr), T(5*hr)),
		want: []history.Record{frMet},
	}, {
		name: "solved without a reply: neither kept nor broken", ack: sent(T(1*mn), T(30*mn)),
		events: []event.Event{created("c", T(0)), status("s", T(1*hr), event.Solved)},
		want:   []history.Record{std(fr, 0, T(0), T(24*hr), T(1*hr), history.NotNeeded, false, 1*hr, 0, 2)},
	}, {
		name: "first response still running", ack: sent(T(1*mn), T(30*mn)),
		events: []event.Event{created("c", T(0))},
	}, {
		name: "no policy: no first-response record, no promise", ack: sent(T(1*mn), T(30*mn)),
		events: []event.Event{created("c", T(0), on(event.SMS)), reply("r", T(1*hr))},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := run(t, cfg, c.events...)
			tk.Ack = c.ack
			got := sla.Ended(cfg, tk)
			sameRecords(t, got, c.want)
		})
	}
}

// The promise goes through the same exactly-once marks as the clocks,
// whatever order the acknowledgement and the reply are written in.
func TestPromiseRecordedOnce(t *testing.T) {
	promiseID := history.Record{Source: src, Ticket: tid, Metric: history.Promise}.ID()
	owedIDs := func(recs []history.Record) []string {
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID())
		}
		return ids
	}
	apply := func(t *testing.T, tk sla.Ticket, e event.Event) (sla.Ticket, bool) {
		t.Helper()
		next, changed, err := sla.Apply(cfg, tk, e)
		if err != nil {
			t.Fatal(err)
		}
		return next, changed
	}

	t.Run("acknowledged, then answered, redelivered", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)))
		tk.Ack = sent(T(1*mn), T(3*hr))
		if _, owed := sla.Unrecorded(cfg, tk, T(1*hr)); len(owed) != 0 {
			t.Fatalf("owed %v before any reply, want nothing", owedIDs(owed))
		}
		tk, _ = apply(t, tk, reply("r", T(2*hr)))
		tk, owed := sla.Unrecorded(cfg, tk, T(2*hr+mn))
		if len(owed) != 2 || owed[1].ID() != promiseID || owed[1].Outcome != history.Met {
			t.Fatalf("owed %+v, want the first response and the kept promise", owed)
		}
		tk, _ = sla.MarkRecorded(cfg, tk, owed)
		if tk.RecordAt != nil {
			t.Errorf("RecordAt = %v after marking both", tk.RecordAt)
		}
		// The reply redelivered changes nothing; a later event raises the
		// revision but not the digest: nothing is owed again.
		if _, changed := apply(t, tk, reply("r", T(2*hr))); changed {
			t.Error("a redelivered reply changed the ticket")
		}
		tk, _ = apply(t, tk, cust("m1", T(4*hr)))
		if _, left := sla.Unrecorded(cfg, tk, T(5*hr)); len(left) != 0 {
			t.Errorf("owed %v after an unrelated event, want nothing", owedIDs(left))
		}
	})

	t.Run("answered and recorded, then the acknowledgement written as sent before the reply", func(t *testing.T) {
		// The helpdesk's clock is ahead of ours: the reply's occurred-at is
		// after the instant the acknowledger stamps, though it was stored
		// first. The promise is owed from the moment the ack is written.
		tk := run(t, cfg, created("c", T(0)), reply("r", T(2*hr)))
		tk, owed := sla.Unrecorded(cfg, tk, T(2*hr+mn))
		tk, _ = sla.MarkRecorded(cfg, tk, owed)
		if len(owed) != 1 || tk.RecordAt != nil {
			t.Fatalf("owed %v, RecordAt %v; want the first response only, then nothing", owedIDs(owed), tk.RecordAt)
		}
		tk.Ack = sent(T(2*hr-time.Second), T(3*hr))
		tk, owed = sla.Unrecorded(cfg, tk, T(2*hr+2*mn))
		if len(owed) != 1 || owed[0].ID() != promiseID || tk.RecordAt == nil {
			t.Fatalf("owed %v, RecordAt %v; want the promise, due", owedIDs(owed), tk.RecordAt)
		}
		tk, _ = sla.MarkRecorded(cfg, tk, owed)
		if _, left := sla.Unrecorded(cfg, tk, T(3*hr)); len(left) != 0 || tk.RecordAt != nil {
			t.Errorf("owed %v, RecordAt %v after marking it", owedIDs(left), tk.RecordAt)
		}
	})

	t.Run("answered, then the acknowledgement written as sent after the reply", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)), reply("r", T(2*hr)))
		tk, owed := sla.Unrecorded(cfg, tk, T(2*hr+mn))
		tk, _ = sla.MarkRecorded(cfg, tk, owed)
		tk.Ack = sent(T(2*hr+30*time.Second), T(4*hr))
		if tk, left := sla.Unrecorded(cfg, tk, T(3*hr)); len(left) != 0 || tk.RecordAt != nil {
			t.Errorf("owed %v, RecordAt %v; a promise made after the reply is no promise", owedIDs(left), tk.RecordAt)
		}
	})

	t.Run("a promise derived before the ack was sent is not marked", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)), reply("r", T(2*hr)))
		tk.Ack = sent(T(1*mn), T(3*hr))
		_, owed := sla.Unrecorded(cfg, tk, T(2*hr+mn))
		// Another state of the ticket (say read before the ack was
		// written) has no promise: marking the record there marks nothing.
		other := run(t, cfg, created("c", T(0)), reply("r", T(2*hr)))
		if next, _ := sla.MarkRecorded(cfg, other, owed[1:]); next.Recorded[promiseID] != "" {
			t.Errorf("the promise was marked on a ticket that made none")
		}
	})

	t.Run("an earlier reply arriving late unmakes the promise", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)), reply("r", T(2*hr)))
		tk.Ack = sent(T(1*hr), T(3*hr))
		tk, owed := sla.Unrecorded(cfg, tk, T(2*hr+mn))
		tk, _ = sla.MarkRecorded(cfg, tk, owed)
		// The agent had answered at 30m, before the acknowledgement: only
		// the first response's new version is owed, and the promise
		// already written stays (the history has no Remove; see TestUnended).
		tk, _ = apply(t, tk, reply("early", T(30*mn)))
		tk, owed = sla.Unrecorded(cfg, tk, T(3*hr))
		if len(owed) != 1 || owed[0].Metric != sla.FirstResponse || !owed[0].Ended.Equal(T(30*mn)) {
			t.Fatalf("owed %+v, want the first response ended at 30m only", owed)
		}
		if tk, _ = sla.MarkRecorded(cfg, tk, owed); tk.RecordAt != nil || tk.Recorded[promiseID] == "" {
			t.Errorf("RecordAt %v, promise mark %q; want nil and the mark kept", tk.RecordAt, tk.Recorded[promiseID])
		}
	})
}
