package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// MaxTicketItem is the size a ticket item must stay under however long its
// history: a quarter of DynamoDB's 400 KB item limit.
const MaxTicketItem = 100_000

// ItemSize returns the stored size of ticket k in bytes.
type ItemSize func(ctx context.Context, k store.Key) (int, error)

// JSONSize is ItemSize for stores that keep the ticket's JSON and little
// else (Memory: what the DynamoDB item's state attribute would hold).
func JSONSize(s store.Tickets) ItemSize {
	return func(ctx context.Context, k store.Key) (int, error) {
		t, err := s.Get(ctx, k)
		if err != nil {
			return 0, err
		}
		b, err := json.Marshal(t)
		return len(b), err
	}
}

// LongConversation returns n events of one ticket: created at T0 and
// answered 10 minutes later, then rounds of ten events, three hours apart,
// each starting three next-reply cycles (a customer message at +0, one
// reopening from pending at +60m or +67m, one reopening from solved at
// +120m), all answered, an internal note, a tag change and a solve. Every
// fifth round (r%5 == 4) answers its first cycle at +65m, past the hour's
// target: one breach. LongExpect derives the counts by hand.
func LongConversation(src, id string, n int) []event.Event {
	out := []event.Event{ev(src, id, "c", event.TicketCreated, T0)}
	if n > 1 {
		out = append(out, ev(src, id, "fr", event.AgentReply, T0.Add(10*time.Minute)))
	}
	for r := 0; len(out) < n; r++ {
		base := T0.Add(time.Hour + time.Duration(r)*3*time.Hour)
		reply, pending, again := 20, 25, 60
		if r%5 == 4 {
			reply, pending, again = 65, 66, 67
		}
		eid := func(i int) string { return fmt.Sprintf("r%d-%d", r, i) }
		at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
		note := ev(src, id, eid(2), event.InternalNote, at(5))
		note.Author = event.Agent
		tags := ev(src, id, eid(7), event.TagsChanged, at(85))
		tags.Tags = []string{"round-" + fmt.Sprint(r%7), "billing"}
		round := []event.Event{
			ev(src, id, eid(1), event.CustomerMessage, at(0)),
			note,
			ev(src, id, eid(3), event.AgentReply, at(reply)),
			withStatus(ev(src, id, eid(4), event.StatusChanged, at(pending)), event.Pending),
			ev(src, id, eid(5), event.CustomerMessage, at(again)),
			ev(src, id, eid(6), event.AgentReply, at(80)),
			tags,
			withStatus(ev(src, id, eid(8), event.StatusChanged, at(90)), event.Solved),
			ev(src, id, eid(9), event.CustomerMessage, at(120)),
			ev(src, id, eid(10), event.AgentReply, at(130)),
		}
		out = append(out, round[:min(len(round), n-len(out))]...)
	}
	return out
}

func withStatus(e event.Event, s event.Status) event.Event {
	e.Status = s
	return e
}

// LongExpect is what LongConversation's first n events (n ≥ 2) give:
// next-reply cycles and breaches, counted by hand from the rounds.
func LongExpect(n int) (cycles, breaches int) {
	rounds, rest := (n-2)/10, (n-2)%10
	cycles = 3 * rounds
	breaches = rounds / 5 // rounds 4, 9, 14, …
	switch {
	case rest >= 9:
		cycles += 3
	case rest >= 5:
		cycles += 2
	case rest >= 1:
		cycles++
	}
	if rounds%5 == 4 && rest >= 3 { // the unfinished round is a late one and was answered
		breaches++
	}
	return cycles, breaches
}

// RunLong writes a ticket of n events through intake, event by event as
// webhooks arrive, with a checker run after every round, and checks that
// it keeps working and its item stays under MaxTicketItem. It logs the
// item's size and the time per event around 100, 1,000, 10,000 events.
func RunLong(t *testing.T, s store.Tickets, size ItemSize, n int) {
	ctx := context.Background()
	cfg, err := policy.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	src := source(t)
	k := store.Key{Source: src, ID: "long"}
	events := LongConversation(src, k.ID, n)
	var now time.Time
	svc := intake.Service{Policies: cfg, Tickets: s, Now: func() time.Time { return now }}
	const window = 50 // events timed before each mark
	took := make([]time.Duration, 0, len(events))
	for i, e := range events {
		now = e.OccurredAt
		start := time.Now()
		res, err := svc.Ingest(ctx, []event.Event{e})
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		if res.Applied != 1 {
			t.Fatalf("event %d: %+v, want it applied", i+1, res)
		}
		if i >= 2 && (i-1)%10 == 0 { // a round is complete: the checker runs
			check := now.Add(49 * time.Minute)
			if _, err := s.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
				next, sent := sla.Fire(t, check)
				return next, len(sent) > 0, nil
			}); err != nil {
				t.Fatalf("checker after event %d: %v", i+1, err)
			}
		}
		if m := i + 1; m == len(events) || m == 100 || m == 1_000 || m == 10_000 {
			b, err := size(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			var sum time.Duration
			last := took[max(0, m-window):]
			for _, d := range last {
				sum += d
			}
			t.Logf("%6d events: item %6d bytes, %v per event (mean of the last %d)", m, b, sum/time.Duration(len(last)), len(last))
			if b >= MaxTicketItem {
				t.Errorf("%d events: item of %d bytes, want < %d", m, b, MaxTicketItem)
			}
		}
	}
	got, err := s.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	cycles, breaches := LongExpect(n)
	if got.NextReplyCycles != cycles || got.NextReplyBreaches != breaches {
		t.Errorf("after %d events: %d cycles, %d breached; want %d, %d", n, got.NextReplyCycles, got.NextReplyBreaches, cycles, breaches)
	}
	if v := got.View(now); v.Events != n {
		t.Errorf("the ticket counts %d events, want %d", v.Events, n)
	}
	if fr := got.FirstResponse; fr == nil || fr.RespondedAt == nil || !fr.RespondedAt.Equal(T0.Add(10*time.Minute)) || fr.Breach {
		t.Errorf("first response %+v, want answered at T0+10m on time", fr)
	}
}
