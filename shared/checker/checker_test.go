package checker_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

type recorder struct {
	mu     sync.Mutex
	alerts []notify.Alert
}

func (r *recorder) Notify(_ context.Context, a notify.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.alerts {
		out = append(out, a.Kind)
	}
	r.alerts = nil
	return out
}

const cfg = `
policies:
  - name: chat
    first_response: {within: 1h}
    warnings: [15m]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: lead}
`

func TestCheckerSendsEachAlertOnceAtItsTime(t *testing.T) {
	c, err := policy.Parse([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tickets := store.NewMemory()
	svc := &intake.Service{Policies: c, Tickets: tickets}
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	_, err = svc.Ingest(ctx, []event.Event{{Source: "s", TicketID: "1", ID: "c", Kind: event.TicketCreated, OccurredAt: start, Author: event.Customer}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	now := start
	chk := &checker.Checker{Tickets: tickets, Notifier: rec, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// Due 10:00; warning 15m before (09:45); breach and level 1 at 10:00;
	// level 2 at 10:30.
	steps := []struct {
		at   string
		want []string
	}{
		{"09:44:59", nil},
		{"09:45:00", []string{"sla.warning"}},
		{"09:50:00", nil}, // not again
		{"10:00:00", []string{"sla.breach", "sla.escalation"}},
		{"10:00:00", nil}, // an overlapping run sends nothing more
		{"10:29:00", nil},
		{"10:31:00", []string{"sla.escalation"}},
		{"12:00:00", nil},
	}
	for _, s := range steps {
		hms, _ := time.Parse(time.TimeOnly, s.at)
		now = start.Add(time.Duration(hms.Hour()-9)*time.Hour + time.Duration(hms.Minute())*time.Minute + time.Duration(hms.Second())*time.Second)
		if _, err := chk.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rec.kinds(); !equal(got, s.want) {
			t.Errorf("at %s: sent %v, want %v", s.at, got, s.want)
		}
	}
}

func TestReplyCancelsPendingAlerts(t *testing.T) {
	c, _ := policy.Parse([]byte(cfg))
	ctx := context.Background()
	tickets := store.NewMemory()
	svc := &intake.Service{Policies: c, Tickets: tickets}
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	_, err := svc.Ingest(ctx, []event.Event{
		{Source: "s", TicketID: "1", ID: "c", Kind: event.TicketCreated, OccurredAt: start, Author: event.Customer},
		{Source: "s", TicketID: "1", ID: "r", Kind: event.AgentReply, OccurredAt: start.Add(20 * time.Minute), Author: event.Agent, Public: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	chk := &checker.Checker{Tickets: tickets, Notifier: rec, Now: func() time.Time { return start.Add(5 * time.Hour) }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := chk.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.kinds(); len(got) != 0 {
		t.Errorf("answered ticket raised %v", got)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
