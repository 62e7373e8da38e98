package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// wire is one element of HubSpot's event array. Every scalar is a text so
// that an id sent as a number or as a string decodes the same way: HubSpot
// documents numbers, some integrations see strings, and a 4xx for a type
// quibble would make HubSpot drop the batch for good.
type wire struct {
	EventID          provider.Text `json:"eventId"`
	OccurredAt       provider.Text `json:"occurredAt"`
	SubscriptionType provider.Text `json:"subscriptionType"`
	ObjectID         provider.Text `json:"objectId"`
	ObjectTypeID     provider.Text `json:"objectTypeId"`
	PropertyName     provider.Text `json:"propertyName"`
	PropertyValue    provider.Text `json:"propertyValue"`
	SourceID         provider.Text `json:"sourceId"`
	MessageType      provider.Text `json:"messageType"`
}

// Parse reads HubSpot's event array. Events slawatch does not track are
// skipped; if none is tracked, the request is ignored.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	body := bytes.TrimSpace(r.Body)
	if len(body) > 0 && body[0] != '[' {
		return provider.Result{}, &provider.ParseError{Field: "(body)", Err: errors.New("want a JSON array of HubSpot events")}
	}
	var raws []json.RawMessage
	if err := provider.DecodeJSON(body, &raws, false); err != nil {
		return provider.Result{}, err
	}
	if len(raws) == 0 {
		return provider.Ignore("no events in the batch"), nil
	}
	stages, err := stageMap(r.URL)
	if err != nil {
		return provider.Result{}, err
	}
	var res provider.Result
	var skipped []string
	for i, raw := range raws {
		e, skip, err := parseOne(raw, i, stages, s)
		switch {
		case err != nil:
			return provider.Result{}, err
		case skip != "":
			if !slices.Contains(skipped, skip) {
				skipped = append(skipped, skip)
			}
		default:
			res.Events = append(res.Events, e)
		}
	}
	if len(res.Events) == 0 {
		return provider.Ignore("%s", strings.Join(skipped, "; ")), nil
	}
	return res, nil
}

// parseOne maps the i-th event of the batch. It returns a non-empty skip
// reason for an event slawatch does not track.
func parseOne(raw json.RawMessage, i int, stages map[string]event.Status, s provider.Settings) (event.Event, string, error) {
	at := func(field string) string { return fmt.Sprintf("[%d].%s", i, field) }
	var w wire
	if err := provider.DecodeJSON(raw, &w, false); err != nil {
		var pe *provider.ParseError
		if errors.As(err, &pe) {
			if pe.Field == "" || pe.Field == "(body)" {
				pe.Field = fmt.Sprintf("[%d]", i)
			} else {
				pe.Field = at(pe.Field)
			}
		}
		return event.Event{}, "", err
	}

	typ, prop := string(w.SubscriptionType), string(w.PropertyName)
	if rest, ok := strings.CutPrefix(typ, "object."); ok && w.ObjectTypeID == ticketObjectType {
		// The generic ("object.*") subscription format names the object
		// type in objectTypeId; the events are the same.
		typ = "ticket." + rest
	}
	e := event.Event{Source: s.Source}
	occurredField := "occurredAt"
	switch typ {
	case "":
		return event.Event{}, "", provider.Missing(at("subscriptionType"))
	case "ticket.creation", "conversation.creation":
		e.Kind = event.TicketCreated
	case "conversation.newMessage":
		switch w.MessageType {
		case "COMMENT":
			e.Kind, e.Author = event.InternalNote, event.Agent
		case "WELCOME_MESSAGE":
			// The chat widget's automatic greeting: never a response.
			e.Kind, e.Author, e.Public = event.AgentReply, event.Bot, true
		case "MESSAGE":
			return event.Event{}, "conversation.newMessage MESSAGE is not tracked (the webhook does not say who wrote it; " +
				"subscribe to the ticket reply-date properties instead)", nil
		default:
			return event.Event{}, fmt.Sprintf("conversation.newMessage %s is not tracked", quoteOr(string(w.MessageType), "without messageType")), nil
		}
	case "ticket.propertyChange":
		val := strings.TrimSpace(string(w.PropertyValue))
		switch prop {
		case "hs_pipeline_stage":
			st, ok := stages[val]
			if !ok {
				return event.Event{}, fmt.Sprintf("hs_pipeline_stage %q is not a mapped stage (HubSpot's default pipeline uses 1-4; "+
					"map others with the webhook URL's stages parameter)", val), nil
			}
			e.Kind, e.Status = event.StatusChanged, st
		case "hs_ticket_priority":
			p, ok := priorities[strings.ToUpper(val)]
			if !ok {
				return event.Event{}, fmt.Sprintf("hs_ticket_priority %q is not a known priority", val), nil
			}
			e.Kind, e.Priority = event.PriorityChanged, p
		case "source_type":
			ch, ok := channels[strings.ToUpper(val)]
			if !ok {
				return event.Event{}, fmt.Sprintf("source_type %q is not a known channel", val), nil
			}
			// slawatch has no "attributes changed" kind: a tag change with
			// Tags nil (tags unchanged) carries the channel alone.
			e.Kind, e.Channel = event.TagsChanged, ch
		case "hs_first_agent_message_sent_at", "first_agent_reply_date", "hs_last_message_sent_at":
			if val == "" {
				return event.Event{}, prop + " was cleared", nil
			}
			e.Kind, e.Author, e.Public = event.AgentReply, event.Agent, true
			e.Acknowledgement = provider.IsAck(s, string(w.SourceID), "")
			occurredField = "propertyValue"
		case "hs_last_message_received_at":
			if val == "" {
				return event.Event{}, prop + " was cleared", nil
			}
			e.Kind, e.Author = event.CustomerMessage, event.Customer
			occurredField = "propertyValue"
		case "":
			return event.Event{}, "", provider.Missing(at("propertyName"))
		default:
			return event.Event{}, fmt.Sprintf("ticket.propertyChange of %s is not tracked", prop), nil
		}
	default:
		if w.ObjectTypeID != "" {
			return event.Event{}, fmt.Sprintf("%s of objectTypeId %s is not tracked", typ, w.ObjectTypeID), nil
		}
		return event.Event{}, typ + " is not tracked", nil
	}

	if e.ID = string(w.EventID); e.ID == "" {
		return event.Event{}, "", provider.Missing(at("eventId"))
	}
	if e.TicketID = string(w.ObjectID); e.TicketID == "" {
		return event.Event{}, "", provider.Missing(at("objectId"))
	}
	var err error
	if occurredField == "propertyValue" {
		// The reply-date properties hold when the message was sent; the
		// property change itself can be recorded a little later.
		e.OccurredAt, err = propertyTime(at("propertyValue"), strings.TrimSpace(string(w.PropertyValue)))
	} else {
		e.OccurredAt, err = millis(at("occurredAt"), string(w.OccurredAt))
	}
	if err != nil {
		return event.Event{}, "", err
	}
	return e, "", nil
}

