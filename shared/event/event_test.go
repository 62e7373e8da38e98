package event_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

func valid() event.Event {
	return event.Event{Source: "s", TicketID: "1", ID: "e", Kind: event.CustomerMessage, OccurredAt: time.Unix(1, 0)}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*event.Event)
		field  string // "" when valid
	}{
		{"valid", func(*event.Event) {}, ""},
		{"no source", func(e *event.Event) { e.Source = "" }, "source"},
		{"no ticket", func(e *event.Event) { e.TicketID = "" }, "ticket_id"},
		{"no id", func(e *event.Event) { e.ID = "" }, "event_id"},
		{"no time", func(e *event.Event) { e.OccurredAt = time.Time{} }, "occurred_at"},
		{"unknown kind", func(e *event.Event) { e.Kind = "ticket_exploded" }, "kind"},
		{"unknown channel", func(e *event.Event) { e.Channel = "pigeon" }, "channel"},
		{"unknown priority", func(e *event.Event) { e.Priority = "critical" }, "priority"},
		{"unknown status", func(e *event.Event) { e.Status = "resolved" }, "status"},
		{"unknown author", func(e *event.Event) { e.Author = "robot" }, "author"},
		{"status change without status", func(e *event.Event) { e.Kind = event.StatusChanged }, "status"},
		{"priority change without priority", func(e *event.Event) { e.Kind = event.PriorityChanged }, "priority"},
		{"reply without author", func(e *event.Event) { e.Kind = event.AgentReply }, "author"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.mutate(&e)
			err := e.Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.field != "" && (!errors.Is(err, event.ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid event: "+tt.field+": ")):
				t.Errorf("Validate = %v, want an ErrInvalid naming %s", err, tt.field)
			}
		})
	}
}

func TestCountsAsResponse(t *testing.T) {
	reply := event.Event{Kind: event.AgentReply, Author: event.Agent, Public: true}
	tests := []struct {
		name   string
		mutate func(*event.Event)
		want   bool
	}{
		{"public agent reply", func(*event.Event) {}, true},
		{"private reply", func(e *event.Event) { e.Public = false }, false},
		{"bot reply", func(e *event.Event) { e.Author = event.Bot }, false},
		{"slawatch acknowledgement", func(e *event.Event) { e.Acknowledgement = true }, false},
		{"internal note", func(e *event.Event) { e.Kind = event.InternalNote }, false},
		{"customer message", func(e *event.Event) { e.Kind, e.Author = event.CustomerMessage, event.Customer }, false},
	}
	for _, tt := range tests {
		e := reply
		tt.mutate(&e)
		if got := e.CountsAsResponse(); got != tt.want {
			t.Errorf("%s: CountsAsResponse = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChannelClasses(t *testing.T) {
	for _, c := range event.Channels() {
		want := c == event.Chat || c == event.Messaging || c == event.Social || c == event.Phone || c == event.SMS
		if c.RealTime() != want {
			t.Errorf("%s.RealTime() = %v, want %v", c, c.RealTime(), want)
		}
	}
}

func TestParseUnknownGivesZero(t *testing.T) {
	if c, ok := event.ParseChannel("pigeon"); ok || c != "" {
		t.Errorf("ParseChannel(pigeon) = %q, %v", c, ok)
	}
	if p, ok := event.ParsePriority("P9"); ok || p != "" {
		t.Errorf("ParsePriority(P9) = %q, %v", p, ok)
	}
	if p, ok := event.ParsePriority("urgent"); !ok || p != event.Urgent {
		t.Errorf("ParsePriority(urgent) = %q, %v", p, ok)
	}
}
