package helpscout

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// rule is how one event maps onto a canonical event.
type rule struct {
	kind   event.Kind
	author event.Role // when the thread's creator says nothing usable
	public bool
	// thread picks the threads that can be the event's message; nil for
	// events about the conversation itself.
	thread func(thread) bool
	// what the ignore reason calls the thread when none is found
	noun string
}

var rules = map[string]rule{
	"convo.created":                {kind: event.TicketCreated},
	"convo.customer.reply.created": {kind: event.CustomerMessage, author: event.Customer, thread: customerThread, noun: "customer thread"},
	"convo.agent.reply.created":    {kind: event.AgentReply, author: event.Agent, public: true, thread: agentThread, noun: "agent reply"},
	"convo.note.created":           {kind: event.InternalNote, author: event.Agent, thread: noteThread, noun: "note"},
	"convo.status":                 {kind: event.StatusChanged},
	"convo.tags":                   {kind: event.TagsChanged},
}

// published reports whether a thread was really sent or saved: drafts,
// threads held by collision detection and hidden threads never count.
func published(t thread) bool { return t.State == "" || strings.EqualFold(t.State, "published") }

func customerThread(t thread) bool {
	switch strings.ToLower(t.Type) {
	case "customer":
		return published(t)
	case "chat":
		// Chat threads are written by both sides; the creator says which.
		return published(t) && role(t) == event.Customer
	}
	return false
}

func agentThread(t thread) bool {
	switch strings.ToLower(t.Type) {
	case "message", "reply":
		return published(t)
	case "chat", "phone":
		return published(t) && role(t) != event.Customer
	}
	return false
}

func noteThread(t thread) bool { return strings.EqualFold(t.Type, "note") && published(t) }

func (c *conversation) result(name string, r rule, s provider.Settings) (provider.Result, error) {
	if c.ID == "" {
		return provider.Result{}, provider.Missing("id")
	}
	if r.kind == event.TicketCreated && (strings.EqualFold(c.State, "draft") || strings.EqualFold(c.State, "deleted")) {
		return provider.Ignore("%s for a %s conversation is not tracked", name, strings.ToLower(c.State)), nil
	}
	e := event.Event{
		Source:   s.Source,
		TicketID: string(c.ID),
		Kind:     r.kind,
		Public:   r.public,
		Channel:  c.channel(),
		Tags:     c.tagNames(), // the conversation as of the event
	}
	provider.SetCustomer(&e, "", "", c.PrimaryCustomer.Email)
	var err error
	switch {
	case r.kind == event.TicketCreated:
		err = c.created(&e, name, s)
	case r.thread != nil:
		i := newest(c.Embedded.Threads, r.thread)
		if i < 0 {
			return provider.Ignore("%s carries no published %s", name, r.noun), nil
		}
		err = c.message(&e, name, r, i, s)
	case r.kind == event.StatusChanged:
		err = c.statusChanged(&e, name)
	case r.kind == event.TagsChanged:
		err = c.tagsChanged(&e, name)
	}
	if err != nil {
		return provider.Result{}, err
	}
	return provider.Result{Events: []event.Event{e}}, nil
}

// created fills in ticket_created. A conversation an agent opens with an
// email to the customer is outbound (public); one an agent logs on the
// customer's behalf (a phone call, a note) gets a first-response clock.
func (c *conversation) created(e *event.Event, name string, s provider.Settings) error {
	var err error
	if e.OccurredAt, err = provider.ParseTime("createdAt", c.CreatedAt); err != nil {
		return err
	}
	e.ID = provider.SynthID(name, string(c.ID))
	e.Author = personRole(c.CreatedBy.Type)
	if e.Author == "" {
		e.Author = personRole(c.Source.Via)
	}
	// The first message, not a line item logged at the same moment.
	first := oldest(c.Embedded.Threads, func(t thread) bool { return published(t) && !strings.EqualFold(t.Type, "lineitem") })
	body := ""
	if first >= 0 {
		t := c.Embedded.Threads[first]
		body = t.Body
		e.Public = e.Author == event.Agent && agentThread(t) && !strings.EqualFold(t.Type, "phone")
	}
	e.Acknowledgement = provider.IsAck(s, string(c.CreatedBy.ID), body)
	return nil
}

// message fills in an event carried by thread i.
func (c *conversation) message(e *event.Event, name string, r rule, i int, s provider.Settings) error {
	t := c.Embedded.Threads[i]
	at := fmt.Sprintf("_embedded.threads[%d]", i)
	if t.ID == "" {
		return provider.Missing(at + ".id")
	}
	var err error
	if e.OccurredAt, err = provider.ParseTime(at+".createdAt", t.CreatedAt); err != nil {
		return err
	}
	e.ID = provider.SynthID(name, string(c.ID), string(t.ID))
	e.Author = role(t)
	if e.Author == "" {
		e.Author = r.author
	}
	if strings.EqualFold(t.Type, "phone") {
		// A logged call is a write-up, not a message the customer got;
		// as in docs/sla-semantics.md it does not end a clock.
		e.Public = false
	}
	// A reply can set the status in the same click ("send and close").
	e.Status, _ = status(t.Status)
	e.Acknowledgement = provider.IsAck(s, string(t.CreatedBy.ID), t.Body)
	return nil
}

