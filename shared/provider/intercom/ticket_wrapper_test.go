package intercom_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// Intercom's ticket reply, note and state topics send data.item as
// {ticket, ticket_part}, not the ticket itself. These fixtures are built
// from the Ticket and Ticket Part examples of Intercom's API reference,
// wrapped as the webhook-models page and the integrations that read these
// topics describe (testdata/genuine/SOURCES.md, "Ticket topics"). Before the
// adapter read the wrapper, each was refused with "data.item.id: required",
// so an agent's reply on a ticket never stopped its clock.
func TestWrappedTicketTopics(t *testing.T) {
	// The part was written at 14:21:00; the notification was made a second
	// later. Events carried by a part take the part's time.
	part := time.Date(2022, 9, 19, 14, 21, 0, 0, time.UTC)
	notified := time.Date(2022, 9, 19, 14, 21, 1, 0, time.UTC)
	tests := []struct {
		file    string
		want    []event.Event
		counts  bool
		ignored string
	}{
		{file: "ticket_admin_replied.json", counts: true, want: []event.Event{{
			Source: source, TicketID: "1295", ID: "notif_0e6c1f30-3811-11ed-9c1a-0242ac120001", Kind: event.AgentReply,
			OccurredAt: part, Author: event.Agent, Public: true,
		}}},
		{file: "ticket_contact_replied.json", want: []event.Event{{
			Source: source, TicketID: "1295", ID: "notif_0e6c1f30-3811-11ed-9c1a-0242ac120002", Kind: event.CustomerMessage,
			OccurredAt: part, Author: event.Customer,
		}}},
		{file: "ticket_note_created_wrapped.json", want: []event.Event{{
			Source: source, TicketID: "1295", ID: "notif_0e6c1f30-3811-11ed-9c1a-0242ac120003", Kind: event.InternalNote,
			OccurredAt: part, Author: event.Agent,
		}}},
		// A state change carries no message: the notification's time, and
		// the state of the wrapped ticket.
		{file: "ticket_state_updated_wrapped.json", want: []event.Event{{
			Source: source, TicketID: "1295", ID: "notif_0e6c1f30-3811-11ed-9c1a-0242ac120004", Kind: event.StatusChanged,
			OccurredAt: notified, Status: event.Pending,
		}}},
		// The category is read from the wrapped ticket: a tracker ticket
		// stays filtered once its id is found.
		{file: "ticket_admin_replied_tracker.json", ignored: "ticket.admin.replied for a Tracker ticket is not tracked: no customer is waiting on it"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := parse(fixture(t, tt.file), provider.Settings{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			providertest.CheckResult(t, res, tt.want, tt.ignored, tt.counts)
		})
	}
}

// Errors in the wrapped shape name the field where it really is.
func TestWrappedTicketErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"no ticket id", edit(t, "ticket_admin_replied.json", func(m map[string]any) {
			delete(itemOf(m)["ticket"].(map[string]any), "id")
		}), "data.item.ticket.id"},
		{"part time not a time", edit(t, "ticket_admin_replied.json", func(m map[string]any) {
			itemOf(m)["ticket_part"].(map[string]any)["created_at"] = "soon"
		}), "data.item.ticket_part.created_at"},
		{"unknown state", edit(t, "ticket_state_updated_wrapped.json", func(m map[string]any) {
			itemOf(m)["ticket"].(map[string]any)["ticket_state"] = "exploded"
		}), "data.item.ticket.ticket_state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.body, provider.Settings{})
			pe, ok := err.(*provider.ParseError)
			if !ok {
				t.Fatalf("Parse error = %v, want a ParseError", err)
			}
			if pe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}
