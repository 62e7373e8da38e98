package checker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/store"
)

// failOnce is a History whose first Record fails, as a crash or a
// throttled write between the ticket's write and the history's would.
type failOnce struct {
	store.History
	calls atomic.Int32
}

func (f *failOnce) Record(ctx context.Context, r history.Record) (bool, error) {
	if f.calls.Add(1) == 1 {
		return false, errors.New("injected history failure")
	}
	return f.History.Record(ctx, r)
}

func TestCheckerRecordsWhatIntakeCouldNot(t *testing.T) {
	f := newFixture(t, cfgYAML)
	m := f.tickets.(*store.Memory)
	f.svc.History = &failOnce{History: m}
	f.svc.Link, f.svc.Now = f.cfg.Link, f.clock.Now
	f.chk.History = &intake.Recorder{Policies: f.cfg, Tickets: m, History: m, Link: f.cfg.Link}

	created := func(id string) event.Event {
		return event.Event{TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat}
	}
	reply := func(id string, when time.Time) event.Event {
		return event.Event{TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: when, Author: event.Agent, Public: true}
	}
	// A is answered at 09:20, in time; its record's write fails. B is
	// answered at 10:30, 30 minutes late; its write succeeds at intake.
	f.ingest(t, created("A"))
	f.ingest(t, created("B"))
	f.clock.Set(at("09:20"))
	f.ingest(t, reply("A", at("09:20")))
	ctx := context.Background()
	d := calendar.Date{Year: 2026, Month: time.November, Day: 23}
	if days, _ := m.Days(ctx, d, d); len(days) != 0 {
		t.Fatalf("days %+v before the checker ran, want none (the write failed)", days)
	}
	f.runUntil(t, at("10:30"))
	f.ingest(t, reply("B", at("10:30")))
	f.runUntil(t, at("10:35"))

	days, err := m.Days(ctx, d, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || days[0].Met != 1 || days[0].Breached != 1 || days[0].NotNeeded != 0 ||
		days[0].Group.Team != "frontline" || days[0].Group.Policy != "chat" {
		t.Fatalf("days = %+v, want one chat/frontline group with 1 met and 1 breached", days)
	}
	// Only A's answer (20 minutes) is in the histogram next to B's 90.
	if days[0].Business.Sum != 110*time.Minute {
		t.Errorf("business sum = %v, want 1h50m", days[0].Business.Sum)
	}
	bs, err := m.Breaches(ctx, t0, at("12:00"), 10)
	if err != nil || len(bs) != 1 {
		t.Fatalf("breaches = %+v, %v; want B", bs, err)
	}
	if b := bs[0]; b.Ticket != "B" || b.Lateness != 30*time.Minute || b.URL != "https://help.example.com/t/B" || !b.Due.Equal(at("10:00")) {
		t.Errorf("breach = %+v, want B, 30m late, linked, due 10:00", b)
	}
	for _, id := range []string{"A", "B"} {
		tk, _ := m.Get(ctx, store.Key{Source: "s", ID: id})
		if tk.RecordAt != nil || len(tk.Recorded) != 1 {
			t.Errorf("ticket %s: RecordAt %v, %d marks; want nil and 1", id, tk.RecordAt, len(tk.Recorded))
		}
	}
}