func (c *conversation) statusChanged(e *event.Event, name string) error {
	st, ok := status(c.Status)
	switch {
	case strings.TrimSpace(c.Status) == "":
		return provider.Missing("status")
	case !ok:
		return provider.Errorf("status", "unknown status %q (want active, pending, closed or spam)", c.Status)
	}
	e.Status = st
	// The thread (usually a line item) that set this status says when;
	// failing that, closedAt for a close, else the last user update.
	i := newest(c.Embedded.Threads, func(t thread) bool { s, ok := status(t.Status); return ok && s == st })
	var err error
	switch {
	case i >= 0:
		e.OccurredAt, err = provider.ParseTime(fmt.Sprintf("_embedded.threads[%d].createdAt", i), c.Embedded.Threads[i].CreatedAt)
	case st == event.Solved && c.ClosedAt != "":
		e.OccurredAt, err = provider.ParseTime("closedAt", c.ClosedAt)
	default:
		e.OccurredAt, err = provider.ParseTime("userUpdatedAt", c.UserUpdatedAt)
	}
	if err != nil {
		return err
	}
	// The same status can be set again later; the time tells them apart,
	// while a redelivery of the same change keeps its id.
	e.ID = provider.SynthID(name, string(c.ID), string(st), e.OccurredAt.UTC().Format(time.RFC3339Nano))
	return nil
}

func (c *conversation) tagsChanged(e *event.Event, name string) error {
	if e.Tags == nil {
		e.Tags = []string{} // no tags listed: the last one was removed
	}
	var err error
	if e.OccurredAt, err = provider.ParseTime("userUpdatedAt", c.UserUpdatedAt); err != nil {
		return err
	}
	sorted := slices.Sorted(slices.Values(e.Tags))
	e.ID = provider.SynthID(append([]string{name, string(c.ID), e.OccurredAt.UTC().Format(time.RFC3339Nano)}, sorted...)...)
	return nil
}

// newest returns the index of the most recent thread that ok accepts, or
// -1. Equal times go to the higher thread id (ids grow); threads whose time
// does not parse sort first and are reported only if chosen.
func newest(ts []thread, ok func(thread) bool) int {
	best := -1
	for i, t := range ts {
		if ok(t) && (best < 0 || later(t, ts[best])) {
			best = i
		}
	}
	return best
}

func oldest(ts []thread, ok func(thread) bool) int {
	best := -1
	for i, t := range ts {
		if ok(t) && (best < 0 || later(ts[best], t)) {
			best = i
		}
	}
	return best
}

func later(a, b thread) bool {
	ta, _ := time.Parse(time.RFC3339Nano, a.CreatedAt)
	tb, _ := time.Parse(time.RFC3339Nano, b.CreatedAt)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	ia, _ := strconv.ParseInt(string(a.ID), 10, 64)
	ib, _ := strconv.ParseInt(string(b.ID), 10, 64)
	return ia > ib
}

// role says who wrote a thread. Replies sent by a workflow are automation.
func role(t thread) event.Role {
	if src := strings.ToLower(t.Source.Type); src == "workflow" || src == "workflows" {
		return event.Bot
	}
	return personRole(t.CreatedBy.Type)
}

// personRole maps a person type (or a source's via). Help Scout's people are
// users (agents) and customers; any other creator is automation.
func personRole(typ string) event.Role {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "":
		return ""
	case "customer":
		return event.Customer
	case "user":
		return event.Agent
	}
	return event.Bot
}

// status maps a conversation or thread status. A closed conversation
// reopens when the customer writes, like a Zendesk "solved" ticket; spam is
// final.
func status(s string) (event.Status, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "active", "open":
		return event.Open, true
	case "pending":
		return event.Pending, true
	case "closed":
		return event.Solved, true
	case "spam":
		return event.Closed, true
	}
	return "", false // includes "nochange"
}

// channel maps the conversation type, and for email the source: Beacon and
// web-form conversations arrive as email but were written on the web.
func (c *conversation) channel() event.Channel {
	switch strings.ToLower(c.Type) {
	case "chat":
		return event.Chat
	case "phone":
		return event.Phone
	case "email":
		src := strings.ToLower(c.Source.Type)
		switch {
		// Beacon 2.0 conversations say "beacon-v2", which the docs'
		// list of source types leaves out.
		case strings.HasPrefix(src, "beacon"), src == "web", src == "form":
			return event.Web
		case src == "api":
			return event.API
		}
		return event.Email
	}
	return ""
}

func (c *conversation) tagNames() []string {
	if c.Tags == nil {
		return nil
	}
	names := make([]string, 0, len(c.Tags))
	for _, t := range c.Tags {
		n := t.Tag
		if n == "" {
			n = t.Name
		}
		if n != "" {
			names = append(names, n)
		}
	}
	return names
}
