// Package event defines the canonical helpdesk event that every provider
// adapter produces and the SLA engine consumes.
//
// Adapters translate vendor payloads into Events; nothing downstream of an
// adapter knows which helpdesk an event came from except through Source.
package event

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Kind says what happened to a ticket.
type Kind string

const (
	TicketCreated   Kind = "ticket_created"
	CustomerMessage Kind = "customer_message"
	AgentReply      Kind = "agent_reply" // a reply to the customer; counts only if public and by a human agent
	InternalNote    Kind = "internal_note"
	StatusChanged   Kind = "status_changed"
	PriorityChanged Kind = "priority_changed"
	TagsChanged     Kind = "tags_changed"
)

var kinds = []Kind{TicketCreated, CustomerMessage, AgentReply, InternalNote, StatusChanged, PriorityChanged, TagsChanged}

// Channel is the medium the customer used.
type Channel string

const (
	Email     Channel = "email"
	Web       Channel = "web"
	Chat      Channel = "chat"
	Messaging Channel = "messaging"
	Social    Channel = "social"
	Phone     Channel = "phone"
	SMS       Channel = "sms"
	API       Channel = "api"
)

var channels = []Channel{Email, Web, Chat, Messaging, Social, Phone, SMS, API}

// RealTime reports whether customers on the channel expect an answer within
// the hour rather than the day.
func (c Channel) RealTime() bool {
	switch c {
	case Chat, Messaging, Social, Phone, SMS:
		return true
	}
	return false
}

// Priority is the ticket's priority; the zero value means "not stated".
type Priority string

const (
	Low    Priority = "low"
	Normal Priority = "normal"
	High   Priority = "high"
	Urgent Priority = "urgent"
)

var priorities = []Priority{Low, Normal, High, Urgent}

// Role is who wrote a message or made a change.
type Role string

const (
	Customer Role = "customer"
	Agent    Role = "agent"
	Bot      Role = "bot" // bots, automations, triggers, macros run by the system
)

var roles = []Role{Customer, Agent, Bot}

// Status is the helpdesk's ticket status, normalised.
type Status string

const (
	New     Status = "new"
	Open    Status = "open"
	Pending Status = "pending" // waiting on the customer
	OnHold  Status = "on_hold" // waiting on a third party
	Solved  Status = "solved"
	Closed  Status = "closed"
)

var statuses = []Status{New, Open, Pending, OnHold, Solved, Closed}

// Done reports whether the status stops SLA clocks.
func (s Status) Done() bool { return s == Solved || s == Closed }

// Paused reports whether the status pauses the next-reply clock.
func (s Status) Paused() bool { return s == Pending || s == OnHold }

// Event is one normalised helpdesk event.
type Event struct {
	Source     string    `json:"source"`    // configured source name, e.g. "zendesk" or "zendesk-eu"
	TicketID   string    `json:"ticket_id"` // the helpdesk's ticket id, unique within Source
	ID         string    `json:"event_id"`  // de-duplication key, unique within Source
	Kind       Kind      `json:"kind"`
	OccurredAt time.Time `json:"occurred_at"`

	// Ticket attributes as of this event; empty means "unchanged/unknown".
	Channel  Channel  `json:"channel,omitempty"`
	Priority Priority `json:"priority,omitempty"`
	Status   Status   `json:"status,omitempty"`
	Tags     []string `json:"tags,omitempty"` // nil: unchanged; the full tag set otherwise

	Author Role `json:"author,omitempty"`
	Public bool `json:"public,omitempty"`
	// Acknowledgement marks slawatch's own auto-acknowledgement echoed back by
	// the helpdesk; it never counts as a response.
	Acknowledgement bool `json:"acknowledgement,omitempty"`
	// CustomerZone is the customer's IANA time zone when the helpdesk knows
	// it ("Europe/Paris"): promises are then said in the customer's time.
	CustomerZone string `json:"customer_zone,omitempty"`
}

// CountsAsResponse reports whether the event answers the customer: a public
// reply by a human agent that is not slawatch's own acknowledgement.
func (e Event) CountsAsResponse() bool {
	return e.Kind == AgentReply && e.Public && e.Author == Agent && !e.Acknowledgement
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid event")

// Validate checks that the event is complete and its enumerations known.
// Errors name the JSON field.
func (e Event) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	switch {
	case e.Source == "":
		return bad("source", "required")
	case e.TicketID == "":
		return bad("ticket_id", "required")
	case e.ID == "":
		return bad("event_id", "required")
	case e.OccurredAt.IsZero():
		return bad("occurred_at", "required")
	case !slices.Contains(kinds, e.Kind):
		return bad("kind", "unknown kind %q (want one of %v)", e.Kind, kinds)
	case e.Channel != "" && !slices.Contains(channels, e.Channel):
		return bad("channel", "unknown channel %q (want one of %v)", e.Channel, channels)
	case e.Priority != "" && !slices.Contains(priorities, e.Priority):
		return bad("priority", "unknown priority %q (want one of %v)", e.Priority, priorities)
	case e.Status != "" && !slices.Contains(statuses, e.Status):
		return bad("status", "unknown status %q (want one of %v)", e.Status, statuses)
	case e.Author != "" && !slices.Contains(roles, e.Author):
		return bad("author", "unknown author role %q (want one of %v)", e.Author, roles)
	case e.CustomerZone != "" && !validZone(e.CustomerZone):
		return bad("customer_zone", "unknown time zone %q", e.CustomerZone)
	case e.Kind == StatusChanged && e.Status == "":
		return bad("status", "required for kind %s", e.Kind)
	case e.Kind == PriorityChanged && e.Priority == "":
		return bad("priority", "required for kind %s", e.Kind)
	case e.Kind == AgentReply && e.Author == "":
		return bad("author", "required for kind %s", e.Kind)
	}
	return nil
}

// ParseChannel returns the channel named s, or "" and false.
func ParseChannel(s string) (Channel, bool) {
	if c := Channel(s); slices.Contains(channels, c) {
		return c, true
	}
	return "", false
}

// ParsePriority returns the priority named s, or "" and false.
func ParsePriority(s string) (Priority, bool) {
	if p := Priority(s); slices.Contains(priorities, p) {
		return p, true
	}
	return "", false
}

// Channels lists every channel.
func Channels() []Channel { return slices.Clone(channels) }

// Priorities lists every priority, lowest first.
func Priorities() []Priority { return slices.Clone(priorities) }

// validZone reports whether name is a loadable IANA zone other than the
// machine's Local.
func validZone(name string) bool {
	if name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
