package sla_test

import (
	"fmt"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
)

func ExampleApply() {
	cfg, err := policy.Parse([]byte(`
policies:
  - name: chat
    first_response: {within: 1h}
`))
	if err != nil {
		panic(err)
	}
	at := func(hhmm string) time.Time {
		t, _ := time.Parse(time.DateTime, "2026-11-23 "+hhmm+":00")
		return t
	}
	t := sla.New("generic", "42")
	// Delivered out of order: the reply arrives before the ticket it answers.
	for _, ev := range []event.Event{
		{Source: "generic", TicketID: "42", ID: "reply", Kind: event.AgentReply, OccurredAt: at("09:40"), Author: event.Agent, Public: true},
		{Source: "generic", TicketID: "42", ID: "created", Kind: event.TicketCreated, OccurredAt: at("09:00"), Author: event.Customer},
		{Source: "generic", TicketID: "42", ID: "created", Kind: event.TicketCreated, OccurredAt: at("09:00"), Author: event.Customer},
	} {
		var changed bool
		t, changed, _ = sla.Apply(cfg, t, ev)
		fmt.Println(ev.ID, "changed:", changed)
	}
	fr := t.FirstResponse
	fmt.Println("due", fr.DueAt.Format("15:04"), "answered", fr.RespondedAt.Format("15:04"), "breached", fr.Breached(at("12:00")))
	// Output:
	// reply changed: true
	// created changed: true
	// created changed: false
	// due 10:00 answered 09:40 breached false
}
