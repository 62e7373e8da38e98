package intake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

func TestOnCallAcknowledge(t *testing.T) {
	ctx := context.Background()
	cfg := policy.Default() // standard: email, 24h, escalation at 0s and 4h
	mem := store.NewMemory()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	created := event.Event{Source: "zendesk", TicketID: "gh/x#1", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Channel: event.Email, Author: event.Customer}
	if _, err := mem.Update(ctx, store.Key{Source: "zendesk", ID: "gh/x#1"}, "c", func(tk sla.Ticket) (sla.Ticket, bool, error) {
		return sla.Apply(cfg, tk, created)
	}); err != nil {
		t.Fatal(err)
	}
	o := &intake.OnCall{Policies: cfg, Tickets: mem}
	jo := sla.OnCallAck{By: "jo", Via: "pagerduty", At: t0.Add(25 * time.Hour)}
	key := "slawatch/zendesk/gh/x#1/first_response/0"

	changed, err := o.Acknowledge(ctx, key, jo)
	if err != nil || !changed {
		t.Fatalf("first acknowledgement: %v, %v", changed, err)
	}
	tk, _ := mem.Get(ctx, store.Key{Source: "zendesk", ID: "gh/x#1"})
	if tk.OnCall["first_response/0"] != jo {
		t.Errorf("stored: %+v", tk.OnCall)
	}
	for _, a := range tk.Pending {
		if a.Kind == sla.Escalation {
			t.Errorf("an escalation is still planned: %+v", a)
		}
	}
	if changed, err := o.Acknowledge(ctx, key, jo); err != nil || changed {
		t.Errorf("repeat: %v, %v; want unchanged", changed, err)
	}
	for _, bad := range []string{
		"slawatch/zendesk/nope/first_response/0", // no such ticket
		"slawatch/zendesk/gh/x#1/next_reply/4",   // no such cycle
		"slawatch/digest/support",
		"nonsense",
	} {
		if _, err := o.Acknowledge(ctx, bad, jo); !errors.Is(err, intake.ErrUnknownIncident) {
			t.Errorf("%s: %v, want ErrUnknownIncident", bad, err)
		}
	}
	if _, err := mem.Get(ctx, store.Key{Source: "zendesk", ID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acknowledging an unknown ticket stored one: %v", err)
	}
}
