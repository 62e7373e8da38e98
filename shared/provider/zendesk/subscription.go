package zendesk

import (
	"strings"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// Event-subscription types slawatch maps.
const (
	typeCreated         = eventTypePrefix + "ticket.created"
	typeCommentAdded    = eventTypePrefix + "ticket.comment_added"
	typeStatusChanged   = eventTypePrefix + "ticket.status_changed"
	typePriorityChanged = eventTypePrefix + "ticket.priority_changed"
	typeTagsChanged     = eventTypePrefix + "ticket.tags_changed"
	typeMessageAdded    = eventTypePrefix + "messaging_ticket.message_added"
)

// envelope is an event-subscription payload; E is the shape of its "event"
// object, which depends on the type. Decoding the whole body into one
// typed struct keeps full field paths ("event.comment.is_public") in errors.
type envelope[E any] struct {
	ID      provider.Text `json:"id"`
	Time    string        `json:"time"`
	Subject string        `json:"subject"`
	Detail  detail        `json:"detail"`
	Event   E             `json:"event"`
}

// detail is the ticket snapshot every ticket event carries. Ids are strings
// in current payloads but were numbers in older ones.
type detail struct {
	ID       provider.Text `json:"id"`
	Status   string        `json:"status"`
	Priority string        `json:"priority"`
	Via      struct {
		Channel string `json:"channel"`
	} `json:"via"`
	Tags        tagList       `json:"tags"`
	RequesterID provider.Text `json:"requester_id"`
	SubmitterID provider.Text `json:"submitter_id"`
	IsPublic    flexBool      `json:"is_public"`
	// OrganizationID is the requester's organization, null when none;
	// the snapshot names neither the organization nor the requester's
	// e-mail address.
	OrganizationID provider.Text `json:"organization_id"`
}

type commentEvent struct {
	Comment *struct {
		ID       provider.Text `json:"id"`
		Body     string        `json:"body"`
		IsPublic flexBool      `json:"is_public"`
		Author   struct {
			ID      provider.Text `json:"id"`
			IsStaff flexBool      `json:"is_staff"`
		} `json:"author"`
	} `json:"comment"`
}

// changeEvent is status_changed / priority_changed: the new and old value.
type changeEvent struct {
	Current  provider.Text `json:"current"`
	Previous provider.Text `json:"previous"`
}

type messageEvent struct {
	Actor *struct {
		ID   provider.Text `json:"id"`
		Type string        `json:"type"`
	} `json:"actor"`
	Message struct {
		ID   provider.Text `json:"id"`
		Body string        `json:"body"`
	} `json:"message"`
}

func parseSubscription(body []byte, typ string, s provider.Settings) (provider.Result, error) {
	switch typ {
	case typeCreated:
		return decodeAndMap(body, s, mapCreated)
	case typeCommentAdded:
		return decodeAndMap(body, s, mapComment)
	case typeStatusChanged:
		return decodeAndMap(body, s, mapStatus)
	case typePriorityChanged:
		return decodeAndMap(body, s, mapPriority)
	case typeTagsChanged:
		return decodeAndMap(body, s, mapTags)
	case typeMessageAdded:
		return decodeAndMap(body, s, mapMessage)
	}
	// Assignment, subject, custom-field, user and organisation events (and
	// comment_made_private: a reply cannot be un-sent) do not move SLA
	// clocks.
	return provider.Ignore("%s is not tracked", typ), nil
}

// mapper turns a decoded envelope and the base event (ids, time, snapshot
// attributes filled in) into the result.
type mapper[E any] func(env *envelope[E], e event.Event, s provider.Settings) (provider.Result, error)

func decodeAndMap[E any](body []byte, s provider.Settings, m mapper[E]) (provider.Result, error) {
	var env envelope[E]
	if err := provider.DecodeJSON(body, &env, false); err != nil {
		return provider.Result{}, err
	}
	e, err := base(&env.ID, env.Time, env.Subject, &env.Detail, s)
	if err != nil {
		return provider.Result{}, err
	}
	return m(&env, e, s)
}

// base fills what every subscription event shares: ids, the event's own
// time, and the snapshot's channel, priority and tags. Status is left to
// the mappers: a snapshot status on a comment would fight the explicit
// status-change events.
func base(id *provider.Text, at, subject string, d *detail, s provider.Settings) (event.Event, error) {
	ticket := string(d.ID)
	if ticket == "" {
		if id, ok := strings.CutPrefix(subject, "zen:ticket:"); ok && !strings.ContainsAny(id, ": ") {
			ticket = id
		}
	}
	if ticket == "" {
		return event.Event{}, provider.Missing("detail.id")
	}
	if *id == "" {
		return event.Event{}, provider.Missing("id")
	}
	occurred, err := parseTime("time", at)
	if err != nil {
		return event.Event{}, err
	}
	return event.Event{
		Source:     s.Source,
		TicketID:   ticket,
		ID:         string(*id),
		OccurredAt: occurred,
		Channel:    channel(d.Via.Channel),
		Priority:   priority(d.Priority),
		Tags:       d.Tags,
		// Not through SetCustomer: an id that could not be stored is
		// dropped below all the same.
		Organization: event.CustomerField("organization", string(d.OrganizationID)),
	}, nil
}

func one(e event.Event) (provider.Result, error) {
	return provider.Result{Events: []event.Event{e}}, nil
}

// mapCreated: a ticket an agent opened for someone else (the submitter is
// not the requester) is authored by the agent, public when its first
// comment is; slawatch then starts no first-response clock.
func mapCreated(env *envelope[struct{}], e event.Event, _ provider.Settings) (provider.Result, error) {
	d := &env.Detail
	e.Kind = event.TicketCreated
	e.Status = status(d.Status)
	if d.SubmitterID != "" && d.RequesterID != "" && d.SubmitterID != d.RequesterID {
		e.Author = event.Agent
		e.Public = d.IsPublic.Value
	} else {
		e.Author = event.Customer
		e.Public = !d.IsPublic.Set || d.IsPublic.Value
	}
	return one(e)
}

// mapComment sorts a comment by visibility and author: public + staff is an
// agent reply, public + end user a customer message, private a note.
func mapComment(env *envelope[commentEvent], e event.Event, s provider.Settings) (provider.Result, error) {
	c := env.Event.Comment
	if c == nil {
		return provider.Result{}, provider.Missing("event.comment")
	}
	if !c.IsPublic.Set {
		return provider.Result{}, provider.Missing("event.comment.is_public")
	}
	author := string(c.Author.ID)
	e.Public = c.IsPublic.Value
	switch {
	case author == systemUserID:
		e.Author = event.Bot
	case c.Author.IsStaff.Value:
		e.Author = event.Agent
	default:
		e.Author = event.Customer
	}
	switch {
	case !e.Public:
		e.Kind = event.InternalNote
	case e.Author == event.Customer:
		e.Kind = event.CustomerMessage
	default:
		e.Kind = event.AgentReply
		e.Acknowledgement = provider.IsAck(s, author, c.Body)
	}
	return one(e)
}

func mapStatus(env *envelope[changeEvent], e event.Event, _ provider.Settings) (provider.Result, error) {
	e.Kind = event.StatusChanged
	e.Status = status(string(env.Event.Current))
	if e.Status == "" {
		return provider.Ignore("%s to %q is not a status slawatch knows", typeStatusChanged, string(env.Event.Current)), nil
	}
	return one(e)
}

// mapPriority: a removed priority is "normal" to slawatch, which treats
// tickets without one as normal.
func mapPriority(env *envelope[changeEvent], e event.Event, _ provider.Settings) (provider.Result, error) {
	e.Kind = event.PriorityChanged
	cur := string(env.Event.Current)
	switch {
	case priority(cur) != "":
		e.Priority = priority(cur)
	case priorityCleared(cur):
		e.Priority = event.Normal
	default:
		return provider.Ignore("%s to %q is not a priority slawatch knows", typePriorityChanged, cur), nil
	}
	return one(e)
}

// mapTags needs the full tag set, which the snapshot carries; the event's
// own tags_added/tags_removed are a diff against a state slawatch may not
// have seen in order.
func mapTags(_ *envelope[struct{}], e event.Event, _ provider.Settings) (provider.Result, error) {
	if e.Tags == nil {
		return provider.Ignore("%s without detail.tags is not tracked", typeTagsChanged), nil
	}
	e.Kind = event.TagsChanged
	return one(e)
}

// mapMessage maps messaging (Sunshine Conversations) messages: the actor
// type says who wrote it; triggers and the system (bots, AI agents) are
// bots. The snapshot is skinny here, so a missing via means messaging.
func mapMessage(env *envelope[messageEvent], e event.Event, s provider.Settings) (provider.Result, error) {
	a := env.Event.Actor
	if a == nil {
		return provider.Result{}, provider.Missing("event.actor")
	}
	if e.Channel == "" {
		e.Channel = event.Messaging
	}
	e.Public = true
	switch key(a.Type) {
	case "end_user", "enduser", "user", "customer":
		e.Kind, e.Author = event.CustomerMessage, event.Customer
	case "agent":
		e.Kind, e.Author = event.AgentReply, event.Agent
	case "trigger", "system", "bot", "ai_agent", "answer_bot":
		e.Kind, e.Author = event.AgentReply, event.Bot
	default:
		return provider.Ignore("%s by actor type %q is not tracked", typeMessageAdded, a.Type), nil
	}
	if e.Kind == event.AgentReply {
		e.Acknowledgement = provider.IsAck(s, string(a.ID), env.Event.Message.Body)
	}
	return one(e)
}
