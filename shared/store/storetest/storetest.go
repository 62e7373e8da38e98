// Package storetest is the contract every store.Tickets implementation must
// meet. The in-memory store and the DynamoDB store (against DynamoDB Local)
// run the same suite.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Policies used by the suite: a 1-hour first response and next reply in
// calendar time, no warnings, so the first alert is the breach at due.
const config = `
policies:
  - name: hour
    first_response: {within: 1h}
    next_reply: {within: 1h}
`

// T0 is when the suite's tickets start.
var T0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Open returns an empty store for one test; source names are unique per call
// so that stores shared between tests (one DynamoDB table) do not collide.
type Open func(t *testing.T) store.Tickets

// Run runs the contract suite.
func Run(t *testing.T, open Open) {
	cfg, err := policy.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("GetMissing", func(t *testing.T) { getMissing(t, open(t)) })
	t.Run("CreateAndGet", func(t *testing.T) { createAndGet(t, open(t), cfg) })
	t.Run("UnchangedWritesNothing", func(t *testing.T) { unchanged(t, open(t)) })
	t.Run("DuplicateEventAppliedOnce", func(t *testing.T) { duplicate(t, open(t), cfg) })
	t.Run("DuplicateUnloggedEventAppliedOnce", func(t *testing.T) { duplicateUnlogged(t, open(t)) })
	t.Run("ConcurrentEqualsSequential", func(t *testing.T) { concurrent(t, open, cfg) })
	t.Run("DueExactlyTheDueTickets", func(t *testing.T) { dueQuery(t, open(t), cfg) })
}

var seq atomic.Int64

// source returns a source name not used before in this process.
func source(t *testing.T) string {

	return fmt.Sprintf("src%d-%d", seq.Add(1), time.Now().UnixNano()%1e6)
}

func ev(src, ticket, id string, k event.Kind, at time.Time) event.Event {
	e := event.Event{Source: src, TicketID: ticket, ID: id, Kind: k, OccurredAt: at, Channel: event.Email}
	switch k {
	case event.AgentReply:
		e.Author, e.Public = event.Agent, true
	case event.TicketCreated, event.CustomerMessage:
		e.Author = event.Customer
	}
	return e
}

func apply(cfg *policy.Config, e event.Event) store.UpdateFunc {
	return func(t sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, t, e) }
}

// same compares tickets by their stored form: what a round trip through
// any store must preserve.
func same(t *testing.T, got, want sla.Ticket) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("tickets differ:\n got %s\nwant %s", g, w)
	}
}

func getMissing(t *testing.T, s store.Tickets) {
	_, err := s.Get(context.Background(), store.Key{Source: source(t), ID: "nope"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing ticket: %v, want ErrNotFound", err)
	}
}

func createAndGet(t *testing.T, s store.Tickets, cfg *policy.Config) {
	ctx := context.Background()
	src := source(t)
	k := store.Key{Source: src, ID: "owner/repo#42"} // ids may contain any character
	written, err := s.Update(ctx, k, "e1", apply(cfg, ev(src, k.ID, "e1", event.TicketCreated, T0)))
	if err != nil {
		t.Fatal(err)
	}
	if written.FirstResponse == nil || !written.FirstResponse.DueAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("written ticket: %+v", written.FirstResponse)
	}
	got, err := s.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	same(t, got, written)
}

func unchanged(t *testing.T, s store.Tickets) {
	ctx := context.Background()
	k := store.Key{Source: source(t), ID: "1"}
	_, err := s.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) { return t, false, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an update reporting no change stored a ticket (Get: %v)", err)
	}
	boom := errors.New("boom")
	if _, err := s.Update(ctx, k, "x", func(t sla.Ticket) (sla.Ticket, bool, error) { return t, true, boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error not returned: %v", err)
	}
	if _, err := s.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed update stored a ticket (Get: %v)", err)
	}
}

func duplicate(t *testing.T, s store.Tickets, cfg *policy.Config) {
	ctx := context.Background()
	src := source(t)
	k := store.Key{Source: src, ID: "7"}
	e := ev(src, k.ID, "dup", event.TicketCreated, T0)
	if _, err := s.Update(ctx, k, e.ID, apply(cfg, e)); err != nil {
		t.Fatal(err)
	}
	// The de-duplication record refuses the event even when the ticket
	// itself would not notice (here: a function that always changes it).
	calls := 0
	_, err := s.Update(ctx, k, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
		calls++
		t.Tags = append(t.Tags, "again")
		return t, true, nil
	})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second delivery: %v, want ErrDuplicate", err)
	}
	got, _ := s.Get(ctx, k)
	if len(got.Events) != 1 || slices.Contains(got.Tags, "again") {
		t.Errorf("duplicate changed the ticket: %d events, tags %v (fn called %d times)", len(got.Events), got.Tags, calls)
	}
}

// duplicateUnlogged: an update whose new state does not hold its event
// (fn keeps no log of it) is still applied at most once per event id.
func duplicateUnlogged(t *testing.T, s store.Tickets) {
	ctx := context.Background()
	k := store.Key{Source: source(t), ID: "8"}
	calls := 0
	tag := func(t sla.Ticket) (sla.Ticket, bool, error) {
		calls++
		t.Tags = append(slices.Clone(t.Tags), "tagged")
		return t, true, nil
	}
	if _, err := s.Update(ctx, k, "unlogged", tag); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, k, "unlogged", tag); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second delivery: %v, want ErrDuplicate", err)
	}
	got, err := s.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tags) != 1 || len(got.Events) != 0 {
		t.Errorf("tags %v, %d events after two deliveries of one event (fn called %d times), want one tag", got.Tags, len(got.Events), calls)
	}
	// Another event id is another update.
	if _, err := s.Update(ctx, k, "unlogged-2", tag); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, k); len(got.Tags) != 2 {
		t.Errorf("tags %v after a second event, want two", got.Tags)
	}
}

