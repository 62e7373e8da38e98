package checker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

type discard struct{}

func (discard) Notify(context.Context, notify.Alert) error { return nil }

const benchTickets = 100

// dueStore returns an in-memory store with benchTickets tickets whose
// first-response breach falls due at 10:00.
func dueStore(b *testing.B, cfg *policy.Config) store.Tickets {
	st := store.NewMemory()
	svc := &intake.Service{Policies: cfg, Tickets: st}
	for i := range benchTickets {
		id := fmt.Sprint(i)
		if _, err := svc.Ingest(context.Background(), []event.Event{{Source: "s", TicketID: id, ID: id, Kind: event.TicketCreated,
			OccurredAt: t0, Channel: event.Chat, Author: event.Customer}}); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkCheckerRun is one checker run that finds 100 breaches due: the
// due query, a read, a claim and a record per ticket, the alert documents,
// and a publish each (to a notifier that drops them). Storm control is off
// so each breach is its own alert. BenchmarkCheckerFloor does only the store
// work a run cannot avoid — the due query, and per ticket one read and two
// conditional writes that change nothing — as the baseline; the difference
// is the checker's own cost.
func BenchmarkCheckerRun(b *testing.B) {
	cfg := benchConfig(b)
	clock := &fakeClock{}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		st := dueStore(b, cfg)
		clock.Set(at("10:00"))
		c := &checker.Checker{Config: cfg, Tickets: st, Notifier: discard{}, Clock: clock,
			Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Horizon: time.Second}
		b.StartTimer()
		s, err := c.Run(context.Background())
		if err != nil || s.Sent != benchTickets {
			b.Fatalf("sent %d, %v", s.Sent, err)
		}
	}
}

func BenchmarkCheckerFloor(b *testing.B) {
	cfg := benchConfig(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		st := dueStore(b, cfg)
		b.StartTimer()
		keys, err := st.Due(ctx, at("10:00"), 500)
		if err != nil || len(keys) != benchTickets {
			b.Fatalf("due %d, %v", len(keys), err)
		}
		for _, k := range keys {
			if _, err := st.Get(ctx, k); err != nil {
				b.Fatal(err)
			}
			for range 2 {
				if _, err := st.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) { return t, true, nil }); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

func benchConfig(b *testing.B) *policy.Config {
	cfg, err := policy.Parse([]byte(`
alerts: {storm_threshold: 1000}
policies:
  - name: chat
    first_response: {within: 1h}
`))
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// slowStore gives every store call a round trip's wait, as DynamoDB's
// few milliseconds do, without using CPU.
type slowStore struct {
	store.Tickets
	rtt time.Duration
}

func (s slowStore) Get(ctx context.Context, k store.Key) (sla.Ticket, error) {
	time.Sleep(s.rtt)
	return s.Tickets.Get(ctx, k)
}

func (s slowStore) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	time.Sleep(2 * s.rtt) // a read and a conditional write
	return s.Tickets.Update(ctx, k, eventID, fn)
}

func (s slowStore) Due(ctx context.Context, before time.Time, limit int) ([]store.Key, error) {
	time.Sleep(s.rtt)
	return s.Tickets.Due(ctx, before, limit)
}

// BenchmarkCheckerRunRTT is BenchmarkCheckerRun on a store whose every
// request waits a 1 ms round trip: how long a run takes to send 100
// breaches due at once, working on one ticket at a time (workers=1, the
// baseline: what every run did before Workers) or on eight.
func BenchmarkCheckerRunRTT(b *testing.B) {
	cfg := benchConfig(b)
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			clock := &fakeClock{}
			for b.Loop() {
				b.StopTimer()
				st := slowStore{Tickets: dueStore(b, cfg), rtt: time.Millisecond}
				clock.Set(at("10:00"))
				c := &checker.Checker{Config: cfg, Tickets: st, Notifier: discard{}, Clock: clock, Workers: workers,
					Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Horizon: time.Second}
				b.StartTimer()
				s, err := c.Run(context.Background())
				if err != nil || s.Sent != benchTickets {
					b.Fatalf("sent %d, %v", s.Sent, err)
				}
			}
		})
	}
}
