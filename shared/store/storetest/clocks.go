package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// clocksConfig has a warning window, so that the stored clocks carry one:
// 1-hour targets in calendar time, warned 15 minutes before.
const clocksConfig = `
policies:
  - name: watched
    team: billing
    first_response: {within: 1h}
    next_reply: {within: 1h}
    warnings: [15m]
`

// ClockStore keeps tickets and lists their running clocks.
type ClockStore interface {
	store.Tickets
	store.Clocks
}

// OpenClocks returns a store for one test; each test writes its own source
// names and reads only them back (through Running's keep), so stores may
// share one table.
type OpenClocks func(t *testing.T) ClockStore

// RunClocks runs the contract suite of store.Clocks.
func RunClocks(t *testing.T, open OpenClocks) {
	cfg, err := policy.Parse([]byte(clocksConfig))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RunningOnlyRunningClocks", func(t *testing.T) { runningClocks(t, open(t), cfg) })
	t.Run("RunningManyInDeadlineOrder", func(t *testing.T) { runningMany(t, open(t), cfg) })
}

// clocksOf reads the running clocks of src, as ticket ids.
func clocksOf(t *testing.T, s store.Clocks, src string, limit int) ([]store.Clock, []string, bool) {
	t.Helper()
	cs, truncated, err := s.Running(context.Background(), limit, func(c store.Clock) bool { return c.Source == src })
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return cs, ids, truncated
}

func status(src, ticket, id string, s event.Status, at time.Time) event.Event {
	e := ev(src, ticket, id, event.StatusChanged, at)
	e.Author, e.Status = event.Agent, s
	return e
}

