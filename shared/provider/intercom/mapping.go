package intercom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// partFilter says which conversation part carries a topic's message.
type partFilter int

const (
	noPart       partFilter = iota // the event is about the item, not a part
	customerPart                   // the newest message by a user, lead or contact
	staffPart                      // the newest message by an admin, team or bot
	notePart                       // the newest note
)

// rule is how one topic maps onto a canonical event.
type rule struct {
	kind     event.Kind
	author   event.Role // when the author type says nothing usable
	forceBot bool       // the topic itself says a bot wrote it
	public   bool
	part     partFilter
	status   event.Status
	ticket   bool // the item is a ticket, not a conversation
}

var rules = map[string]rule{
	"conversation.user.created":         {kind: event.TicketCreated, author: event.Customer},
	"conversation.admin.single.created": {kind: event.TicketCreated, author: event.Agent, public: true},
	"conversation.user.replied":         {kind: event.CustomerMessage, author: event.Customer, part: customerPart},
	"conversation.admin.replied":        {kind: event.AgentReply, author: event.Agent, public: true, part: staffPart},
	// Operator (Intercom's bot, Fin, workflows) replies are visible to the
	// customer but are never a response.
	"conversation.operator.replied": {kind: event.AgentReply, author: event.Bot, forceBot: true, public: true, part: staffPart},
	"conversation.admin.noted":      {kind: event.InternalNote, author: event.Agent, part: notePart},
	// A closed conversation reopens when the customer writes again, as a
	// Zendesk "solved" ticket does; a Zendesk "closed" ticket does not.
	"conversation.admin.closed": {kind: event.StatusChanged, status: event.Solved},
	"conversation.admin.opened": {kind: event.StatusChanged, status: event.Open},
	// Snoozing mostly means "waiting for the customer", and a customer
	// reply unsnoozes the conversation, so pending rather than on hold;
	// both pause the next-reply clock.
	"conversation.admin.snoozed":    {kind: event.StatusChanged, status: event.Pending},
	"conversation.admin.unsnoozed":  {kind: event.StatusChanged, status: event.Open},
	"conversation.priority.updated": {kind: event.PriorityChanged},
	"conversation_part.tag.created": {kind: event.TagsChanged},

	// A ticket's creation is never outbound: a customer ticket an agent
	// files (often from a conversation) gets a first-response clock that
	// the first public reply ends.
	"ticket.created":         {kind: event.TicketCreated, ticket: true},
	"ticket.contact.replied": {kind: event.CustomerMessage, author: event.Customer, part: customerPart, ticket: true},
	"ticket.admin.replied":   {kind: event.AgentReply, author: event.Agent, public: true, part: staffPart, ticket: true},
	"ticket.note.created":    {kind: event.InternalNote, author: event.Agent, part: notePart, ticket: true},
	"ticket.state.updated":   {kind: event.StatusChanged, ticket: true},
}

func (env *envelope) result(s provider.Settings) (provider.Result, error) {
	if env.Type != "" && env.Type != "notification_event" {
		return provider.Result{}, provider.Errorf("type", "%q is not an Intercom notification (want notification_event)", env.Type)
	}
	if env.Topic == "" {
		return provider.Result{}, provider.Missing("topic")
	}
	if env.Topic == "ping" {
		// Intercom pings on request and periodically; it
		// wants a 2xx, and nothing is recorded.
		return provider.Result{Reply: &provider.Reply{Status: http.StatusOK, ContentType: "application/json", Body: []byte(`{"pong":true}` + "\n")}}, nil
	}
	r, ok := rules[env.Topic]
	if !ok {
		return provider.Ignore("%s is not tracked", env.Topic), nil
	}
	it, at := env.subject(r)
	if r.ticket {
		if cat := it.category(); cat != "" && !strings.EqualFold(cat, "customer") {
			return provider.Ignore("%s for a %s ticket is not tracked: no customer is waiting on it", env.Topic, cat), nil
		}
	}
	if env.ID == "" {
		return provider.Result{}, provider.Missing("id")
	}
	if it.ID == "" {
		return provider.Result{}, provider.Missing(at + ".id")
	}
	e := event.Event{
		Source:   s.Source,
		TicketID: string(it.ID),
		ID:       string(env.ID),
		Kind:     r.kind,
		Status:   r.status,
		Public:   r.public,
	}
	provider.SetCustomer(&e, string(it.CompanyID), "", it.customerEmail())
	if !r.ticket {
		// The conversation is a snapshot taken when the notification was
		// made, so its channel, tags and priority hold at the event's time.
		e.Channel = channel(it.Source)
		e.Tags = it.tagNames()
		if p, ok := priority(it.Priority); ok {
			e.Priority = p // an unknown value is left unstated
		}
	}

	var err error
	switch {
	case r.kind == event.TicketCreated:
		err = it.created(&e, r, at, s)
	case r.part != noPart:
		err = env.message(&e, r, s)
	default:
		e.OccurredAt, err = env.changedAt(r)
	}
	if err != nil {
		return provider.Result{}, err
	}

	switch r.kind {
	case event.PriorityChanged:
		p, ok := priority(it.Priority)
		if !ok {
			if strings.TrimSpace(it.Priority) == "" {
				return provider.Result{}, provider.Missing("data.item.priority")
			}
			return provider.Result{}, provider.Errorf("data.item.priority", "unknown priority %q (want priority or not_priority)", it.Priority)
		}
		e.Priority = p
	case event.TagsChanged:
		if e.Tags == nil {
			return provider.Result{}, provider.Missing("data.item.tags")
		}
	case event.StatusChanged:
		if r.ticket {
			if e.Status, err = ticketStatus(at+".ticket_state", it.TicketState); err != nil {
				return provider.Result{}, err
			}
		}
	}
	return provider.Result{Events: []event.Event{e}}, nil
}

