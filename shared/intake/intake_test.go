package intake_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// conversation is a ticket's life: created, replies back and forth, a pause,
// a priority change and a solve.
func conversation(id string) []event.Event {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	ev := func(n int, k event.Kind, m int) event.Event {
		return event.Event{Source: "s", TicketID: id, ID: fmt.Sprintf("%s-%d", id, n), Kind: k, OccurredAt: at(m), Channel: event.Email}
	}
	created := ev(0, event.TicketCreated, 0)
	created.Author = event.Customer
	reply := func(n, m int) event.Event {
		e := ev(n, event.AgentReply, m)
		e.Author, e.Public = event.Agent, true
		return e
	}
	msg := func(n, m int) event.Event { e := ev(n, event.CustomerMessage, m); e.Author = event.Customer; return e }
	status := func(n, m int, s event.Status) event.Event { e := ev(n, event.StatusChanged, m); e.Status = s; return e }
	prio := ev(4, event.PriorityChanged, 45)
	prio.Priority = event.Urgent
	return []event.Event{created, msg(1, 10), reply(2, 30), msg(3, 40), prio, status(5, 50, event.Pending),
		msg(6, 90), reply(7, 120), status(8, 130, event.Solved)}
}

func TestConcurrentOutOfOrderDuplicatesEqualSequential(t *testing.T) {
	cfg := policy.Default()
	ctx := context.Background()
	events := conversation("T")

	seq := store.NewMemory()
	if _, err := (&intake.Service{Policies: cfg, Tickets: seq}).Ingest(ctx, events); err != nil {
		t.Fatal(err)
	}
	want, _ := seq.Get(ctx, store.Key{Source: "s", ID: "T"})

	// 50 goroutines deliver the events in random orders, each event several
	// times, to one ticket.
	conc := store.NewMemory()
	svc := &intake.Service{Policies: cfg, Tickets: conc}
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			order := r.Perm(len(events))
			for _, i := range order {
				res, err := svc.Ingest(ctx, events[i:i+1])
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				applied += res.Applied
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got, _ := conc.Get(ctx, store.Key{Source: "s", ID: "T"})
	if applied != len(events) {
		t.Errorf("applied %d events in all, want each of the %d exactly once", applied, len(events))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("concurrent state differs from sequential:\n got %+v\nwant %+v", got, want)
	}
	// And the state itself, by hand: first response at 09:30 (created 09:00,
	// email => standard 24h policy until the urgent change at 09:45; the
	// reply came first, so it is judged under standard: due 09:00 next day).
	if got.FirstResponse.RespondedAt == nil || !got.FirstResponse.RespondedAt.Equal(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)) || got.FirstResponse.Breach {
		t.Errorf("first response = %+v", got.FirstResponse)
	}
	// Next reply: cycle 1 starts with the 09:40 message, under urgent (2h)
	// from 09:45; pending 09:50-10:30 adds 40m: due 12:20, answered 11:00.
	nr := got.NextReply
	if nr == nil || nr.DueAt == nil || !nr.DueAt.Equal(time.Date(2026, 11, 23, 12, 20, 0, 0, time.UTC)) ||
		nr.RespondedAt == nil || !nr.RespondedAt.Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)) || nr.Breach {
		t.Errorf("next reply = %+v", nr)
	}
	if got.Policy != "urgent" || got.Status != event.Solved || got.NextReplyCycles != 1 {
		t.Errorf("policy %q status %q cycles %d", got.Policy, got.Status, got.NextReplyCycles)
	}
}

// An event dated before its ticket's compacted history is counted as late
// and logged, not applied, and fails neither the batch nor its neighbours.
func TestLateEventCountedNotApplied(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	msg := func(id string, at time.Time) event.Event {
		return event.Event{Source: "s", TicketID: "L", ID: id, Kind: event.CustomerMessage, OccurredAt: at, Author: event.Customer, Channel: event.Email}
	}
	var events []event.Event
	for i := range 200 {
		events = append(events, msg(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Minute)))
	}
	s := store.NewMemory()
	var logs strings.Builder
	svc := &intake.Service{Policies: policy.Default(), Tickets: s, Now: func() time.Time { return t0.Add(time.Hour * 24) },
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := svc.Ingest(ctx, events); err != nil {
		t.Fatal(err)
	}
	k := store.Key{Source: "s", ID: "L"}
	before, _ := s.Get(ctx, k)
	if before.Checkpoint == nil {
		t.Fatal("200 events and no checkpoint")
	}
	res, err := svc.Ingest(ctx, []event.Event{msg("late", t0.Add(30*time.Second)), msg("new", t0.Add(300*time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if res.Late != 1 || res.Applied != 1 || res.Duplicates != 0 || len(res.Refused) != 0 {
		t.Errorf("result %+v, want 1 late, 1 applied", res)
	}
	after, _ := s.Get(ctx, k)
	if after.EventCount() != 201 {
		t.Errorf("%d events, want 201: the late one left out", after.EventCount())
	}
	if !strings.Contains(logs.String(), "compacted history") || !strings.Contains(logs.String(), "ticket=L") {
		t.Errorf("no log line for the late event:\n%s", logs.String())
	}
}