func runningClocks(t *testing.T, s ClockStore, cfg *policy.Config) {
	ctx := context.Background()
	src := source(t)
	put := func(id string, evs ...event.Event) {
		t.Helper()
		for _, e := range evs {
			e.ID = id + "-" + e.ID // event ids are unique per source
			if _, err := s.Update(ctx, store.Key{Source: src, ID: id}, e.ID, apply(cfg, e)); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := func(d time.Duration) time.Time { return T0.Add(d) }
	// Deadlines by hand: 1 hour after the clock starts, warned at 45 minutes.
	put("late", ev(src, "late", "c", event.TicketCreated, at(-2*time.Hour))) // due T0-1h
	// A next-reply cycle from T0-3h58m, due T0-2h58m, paused (pending) an
	// hour before T0: after its deadline, so it stays breached and listed.
	put("paused-late",
		ev(src, "paused-late", "c", event.TicketCreated, at(-4*time.Hour)),
		ev(src, "paused-late", "r", event.AgentReply, at(-4*time.Hour+time.Minute)),
		ev(src, "paused-late", "m", event.CustomerMessage, at(-4*time.Hour+2*time.Minute)),
		status(src, "paused-late", "p", event.Pending, at(-time.Hour)))
	put("soon", ev(src, "soon", "c", event.TicketCreated, at(0))) // due T0+1h
	// A next reply from T0+5m: due T0+1h5m.
	put("next",
		ev(src, "next", "c", event.TicketCreated, at(-time.Hour)),
		ev(src, "next", "r", event.AgentReply, at(-59*time.Minute)),
		ev(src, "next", "m", event.CustomerMessage, at(5*time.Minute)))
	put("later", ev(src, "later", "c", event.TicketCreated, at(10*time.Minute))) // due T0+1h10m
	// No running clock: answered, solved, and paused before the deadline
	// (a paused clock has no deadline; it cannot breach while paused).
	put("answered", ev(src, "answered", "c", event.TicketCreated, at(0)), ev(src, "answered", "r", event.AgentReply, at(5*time.Minute)))
	put("solved", ev(src, "solved", "c", event.TicketCreated, at(0)), status(src, "solved", "s", event.Solved, at(5*time.Minute)))
	put("paused",
		ev(src, "paused", "c", event.TicketCreated, at(0)),
		ev(src, "paused", "r", event.AgentReply, at(time.Minute)),
		ev(src, "paused", "m", event.CustomerMessage, at(2*time.Minute)),
		status(src, "paused", "p", event.Pending, at(3*time.Minute)))

	cs, ids, truncated := clocksOf(t, s, src, 100)
	if want := []string{"paused-late", "late", "soon", "next", "later"}; !slices.Equal(ids, want) || truncated {
		t.Fatalf("Running = %v (truncated %v), want %v in deadline order, not truncated", ids, truncated, want)
	}
	clock := func(metric string, cycle int, due time.Time, paused bool) sla.Clock {
		return sla.Clock{Metric: metric, Cycle: cycle, Policy: "watched", Channel: event.Email, Priority: event.Normal,
			Due: due, Warn: due.Add(-15 * time.Minute), Paused: paused}
	}
	want := []sla.Clock{
		clock(sla.NextReply, 1, at(-2*time.Hour-58*time.Minute), true),
		clock(sla.FirstResponse, 0, at(-time.Hour), false),
		clock(sla.FirstResponse, 0, at(time.Hour), false),
		clock(sla.NextReply, 1, at(time.Hour+5*time.Minute), false),
		clock(sla.FirstResponse, 0, at(time.Hour+10*time.Minute), false),
	}
	for i, c := range cs {
		// Compared field by field: a store's round trip may change an
		// instant's location, never the instant.
		w := want[i]
		if c.Metric != w.Metric || c.Cycle != w.Cycle || c.Policy != w.Policy || c.Channel != w.Channel ||
			c.Priority != w.Priority || !c.Due.Equal(w.Due) || !c.Warn.Equal(w.Warn) || c.Paused != w.Paused {
			t.Errorf("clock of %s = %+v,\nwant %+v", c.ID, c.Clock, w)
		}
	}

	// The limit keeps the earliest and says it cut.
	if _, ids, truncated := clocksOf(t, s, src, 2); !slices.Equal(ids, []string{"paused-late", "late"}) || !truncated {
		t.Errorf("Running with limit 2 = %v (truncated %v), want [paused-late late], truncated", ids, truncated)
	}
	if _, ids, truncated := clocksOf(t, s, src, 5); len(ids) != 5 || truncated {
		t.Errorf("Running with limit 5 of 5 = %v (truncated %v), want all, not truncated", ids, truncated)
	}

	// Answering and solving take tickets out; resuming a paused clock
	// brings it in: next reply from T0+2m, 1m run before the pause,
	// resumed at T0+30m with 59m left, due T0+1h29m.
	put("soon", ev(src, "soon", "r", event.AgentReply, at(20*time.Minute)))
	put("late", status(src, "late", "s", event.Solved, at(20*time.Minute)))
	put("paused", status(src, "paused", "o", event.Open, at(30*time.Minute)))
	cs, ids, _ = clocksOf(t, s, src, 100)
	if want := []string{"paused-late", "next", "later", "paused"}; !slices.Equal(ids, want) {
		t.Fatalf("after answering soon, solving late and resuming paused: Running = %v, want %v", ids, want)
	}
	if got := cs[3]; !got.Due.Equal(at(time.Hour+29*time.Minute)) || got.Paused {
		t.Errorf("resumed clock: due %s, paused %v; want due %s, running", got.Due, got.Paused, at(time.Hour+29*time.Minute))
	}

	// Without a filter every source's clocks come back, in deadline order,
	// this test's among them in the same order.
	all, _, err := s.Running(ctx, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(all, func(a, b store.Clock) int { return a.Due.Compare(b.Due) }) {
		t.Errorf("Running without a filter is not in deadline order")
	}
	var mine []string
	for _, c := range all {
		if c.Source == src {
			mine = append(mine, c.ID)
		}
	}
	if !slices.Equal(mine, ids) {
		t.Errorf("Running without a filter holds %v of this test, want %v", mine, ids)
	}
}

func runningMany(t *testing.T, s ClockStore, cfg *policy.Config) {
	ctx := context.Background()
	src := source(t)
	// 60 tickets, written in random order; ticket i is created i/2 minutes
	// after T0, so pairs share a deadline and their ids break the tie.
	const n = 60
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("t-%02d", i))
	}
	for _, i := range rand.New(rand.NewPCG(3, 4)).Perm(n) {
		id := want[i]
		e := ev(src, id, id+"-c", event.TicketCreated, T0.Add(time.Duration(i/2)*time.Minute))
		if _, err := s.Update(ctx, store.Key{Source: src, ID: id}, e.ID, apply(cfg, e)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		limit     int
		want      []string
		truncated bool
	}{
		{50, want[:50], true},
		{59, want[:59], true},
		{60, want, false},
		{500, want, false},
	} {
		cs, ids, truncated := clocksOf(t, s, src, tc.limit)
		if !slices.Equal(ids, tc.want) || truncated != tc.truncated {
			t.Errorf("Running(limit %d) = %v (truncated %v),\nwant %v (truncated %v)", tc.limit, ids, truncated, tc.want, tc.truncated)
			continue
		}
		if last := cs[len(cs)-1]; !last.Due.Equal(T0.Add(time.Hour + time.Duration((len(cs)-1)/2)*time.Minute)) {
			t.Errorf("Running(limit %d): last clock due %s", tc.limit, last.Due)
		}
	}
}