// conversation is a ticket's history with n events: created, then customer
// messages and agent replies alternating every 10 minutes.
func conversation(src, id string, n int) []event.Event {
	out := []event.Event{ev(src, id, id+"-0", event.TicketCreated, T0)}
	for i := 1; i < n; i++ {
		k := event.CustomerMessage
		if i%2 == 1 {
			k = event.AgentReply
		}
		out = append(out, ev(src, id, fmt.Sprintf("%s-%d", id, i), k, T0.Add(time.Duration(i)*10*time.Minute)))
	}
	return out
}

func concurrent(t *testing.T, open Open, cfg *policy.Config) {
	ctx := context.Background()
	// Separate sources: stores from open may share one table.
	seqSrc, concSrc := source(t), source(t)
	seqStore, concStore := open(t), open(t)

	var want sla.Ticket
	for _, e := range conversation(seqSrc, "busy", 50) {
		var err error
		if want, err = seqStore.Update(ctx, store.Key{Source: seqSrc, ID: "busy"}, e.ID, apply(cfg, e)); err != nil {
			t.Fatal(err)
		}
	}

	// 50 goroutines, one event each, each delivered twice, in random order.
	k := store.Key{Source: concSrc, ID: "busy"}
	events := conversation(concSrc, k.ID, 50)
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(events))
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(events))
	for _, i := range order {
		wg.Add(1)
		go func(e event.Event) {
			defer wg.Done()
			for range 2 {
				// Work between read and write widens the race, as in a
				// real invocation.
				slow := func(t sla.Ticket) (sla.Ticket, bool, error) {
					time.Sleep(time.Millisecond)
					return apply(cfg, e)(t)
				}
				// A repeat is refused by the de-duplication record or
				// found in the ticket's own log: either way, no change.
				if _, err := concStore.Update(ctx, k, e.ID, slow); err != nil && !errors.Is(err, store.ErrDuplicate) {
					errs <- err
				}
			}
		}(events[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := concStore.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != len(events) {
		t.Errorf("%d events stored, want %d", len(got.Events), len(events))
	}
	// 25 agent replies: the first is the first response, the other 24 each
	// answer one next-reply cycle; 24 customer messages started them.
	if got.NextReplyCycles != 24 || got.FirstResponse == nil || got.FirstResponse.RespondedAt == nil {
		t.Errorf("cycles %d, first response %+v", got.NextReplyCycles, got.FirstResponse)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != strings.ReplaceAll(string(w), seqSrc, concSrc) {
		t.Errorf("concurrent state differs from sequential:\n got %s\nwant %s", g, w)
	}
}

func dueQuery(t *testing.T, s store.Tickets, cfg *policy.Config) {
	ctx := context.Background()
	src := source(t)
	put := func(id string, evs ...event.Event) {
		t.Helper()
		for _, e := range evs {
			if _, err := s.Update(ctx, store.Key{Source: src, ID: id}, e.ID, apply(cfg, e)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wantDue []string
	// 30 tickets created 0..29 minutes after T0: breach due at T0+1h+i min.
	for i := range 30 {
		id := fmt.Sprintf("open-%02d", i)
		put(id, ev(src, id, id+"-c", event.TicketCreated, T0.Add(time.Duration(i)*time.Minute)))
		if i < 20 {
			wantDue = append(wantDue, id) // due by T0+1h19m
		}
	}
	// Answered and solved tickets drop out of the index.
	for i := range 10 {
		id := fmt.Sprintf("answered-%d", i)
		put(id, ev(src, id, id+"-c", event.TicketCreated, T0), ev(src, id, id+"-r", event.AgentReply, T0.Add(time.Minute)))
		id = fmt.Sprintf("solved-%d", i)
		solved := ev(src, id, id+"-s", event.StatusChanged, T0.Add(time.Minute))
		solved.Status = event.Solved
		put(id, ev(src, id, id+"-c", event.TicketCreated, T0), solved)
	}

	keys, err := s.Due(ctx, T0.Add(time.Hour+19*time.Minute), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		if k.Source == src { // a shared table may hold other tests' tickets
			got = append(got, k.ID)
		}
	}
	if !slices.Equal(got, wantDue) {
		t.Errorf("Due returned %v,\nwant (in due order) %v", got, wantDue)
	}
	// Nothing is due before the first breach.
	if keys, _ := s.Due(ctx, T0.Add(time.Hour-time.Second), 1000); slices.ContainsFunc(keys, func(k store.Key) bool { return k.Source == src }) {
		t.Errorf("Due before any deadline returned %v", keys)
	}
	// Firing the alerts takes a ticket out of the index.
	k := store.Key{Source: src, ID: "open-00"}
	if _, err := s.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		next, sent := sla.Fire(t, T0.Add(5*time.Hour))
		return next, len(sent) > 0, nil
	}); err != nil {
		t.Fatal(err)
	}
	keys, _ = s.Due(ctx, T0.Add(100*time.Hour), 1000)
	if slices.Contains(keys, k) {
		t.Errorf("ticket with every alert fired is still due")
	}
	// The limit is honoured, earliest first.
	keys, _ = s.Due(ctx, T0.Add(time.Hour+19*time.Minute), 3)
	if len(keys) != 3 {
		t.Errorf("Due with limit 3 returned %d keys", len(keys))
	}
}