// created fills in a ticket_created event: the time the item was created
// and who started it.
func (it *item) created(e *event.Event, r rule, at string, s provider.Settings) error {
	var err error
	if it.CreatedAt == "" {
		return provider.Missing(at + ".created_at")
	}
	if e.OccurredAt, err = unixSeconds(at+".created_at", it.CreatedAt); err != nil {
		return err
	}
	e.Author = r.author
	switch {
	case it.Source != nil:
		if role := role(it.Source.Author); role != "" {
			e.Author = role
		}
		e.Acknowledgement = provider.IsAck(s, string(it.Source.Author.ID), it.Source.Body)
	case r.ticket:
		// A ticket has no source; its first part, when sent, tells who
		// filed it. Unknown otherwise: the engine starts the clock anyway.
		parts := it.TicketParts.Parts
		first := -1
		for i := range parts {
			if first < 0 || seconds(parts[i].CreatedAt) < seconds(parts[first].CreatedAt) {
				first = i
			}
		}
		if first >= 0 {
			e.Author = role(parts[first].Author)
		}
	}
	return nil
}

// message fills in an event carried by a conversation or ticket part.
func (env *envelope) message(e *event.Event, r rule, s provider.Settings) error {
	it, at := env.subject(r)
	parts, path := it.ConversationParts.Parts, at+".conversation_parts.conversation_parts"
	if len(parts) == 0 {
		parts, path = it.TicketParts.Parts, at+".ticket_parts.ticket_parts"
	}
	field := func(i int) string { return fmt.Sprintf("%s[%d].created_at", path, i) }
	if p := env.Data.Item.TicketPart; r.ticket && p != nil {
		// The wrapped shape names the part that triggered the
		// notification; the ticket's own part list may be absent or stale.
		parts, field = []part{*p}, func(int) string { return "data.item.ticket_part.created_at" }
	}
	i := pick(parts, r.part)
	if i < 0 {
		// Intercom sends the part that triggered the notification; if it
		// is missing, the topic alone still says what happened, at the
		// notification's time.
		var err error
		e.OccurredAt, err = env.changedAt(r)
		e.Author = r.author
		return err
	}
	p := parts[i]
	if p.CreatedAt == "" {
		return provider.Missing(field(i))
	}
	var err error
	if e.OccurredAt, err = unixSeconds(field(i), p.CreatedAt); err != nil {
		return err
	}
	e.Author = role(p.Author)
	if e.Author == "" {
		e.Author = r.author
	}
	if r.forceBot {
		e.Author = event.Bot
	}
	e.Acknowledgement = provider.IsAck(s, string(p.Author.ID), p.Body)
	return nil
}

// subject returns the conversation or ticket a notification is about and
// the path its fields are reported under. ticket.created sends the ticket
// as data.item; the reply, note and state topics wrap it as
// data.item.ticket, beside the part in data.item.ticket_part.
func (env *envelope) subject(r rule) (*item, string) {
	if t := env.Data.Item.Ticket; r.ticket && t != nil {
		return t, "data.item.ticket"
	}
	return &env.Data.Item, "data.item"
}

