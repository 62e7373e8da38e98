package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory()
	if _, err := m.Get(ctx, store.Key{Source: "s", ID: "1"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get on empty store: %v", err)
	}
	cfg, err := policy.Parse([]byte("policies:\n  - name: p\n    first_response: {within: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	// Tickets created at 09:00, 09:10, 09:20: breaches due 10:00, 10:10, 10:20.
	for i, id := range []string{"a", "b", "c"} {
		ev := event.Event{Source: "s", TicketID: id, ID: id, Kind: event.TicketCreated, OccurredAt: t0.Add(time.Duration(i) * 10 * time.Minute)}
		if _, err := m.Update(ctx, store.Key{Source: "s", ID: id}, func(t sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, t, ev) }); err != nil {
			t.Fatal(err)
		}
	}
	// An update that reports no change writes nothing.
	if _, err := m.Update(ctx, store.Key{Source: "s", ID: "z"}, func(t sla.Ticket) (sla.Ticket, bool, error) { return t, false, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, store.Key{Source: "s", ID: "z"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unchanged update stored a ticket: %v", err)
	}
	tests := []struct {
		before time.Time
		limit  int
		want   []string
	}{
		{t0.Add(59 * time.Minute), 10, nil},
		{t0.Add(60 * time.Minute), 10, []string{"a"}},
		{t0.Add(3 * time.Hour), 10, []string{"a", "b", "c"}},
		{t0.Add(3 * time.Hour), 2, []string{"a", "b"}},
	}
	for _, tt := range tests {
		keys, err := m.Due(ctx, tt.before, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range keys {
			got = append(got, k.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Due(%s, %d) = %v, want %v", tt.before.Format("15:04"), tt.limit, got, tt.want)
		}
	}
}
