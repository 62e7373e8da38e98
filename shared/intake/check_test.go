package intake_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// countingStore counts the store calls a batch makes.
type countingStore struct {
	*store.Memory
	updates atomic.Int64
	keys    []store.Key
}

func (c *countingStore) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	c.updates.Add(1)
	c.keys = append(c.keys, k)
	return c.Memory.Update(ctx, k, eventID, fn)
}

// TestIngestRefusesUnfitEventsOnly: in a batch with unfit events (a 10,000
// byte ticket id, a CR LF in an event id, a date two days ahead, a date in
// 1970) the others are applied, and the refused ones reach no store call.
func TestIngestRefusesUnfitEventsOnly(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	ev := func(ticket, id string, at time.Time) event.Event {
		return event.Event{Source: "s", TicketID: ticket, ID: id, Kind: event.TicketCreated, OccurredAt: at, Channel: event.Email, Author: event.Customer}
	}
	long := strings.Repeat("7", 10_000)
	batch := []event.Event{
		ev("A", "a1", now.Add(-time.Hour)),
		ev(long, "l1", now.Add(-time.Hour)),
		ev("B", "b1\r\nlevel=INFO msg=forged", now.Add(-time.Hour)),
		ev("C", "c1", now.Add(48*time.Hour)),
		ev("D", "d1", time.UnixMilli(1795424400)), // seconds read as milliseconds
		ev("E", "e1", now.Add(-time.Minute)),
	}
	mem := &countingStore{Memory: store.NewMemory()}
	svc := &intake.Service{Policies: policy.Default(), Tickets: mem, Now: func() time.Time { return now }}
	res, err := svc.Ingest(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	want := intake.Result{Applied: 2, Refused: []intake.Refusal{
		{Event: 1, Field: "ticket_id", Reason: "longer than 512 bytes (10000)"},
		{Event: 2, Field: "event_id", Reason: "contains U+000D at byte 2: only printable characters are allowed"},
		{Event: 3, Field: "occurred_at", Reason: "2026-11-25T09:30:00Z is more than 24h0m0s after the time of receipt 2026-11-23T09:30:00Z (max_future_skew)"},
		{Event: 4, Field: "occurred_at", Reason: "1970-01-21T18:43:44Z is before 2000-01-01: most likely a unit error (seconds read as milliseconds?)"},
	}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("Ingest = %+v\nwant %+v", res, want)
	}
	if got := mem.keys; !reflect.DeepEqual(got, []store.Key{{Source: "s", ID: "A"}, {Source: "s", ID: "E"}}) {
		t.Errorf("store updates for %v, want A and E only", got)
	}
	for _, id := range []string{long, "B", "C", "D"} {
		if _, err := mem.Get(context.Background(), store.Key{Source: "s", ID: id}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ticket %.20q: %v, want ErrNotFound", id, err)
		}
	}
}

// TestIngestMaxFutureSkewPerSource: a source's max_future_skew replaces the
// default for its events only.
func TestIngestMaxFutureSkewPerSource(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	cfg, err := policy.Parse([]byte("sources:\n  tight: {provider: generic, max_future_skew: 1h}\n  loose: {provider: generic}\npolicies:\n  - name: a\n    first_response: {within: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &intake.Service{Policies: cfg, Tickets: store.NewMemory(), Now: func() time.Time { return now },
		MaxFutureSkew: func(src string) time.Duration { return cfg.Sources[src].MaxFutureSkew }}
	at := now.Add(2 * time.Hour)
	res, err := svc.Ingest(context.Background(), []event.Event{
		{Source: "tight", TicketID: "1", ID: "e1", Kind: event.TicketCreated, OccurredAt: at},
		{Source: "loose", TicketID: "1", ID: "e1", Kind: event.TicketCreated, OccurredAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 1 || len(res.Refused) != 1 || res.Refused[0].Event != 0 || !strings.Contains(res.Refused[0].Reason, "more than 1h0m0s") {
		t.Errorf("Ingest = %+v, want the tight source's event refused (1h) and the loose one's applied (24h)", res)
	}
}