// ticketObjectType is the objectTypeId of tickets in the generic
// subscription format.
const ticketObjectType = "0-5"

// priorities maps hs_ticket_priority's internal values. A cleared priority
// is "normal", which is what slawatch assumes for a ticket without one.
var priorities = map[string]event.Priority{
	"LOW": event.Low, "MEDIUM": event.Normal, "HIGH": event.High, "URGENT": event.Urgent, "": event.Normal,
}

// channels maps source_type ("Source") values.
var channels = map[string]event.Channel{
	"EMAIL": event.Email, "CHAT": event.Chat, "FORM": event.Web, "PHONE": event.Phone,
}

// defaultStages is HubSpot's default support pipeline ("0"): New, Waiting on
// contact, Waiting on us, Closed.
var defaultStages = map[string]event.Status{
	"1": event.New, "2": event.Pending, "3": event.Open, "4": event.Closed,
}

// stageMap returns the default stages plus those mapped in the webhook
// URL's query, stages=<stage id>:<status>,... — the one place a HubSpot
// source can carry settings, since stage ids of custom pipelines differ in
// every portal.
func stageMap(rawURL string) (map[string]event.Status, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return defaultStages, nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || !q.Has("stages") {
		return defaultStages, nil
	}
	m := make(map[string]event.Status, len(defaultStages))
	for k, v := range defaultStages {
		m[k] = v
	}
	for _, list := range q["stages"] {
		for pair := range strings.SplitSeq(list, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			id, name, ok := strings.Cut(pair, ":")
			st := event.Status(strings.ToLower(strings.TrimSpace(name)))
			if id = strings.TrimSpace(id); !ok || id == "" || !slices.Contains(statuses, st) {
				return nil, provider.Errorf("stages", "%q in the webhook URL is not <stage id>:<status> with a status among %v", pair, statuses)
			}
			m[id] = st
		}
	}
	return m, nil
}

var statuses = []event.Status{event.New, event.Open, event.Pending, event.OnHold, event.Solved, event.Closed}

// millis reads HubSpot's Unix-milliseconds times.
func millis(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, provider.Missing(field)
	}
	t, err := provider.UnixMillis(field, json.Number(v))
	if err == nil && t.Year() > 9999 {
		// A time JSON cannot hold would fail when the ticket is stored.
		return time.Time{}, provider.Errorf(field, "%q is not a plausible Unix time in milliseconds", v)
	}
	return t, err
}

// propertyTime reads a datetime property's value: Unix milliseconds, as
// HubSpot stores them, or RFC 3339 to be safe.
func propertyTime(field, v string) (time.Time, error) {
	if v != "" && strings.Trim(v, "0123456789") == "" {
		return millis(field, v)
	}
	return provider.ParseTime(field, v)
}

func quoteOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return fmt.Sprintf("%q", s)
}
