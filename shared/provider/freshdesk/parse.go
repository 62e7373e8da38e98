package freshdesk

import (
	"errors"
	"strings"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// wrapper is the recommended body's outer object. A body without it is
// read as the inner object itself, for admins who drop the wrapper.
type wrapper struct {
	FreshdeskWebhook *body `json:"freshdesk_webhook"`
}

// body is one rule's webhook content. Placeholders render as text, so
// codes and names arrive as strings (or numbers when left unquoted).
type body struct {
	Event          string        `json:"event"`
	TicketID       provider.Text `json:"ticket_id"`
	TicketStatus   provider.Text `json:"ticket_status"`
	TicketPriority provider.Text `json:"ticket_priority"`
	TicketSource   provider.Text `json:"ticket_source"`
	TicketTags     tagList       `json:"ticket_tags"`
	UpdatedAt      string        `json:"ticket_updated_at"`
	TriggeredEvent string        `json:"triggered_event"`
	// Comment is optional ({{ticket.latest_public_comment}}), only to
	// recognise slawatch's acknowledgement marker: Freshdesk has no
	// placeholder for who performed the update.
	Comment string `json:"comment"`
	// The customer, optional: {{ticket.company.id}}, {{ticket.company.name}}
	// and {{ticket.requester.email}}, of which only the domain is kept.
	// requester_email is the name Zulip's Freshdesk integration uses too.
	CompanyID      provider.Text `json:"ticket_company_id"`
	CompanyName    string        `json:"ticket_company_name"`
	RequesterEmail string        `json:"requester_email"`
}

// Rule event literals and what they mean. A public note counts as a
// response, as in Freshdesk's own first-response metric.
var kinds = map[string]event.Kind{
	"ticket_created":   event.TicketCreated,
	"customer_reply":   event.CustomerMessage,
	"customer_message": event.CustomerMessage,
	"agent_reply":      event.AgentReply,
	"public_note":      event.AgentReply,
	"bot_reply":        event.AgentReply,
	"private_note":     event.InternalNote,
	"internal_note":    event.InternalNote,
	"status_changed":   event.StatusChanged,
	"priority_changed": event.PriorityChanged,
	"tags_changed":     event.TagsChanged,
}

// Parse maps one rule's webhook onto a canonical event.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	var w wrapper
	if err := provider.DecodeJSON(r.Body, &w, false); err != nil {
		return provider.Result{}, err
	}
	b, prefix := w.FreshdeskWebhook, "freshdesk_webhook."
	if b == nil {
		b, prefix = new(body), ""
		if err := provider.DecodeJSON(r.Body, b, false); err != nil {
			return provider.Result{}, err
		}
	}
	return parse(b, prefix, s)
}

func parse(b *body, prefix string, s provider.Settings) (provider.Result, error) {
	name := key(b.Event)
	if name == "" {
		var err error
		if name, err = fromTriggeredEvent(b.TriggeredEvent, prefix); err != nil {
			return provider.Result{}, err
		}
	}
	kind, ok := kinds[name]
	if !ok {
		return provider.Ignore("freshdesk event %q is not tracked", name), nil
	}
	ticket := string(b.TicketID)
	if ticket == "" {
		return provider.Result{}, provider.Missing(prefix + "ticket_id")
	}
	occurred, err := parseTime(prefix+"ticket_updated_at", b.UpdatedAt)
	if err != nil {
		return provider.Result{}, err
	}
	ch, outbound := source(string(b.TicketSource))
	e := event.Event{
		Source:     s.Source,
		TicketID:   ticket,
		ID:         synthID(b, name, occurred.Format("2006-01-02T15:04:05.999999999Z")),
		Kind:       kind,
		OccurredAt: occurred,
		Channel:    ch,
		Priority:   priority(string(b.TicketPriority)),
		Tags:       b.TicketTags,
	}
	provider.SetCustomer(&e, string(b.CompanyID), b.CompanyName, b.RequesterEmail)
	switch name {
	case "ticket_created":
		// An outbound email is a ticket an agent started with a message
		// the customer received: no first-response clock.
		e.Status = status(string(b.TicketStatus))
		e.Author, e.Public = event.Customer, true
		if outbound {
			e.Author = event.Agent
		}
	case "customer_reply", "customer_message":
		e.Author, e.Public = event.Customer, true
	case "agent_reply", "public_note", "bot_reply":
		e.Author, e.Public = event.Agent, true
		if name == "bot_reply" {
			e.Author = event.Bot
		}
		e.Acknowledgement = provider.IsAck(s, "", b.Comment)
	case "private_note", "internal_note":
		e.Author = event.Agent
	case "status_changed":
		if e.Status = status(string(b.TicketStatus)); e.Status == "" {
			// Custom statuses differ per account; leaving the status
			// untouched beats guessing whether it pauses the clock.
			return provider.Ignore("freshdesk status %q is not one slawatch knows", string(b.TicketStatus)), nil
		}
	case "priority_changed":
		if e.Priority == "" {
			return provider.Ignore("freshdesk priority %q is not one slawatch knows", string(b.TicketPriority)), nil
		}
	case "tags_changed":
		if e.Tags == nil {
			return provider.Result{}, provider.Missing(prefix + "ticket_tags")
		}
	}
	return provider.Result{Events: []event.Event{e}}, nil
}

// fromTriggeredEvent reads Freshdesk's {{triggered_event}}, rendered as
// unquoted pseudo-JSON ({ticket_action:created}, {status:{from:4,to:6}},
// {priority:{from:3,to:1}}, {note_type:public}, {reply_sent:sent}), for
// rules without the literal "event". A reply cannot be attributed from it.
func fromTriggeredEvent(te, prefix string) (string, error) {
	inner := strings.TrimSpace(te)
	inner = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(inner, "{"), "}"))
	k, rest, _ := strings.Cut(inner, ":")
	rest = key(strings.Trim(rest, "{} "))
	switch key(k) {
	case "":
		return "", provider.Missing(prefix + "event")
	case "ticket_action":
		if rest == "created" {
			return "ticket_created", nil
		}
	case "status":
		return "status_changed", nil
	case "priority":
		return "priority_changed", nil
	case "note_type":
		if rest == "private" {
			return "private_note", nil
		}
		return "public_note", nil
	case "reply_sent":
		return "", &provider.ParseError{Field: prefix + "event",
			Err: errors.New(`required for "Reply is sent" rules: {{triggered_event}} does not say whether the customer or an agent replied`)}
	}
	return "triggered_event " + te, nil
}

// synthID stands in for the event id Freshdesk does not send. Every part
// is rendered once when the rule fires, so retries carry the same values
// and collapse into one event.
func synthID(b *body, name, at string) string {
	return provider.SynthID("freshdesk", string(b.TicketID), name, at, key(string(b.TicketStatus)),
		key(string(b.TicketPriority)), key(string(b.TicketSource)), strings.Join(b.TicketTags, ","),
		strings.TrimSpace(b.TriggeredEvent), strings.TrimSpace(b.Comment))
}