// changedAt is when a change without a part of its own happened: the
// notification's creation time, or else the item's last update.
func (env *envelope) changedAt(r rule) (time.Time, error) {
	if env.CreatedAt != "" {
		return unixSeconds("created_at", env.CreatedAt)
	}
	if it, at := env.subject(r); it.UpdatedAt != "" {
		return unixSeconds(at+".updated_at", it.UpdatedAt)
	}
	return time.Time{}, provider.Missing("created_at")
}

// pick returns the index of the newest part that f accepts, or -1. Parts
// with equal times keep their order: the later one wins.
func pick(parts []part, f partFilter) int {
	best := -1
	for i, p := range parts {
		if !f.accepts(p) {
			continue
		}
		if best < 0 || seconds(p.CreatedAt) >= seconds(parts[best].CreatedAt) {
			best = i
		}
	}
	return best
}

func (f partFilter) accepts(p part) bool {
	kind := strings.ToLower(p.PartType)
	note := strings.HasPrefix(kind, "note")
	// Assignments, closes and other actions are parts too; a message is a
	// comment, or an action that carries text.
	message := !note && (kind == "comment" || strings.TrimSpace(p.Body) != "")
	switch f {
	case customerPart:
		return message && role(p.Author) == event.Customer
	case staffPart:
		r := role(p.Author)
		return message && (r == event.Agent || r == event.Bot)
	case notePart:
		return note
	}
	return false
}

// seconds orders parts; a malformed time sorts first and is reported only
// if that part is the one used.
func seconds(v stamp) int64 {
	n, _ := strconv.ParseInt(string(v), 10, 64)
	return n
}

// role maps a part author's type. Bots and campaigns write as bots; Fin's
// answers are flagged even where they carry another type.
func role(a author) event.Role {
	if a.FromAIAgent || a.IsAIAnswer {
		return event.Bot
	}
	switch strings.ToLower(a.Type) {
	case "user", "lead", "contact":
		return event.Customer
	case "admin", "team":
		return event.Agent
	case "bot", "operator":
		return event.Bot
	}
	return ""
}

// channel maps the conversation's source type. Push messages and anything
// new are left unstated rather than guessed.
func channel(src *source) event.Channel {
	if src == nil {
		return ""
	}
	switch strings.ToLower(src.Type) {
	case "conversation": // the Messenger
		return event.Chat
	case "email":
		return event.Email
	case "facebook", "instagram", "twitter":
		return event.Social
	case "whatsapp":
		return event.Messaging
	case "phone_call", "phone_switch":
		return event.Phone
	case "sms":
		return event.SMS
	}
	return ""
}

// priority maps Intercom's priority flag. Intercom has one level above
// normal; it is high, not urgent: a policy can match `priority: high` for
// source intercom to give flagged conversations tighter targets. slawatch's
// own names are accepted too.
func priority(v string) (event.Priority, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "priority":
		return event.High, true
	case "not_priority":
		return event.Normal, true
	}
	if p, ok := event.ParsePriority(v); ok {
		return p, true
	}
	return "", false // ParsePriority hands back the unknown name too
}

func (it *item) tagNames() []string {
	if it.Tags == nil {
		return nil
	}
	names := make([]string, 0, len(it.Tags.Tags))
	for _, t := range it.Tags.Tags {
		if t.Name != "" {
			names = append(names, t.Name)
		}
	}
	return names
}

func (it *item) category() string {
	if it.Category != "" {
		return it.Category
	}
	if it.TicketType != nil {
		return it.TicketType.Category
	}
	return ""
}

// ticketStatus maps a ticket state, given as a string (API 2.9–2.10) or as
// an object with a category (later versions).
func ticketStatus(field string, raw json.RawMessage) (event.Status, error) {
	if len(raw) == 0 {
		return "", provider.Missing(field)
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		var obj struct {
			Category string `json:"category"`
		}
		if err := provider.DecodeJSON(raw, &obj, false); err != nil { // refuses a category given twice
			return "", provider.Errorf(field, "want a state name or an object with a category")
		}
		name = obj.Category
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return "", provider.Missing(field)
	case "submitted":
		return event.New, nil
	case "in_progress":
		return event.Open, nil
	case "waiting_on_customer":
		return event.Pending, nil
	case "resolved":
		return event.Solved, nil
	}
	return "", provider.Errorf(field, "unknown ticket state %q (want submitted, in_progress, waiting_on_customer or resolved)", name)
}

// customerEmail is the address of the customer who started the
// conversation, "" when an admin started it or nothing says.
func (it *item) customerEmail() string {
	if it.User != nil {
		return it.User.Email
	}
	if it.Source != nil {
		switch it.Source.Author.Type {
		case "user", "lead", "contact":
			return it.Source.Author.Email
		}
	}
	return ""
}
