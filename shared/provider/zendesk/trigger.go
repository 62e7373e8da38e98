package zendesk

import (
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// triggerBody is the JSON body slawatch recommends for trigger and
// automation webhooks (docs/helpdesks/zendesk.md). Placeholders render as
// plain text, so every value is read leniently; "event" is a literal the
// admin types per trigger, because the trigger's conditions — not any
// placeholder — say what happened.
type triggerBody struct {
	Event     string        `json:"event"`
	TicketID  provider.Text `json:"ticket_id"`
	Status    string        `json:"status"`
	Priority  string        `json:"priority"`
	Via       string        `json:"via"`
	Tags      tagList       `json:"tags"`
	ActorID   provider.Text `json:"actor_id"`
	ActorRole string        `json:"actor_role"`
	Time      string        `json:"time"`
	// Public is a literal on the ticket_created triggers (one with the
	// condition "Comment is Public", one with "Comment is Private").
	Public flexBool `json:"public"`
	// Comment is optional ({{ticket.latest_comment}}), only to recognise
	// slawatch's acknowledgement marker.
	Comment string `json:"comment"`
	// The customer, optional: {{ticket.organization.id}},
	// {{ticket.organization.name}} and {{ticket.requester.email}}, of which
	// only the domain is kept.
	OrganizationID provider.Text `json:"organization_id"`
	Organization   string        `json:"organization"`
	RequesterEmail string        `json:"requester_email"`
}

// Trigger event literals. Aliases accept the canonical kind names too.
var triggerKinds = map[string]event.Kind{
	"ticket_created":     event.TicketCreated,
	"customer_message":   event.CustomerMessage,
	"agent_public_reply": event.AgentReply,
	"agent_reply":        event.AgentReply,
	"bot_reply":          event.AgentReply,
	"internal_note":      event.InternalNote,
	"status_changed":     event.StatusChanged,
	"priority_changed":   event.PriorityChanged,
	"tags_changed":       event.TagsChanged,
}

func parseTrigger(r provider.Request, s provider.Settings) (provider.Result, error) {
	var b triggerBody
	if err := provider.DecodeJSON(r.Body, &b, false); err != nil {
		return provider.Result{}, err
	}
	name := key(b.Event)
	kind, ok := triggerKinds[name]
	if !ok {
		if name == "" {
			return provider.Result{}, provider.Missing("event")
		}
		return provider.Ignore("zendesk trigger event %q is not tracked", b.Event), nil
	}
	ticket := string(b.TicketID)
	if ticket == "" {
		return provider.Result{}, provider.Missing("ticket_id")
	}
	occurred, err := triggerTime(r, b.Time)
	if err != nil {
		return provider.Result{}, err
	}
	e := event.Event{
		Source:     s.Source,
		TicketID:   ticket,
		ID:         triggerID(r, &b, name, occurred.Format("2006-01-02T15:04:05.999999999Z")),
		Kind:       kind,
		OccurredAt: occurred,
		Channel:    channel(b.Via),
		Priority:   priority(b.Priority),
		Tags:       b.Tags,
	}
	provider.SetCustomer(&e, string(b.OrganizationID), b.Organization, b.RequesterEmail)
	actor := string(b.ActorID)
	role := roleOf(actor, b.ActorRole)
	switch name {
	case "ticket_created":
		e.Status = status(b.Status)
		if role == event.Agent {
			// Without the literal the comment's visibility is unknown; a
			// private creation keeps the first-response clock, as
			// Zendesk's own metric does for agent-created tickets.
			e.Author, e.Public = event.Agent, b.Public.Value
		} else {
			e.Author, e.Public = event.Customer, !b.Public.Set || b.Public.Value
		}
	case "customer_message":
		e.Author, e.Public = event.Customer, true
	case "agent_public_reply", "agent_reply", "bot_reply":
		// The trigger's conditions say a staff member replied publicly;
		// only Zendesk itself or an explicit bot trigger makes it a bot.
		e.Author, e.Public = event.Agent, true
		if name == "bot_reply" || role == event.Bot {
			e.Author = event.Bot
		}
		e.Acknowledgement = provider.IsAck(s, actor, b.Comment)
	case "internal_note":
		e.Author = event.Agent
		if role != "" {
			e.Author = role
		}
	case "status_changed":
		if e.Status = status(b.Status); e.Status == "" {
			return provider.Ignore("zendesk status %q is not a status slawatch knows", b.Status), nil
		}
	case "priority_changed":
		if e.Priority == "" {
			if !priorityCleared(b.Priority) {
				return provider.Ignore("zendesk priority %q is not a priority slawatch knows", b.Priority), nil
			}
			e.Priority = event.Normal // no priority is normal to slawatch
		}
	case "tags_changed":
		if e.Tags == nil {
			return provider.Result{}, provider.Missing("tags")
		}
	}
	return one(e)
}

// triggerTime is the rendered {{ticket.updated_at_with_timestamp}}, the
// time of the update that fired the trigger. If the body has none, the
// signed timestamp header — when Zendesk sent it, seconds after a trigger
// fires — is the closest thing to an event time Zendesk gives.
func triggerTime(r provider.Request, rendered string) (time.Time, error) {
	if strings.TrimSpace(rendered) != "" {
		return parseTime("time", rendered)
	}
	if h := r.Header.Get(TimestampHeader); h != "" {
		return parseTime(TimestampHeader, h)
	}
	return parseTime("time", rendered)
}

// triggerID is the idempotency key: Zendesk's invocation id, the same on
// every retry of one trigger firing, qualified by ticket and event in case
// an invocation is ever shared. Without the header (an insecure source, a
// manual test) the key is synthesized from the rendered values.
func triggerID(r provider.Request, b *triggerBody, name, at string) string {
	if inv := strings.TrimSpace(r.Header.Get(InvocationHeader)); inv != "" {
		return "inv-" + inv + "-" + string(b.TicketID) + "-" + name
	}
	return provider.SynthID("zendesk-trigger", string(b.TicketID), name, at, string(b.ActorID),
		key(b.Status), key(b.Priority), key(b.Via), strings.Join(b.Tags, " "))
}

// roleOf reads {{current_user.role}} ("End-user", "Agent", "Admin", or a
// custom role's name): end users are customers, Zendesk's system user and
// anything calling itself a bot are bots, everyone else is staff. "" when
// the placeholder rendered nothing.
func roleOf(actorID, role string) event.Role {
	if actorID == systemUserID {
		return event.Bot
	}
	switch k := key(role); k {
	case "":
		return ""
	case "end_user", "enduser", "end_users", "customer", "user":
		return event.Customer
	case "system", "bot", "ai_agent":
		return event.Bot
	}
	return event.Agent
}
