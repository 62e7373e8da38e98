package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

// vendor is one helpdesk: what it can express and how its webhooks look.
// Each is configured as a source of the same name.
type vendor struct {
	name       string
	fixtures   []string // testdata files the payloads are made from
	channels   []channelOption
	priorities []event.Priority // nil: the helpdesk has no priority
	notes      bool             // it reports internal notes
	bots       bool             // it reports automatic replies
	init       func(t *ticket)  // sets the ticket id and the vendor's own state
	// render makes the step's webhooks, or none when the helpdesk cannot
	// express it (the step then does not happen for this ticket). The
	// ticket still shows the state before the step.
	render func(g *generator, r *rand.Rand, t *ticket, s step) []*delivery
}

var allPriorities = []event.Priority{event.Low, event.Normal, event.High, event.Urgent}

// vendors are the helpdesks, in report order.
var vendors = []*vendor{
	{
		name: "zendesk",
		fixtures: []string{"created.json", "comment_customer.json", "comment_agent_public.json", "comment_internal_note.json",
			"status_changed.json", "priority_changed.json", "messaging_customer.json", "messaging_bot.json"},
		channels: []channelOption{{"web_form", event.Web, 35}, {"mail", event.Email, 35}, {"chat", event.Chat, 12},
			{"native_messaging", event.Messaging, 12}, {"api", event.API, 6}},
		priorities: allPriorities, notes: true, bots: true,
		init:   func(t *ticket) { t.id = strconv.FormatInt(100000+t.n, 10) },
		render: renderZendesk,
	},
	{
		name: "freshdesk",
		fixtures: []string{"ticket_created.json", "customer_reply.json", "agent_reply.json", "bot_reply.json", "private_note.json",
			"status_changed.json", "priority_changed.json"},
		channels:   []channelOption{{"Email", event.Email, 45}, {"Portal", event.Web, 30}, {"Phone", event.Phone, 10}, {"Chat", event.Chat, 15}},
		priorities: allPriorities, notes: true, bots: true,
		init:   func(t *ticket) { t.id = strconv.FormatInt(4000+t.n, 10) },
		render: renderFreshdesk,
	},
	{
		name: "intercom",
		fixtures: []string{"conversation_user_created.json", "conversation_user_replied.json", "conversation_admin_replied.json",
			"conversation_operator_replied.json", "conversation_admin_noted.json", "conversation_admin_closed.json",
			"conversation_snoozed.json", "conversation_priority_updated.json"},
		channels: []channelOption{{"conversation", event.Chat, 60}, {"email", event.Email, 25}, {"whatsapp", event.Messaging, 10},
			{"sms", event.SMS, 5}},
		priorities: []event.Priority{event.Normal, event.High}, notes: true, bots: true,
		init:   func(t *ticket) { t.id = strconv.FormatInt(215470000000000+t.n, 10) },
		render: renderIntercom,
	},
	{
		name: "helpscout",
		fixtures: []string{"convo.created.json", "convo.customer.reply.created.json", "convo.agent.reply.created.json",
			"convo.agent.reply.created--workflow.json", "convo.note.created.json", "convo.status.json"},
		channels: []channelOption{{"email/email", event.Email, 60}, {"email/beacon", event.Web, 25}, {"chat/chat", event.Chat, 15}},
		notes:    true, bots: true,
		init:   func(t *ticket) { t.id = strconv.FormatInt(2391000000+t.n, 10) },
		render: renderHelpScout,
	},
	{
		name:     "front",
		fixtures: []string{"app_inbound.json", "inbound.json", "out_reply.json", "out_reply_rule.json", "comment.json", "archive.json"},
		channels: []channelOption{{"email", event.Email, 60}, {"front_chat", event.Chat, 20}, {"whatsapp", event.Messaging, 10},
			{"sms", event.SMS, 10}},
		notes: true, bots: true,
		init:   func(t *ticket) { t.id = "cnv_" + strconv.FormatInt(1<<30+t.n, 36) },
		render: renderFront,
	},
	{
		name: "jira",
		fixtures: []string{"issue_created.json", "comment_customer.json", "comment_agent_public.json", "comment_bot.json",
			"comment_internal.json", "issue_updated_comment.json", "issue_updated_status.json", "issue_updated_priority.json"},
		channels:   []channelOption{{"portal", "", 1}}, // Jira says nothing about the channel
		priorities: allPriorities, notes: true, bots: true,
		init:   func(t *ticket) { t.id = "SUP-" + strconv.FormatInt(t.n, 10) },
		render: renderJira,
	},
	{
		name:     "hubspot",
		fixtures: []string{"ticket_created.json", "customer_message.json", "agent_reply.json", "status_change.json", "priority_change.json"},
		channels: []channelOption{{"EMAIL", event.Email, 45}, {"CHAT", event.Chat, 25}, {"FORM", event.Web, 20}, {"PHONE", event.Phone, 10}},
		// Notes and bot greetings arrive on conversation threads, another
		// id space than tickets: one source cannot take both.
		priorities: allPriorities,
		init:       func(t *ticket) { t.id = strconv.FormatInt(4300000+t.n, 10) },
		render:     renderHubSpot,
	},
	{
		name: "github",
		fixtures: []string{"issues.opened.json", "issue_comment.customer.json", "issue_comment.agent.json", "issue_comment.bot.json",
			"issues.closed.json", "issues.reopened.json", "issues.labeled.json"},
		channels:   []channelOption{{"web", event.Web, 1}},
		priorities: allPriorities, bots: true,
		init: func(t *ticket) {
			repo := []string{"octo-org/helpdesk", "octo-org/api", "octo-org/mobile"}[t.n%3]
			t.id = repo + "#" + strconv.FormatInt(t.n, 10)
			t.labels = []string{[]string{"bug", "question", "bug"}[t.n%3]}
		},
		render: renderGitHub,
	},
	{
		name: "generic",
		channels: []channelOption{{"email", event.Email, 30}, {"web", event.Web, 25}, {"chat", event.Chat, 15}, {"messaging", event.Messaging, 8},
			{"social", event.Social, 7}, {"phone", event.Phone, 7}, {"sms", event.SMS, 4}, {"api", event.API, 4}},
		priorities: allPriorities, notes: true, bots: true,
		init:   func(t *ticket) { t.id = "T-" + strconv.FormatInt(t.n, 10) },
		render: renderGeneric,
	},
}

func vendorNamed(name string) *vendor {
	for _, v := range vendors {
		if v.name == name {
			return v
		}
	}
	return nil
}

// want is the event the generator means a webhook to carry.
func (t *ticket) want(k event.Kind, at time.Time) event.Event {
	return event.Event{Source: t.vendor.name, TicketID: t.id, Kind: k, OccurredAt: at.UTC()}
}

// one is a single delivery carrying doc.
func one(doc any, h http.Header, want ...event.Event) []*delivery {
	return []*delivery{{header: h, body: encode(doc), want: want}}
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// The people in every conversation: the customer, the agent, a bot.
func customerID(t *ticket) int64 { return 1500000100000 + t.n }

const agentID = 1500000000201

// --- Zendesk: event subscriptions (docs/helpdesks/zendesk.md) ---

func renderZendesk(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	f := func(name string) any { return g.fx.get("zendesk", name) }
	messaging := t.native == "native_messaging"
	st, pr := t.status, t.prio
	var doc any
	var w event.Event
	snapshot := true
	message := func(actorType string, actorID any) {
		doc, snapshot = f("messaging_customer.json"), false
		set(doc, "event.actor.type", actorType)
		set(doc, "event.actor.id", fmt.Sprint(actorID))
		set(doc, "event.message.id", fmt.Sprintf("%024x", g.ids.next()))
		set(doc, "event.conversation_id", fmt.Sprintf("%024x", t.n))
		w.Channel, w.Public = event.Messaging, true
	}
	comment := func(name string, authorID any, staff, public bool) {
		doc = f(name)
		set(doc, "event.comment.id", strconv.FormatInt(40000000000000+g.ids.next(), 10))
		set(doc, "event.comment.author.id", fmt.Sprint(authorID))
		set(doc, "event.comment.author.is_staff", staff)
		set(doc, "event.comment.is_public", public)
		set(doc, "event.meta.sequence.id", g.ids.uuid(r))
	}
	switch s.kind {
	case stepCreated:
		doc, st, pr = f("created.json"), event.New, s.priority
		set(doc, "detail.created_at", rfc(s.at))
		w = t.want(event.TicketCreated, s.at)
		w.Author, w.Status, w.Priority, w.Channel = event.Customer, event.New, s.priority, t.channel
	case stepCustomer:
		w = t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
		if messaging {
			message("end_user", customerID(t))
		} else {
			comment("comment_customer.json", customerID(t), false, true)
		}
	case stepAgent:
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
		if messaging {
			message("agent", agentID)
		} else {
			comment("comment_agent_public.json", agentID, true, true)
		}
	case stepBot:
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
		if messaging {
			message("system", "zd:answerBot")
			set(doc, "event.message.body", get(f("messaging_bot.json"), "event.message.body"))
		} else {
			comment("comment_agent_public.json", "-1", false, true) // Zendesk's system user
		}
	case stepNote:
		comment("comment_internal_note.json", agentID, true, false)
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		doc, st = f("status_changed.json"), s.status
		set(doc, "event.current", zendeskStatus(s.status))
		set(doc, "event.previous", zendeskStatus(t.status))
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
	case stepPriority:
		doc, pr = f("priority_changed.json"), s.priority
		set(doc, "event.current", strings.ToUpper(string(s.priority)))
		set(doc, "event.previous", strings.ToUpper(string(t.prio)))
		w = t.want(event.PriorityChanged, s.at)
		w.Priority = s.priority
	}
	set(doc, "id", fmt.Sprintf("01LOAD%020d", g.ids.next()))
	set(doc, "time", s.at.UTC().Format(time.RFC3339Nano))
	set(doc, "subject", "zen:ticket:"+t.id)
	set(doc, "detail.id", t.id)
	if snapshot {
		set(doc, "detail.status", zendeskStatus(st))
		set(doc, "detail.priority", strings.ToUpper(string(pr)))
		set(doc, "detail.via.channel", t.native)
		set(doc, "detail.tags", strs(t.tags))
		set(doc, "detail.updated_at", rfc(s.at))
		set(doc, "detail.requester_id", strconv.FormatInt(customerID(t), 10))
		set(doc, "detail.submitter_id", strconv.FormatInt(customerID(t), 10))
	}
	h := http.Header{}
	h.Set("User-Agent", "Zendesk Webhook")
	h.Set("X-Zendesk-Account-Id", "9876543")
	h.Set("X-Zendesk-Webhook-Id", "01LOADWEBHOOK0000000000001")
	h.Set(zendesk.InvocationHeader, strconv.FormatInt(9000000000+g.ids.next(), 10))
	return one(doc, h, w)
}

func zendeskStatus(s event.Status) string {
	if s == event.OnHold {
		return "HOLD"
	}
	return strings.ToUpper(string(s))
}

// --- Freshdesk: automation-rule webhooks with slawatch's body ---

var freshdeskStatuses = map[event.Status]struct {
	name string
	code int
}{
	event.Open: {"Open", 2}, event.Pending: {"Pending", 3}, event.Solved: {"Resolved", 4}, event.Closed: {"Closed", 5},
	event.OnHold: {"Waiting on Third Party", 7},
}

var freshdeskPriorities = map[event.Priority]struct {
	name string
	code int
}{event.Low: {"Low", 1}, event.Normal: {"Medium", 2}, event.High: {"High", 3}, event.Urgent: {"Urgent", 4}}

func renderFreshdesk(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	st, pr := t.status, t.prio
	var file, triggered string
	var w event.Event
	switch s.kind {
	case stepCreated:
		file, triggered, st, pr = "ticket_created.json", "{ticket_action:created}", event.Open, s.priority
		w = t.want(event.TicketCreated, s.at)
		w.Author, w.Status, w.Priority, w.Channel = event.Customer, event.Open, s.priority, t.channel
	case stepCustomer:
		file, triggered = "customer_reply.json", "{reply_sent:sent}"
		w = t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
	case stepAgent:
		file, triggered = "agent_reply.json", "{reply_sent:sent}"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
	case stepBot:
		file, triggered = "bot_reply.json", "{reply_sent:sent}"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
	case stepNote:
		file, triggered = "private_note.json", "{note_type:private}"
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		file, st = "status_changed.json", s.status
		if t.status == event.Closed {
			return nil
		}
		from := freshdeskStatuses[t.status].code
		if from == 0 {
			from = 2 // new tickets are Open in Freshdesk
		}
		triggered = fmt.Sprintf("{status:{from:%d,to:%d}}", from, freshdeskStatuses[s.status].code)
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
	case stepPriority:
		file, pr = "priority_changed.json", s.priority
		triggered = fmt.Sprintf("{priority:{from:%d,to:%d}}", freshdeskPriorities[t.prio].code, freshdeskPriorities[s.priority].code)
		w = t.want(event.PriorityChanged, s.at)
		w.Priority = s.priority
	}
	doc := g.fx.get("freshdesk", file)
	status := freshdeskStatuses[st].name
	if status == "" {
		status = "Open"
	}
	set(doc, "freshdesk_webhook.ticket_id", t.id)
	set(doc, "freshdesk_webhook.ticket_status", status)
	set(doc, "freshdesk_webhook.ticket_priority", freshdeskPriorities[pr].name)
	set(doc, "freshdesk_webhook.ticket_source", t.native)
	set(doc, "freshdesk_webhook.ticket_tags", strings.Join(t.tags, ", "))
	set(doc, "freshdesk_webhook.ticket_updated_at", s.at.UTC().Format("2006-01-02 15:04:05 UTC"))
	set(doc, "freshdesk_webhook.triggered_event", triggered)
	return one(doc, nil, w)
}

// --- Intercom: notification envelopes around the conversation ---

func renderIntercom(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	var file, topic, state string
	var w event.Event
	pr := t.prio
	switch s.kind {
	case stepCreated:
		file, topic, pr = "conversation_user_created.json", "conversation.user.created", s.priority
		w = t.want(event.TicketCreated, s.at)
		w.Author, w.Priority, w.Channel = event.Customer, s.priority, t.channel
	case stepCustomer:
		file, topic = "conversation_user_replied.json", "conversation.user.replied"
		w = t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
	case stepAgent:
		file, topic = "conversation_admin_replied.json", "conversation.admin.replied"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
	case stepBot:
		file, topic = "conversation_operator_replied.json", "conversation.operator.replied"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
	case stepNote:
		file, topic = "conversation_admin_noted.json", "conversation.admin.noted"
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
		switch s.status {
		case event.Solved:
			file, topic, state = "conversation_admin_closed.json", "conversation.admin.closed", "closed"
		case event.Open:
			file, topic, state = "conversation_admin_closed.json", "conversation.admin.opened", "open"
		case event.Pending:
			file, topic, state = "conversation_snoozed.json", "conversation.admin.snoozed", "snoozed"
		default:
			return nil
		}
	case stepPriority:
		file, topic, pr = "conversation_priority_updated.json", "conversation.priority.updated", s.priority
		w = t.want(event.PriorityChanged, s.at)
		w.Priority = s.priority
	}
	doc := g.fx.get("intercom", file)
	unix := num(s.at.Unix())
	set(doc, "id", "notif_"+g.ids.uuid(r))
	set(doc, "topic", topic)
	set(doc, "created_at", unix)
	set(doc, "first_sent_at", unix)
	set(doc, "data.item.id", t.id)
	set(doc, "data.item.created_at", num(t.start.Unix()))
	set(doc, "data.item.updated_at", unix)
	set(doc, "data.item.priority", map[bool]string{true: "priority", false: "not_priority"}[pr == event.High])
	set(doc, "data.item.source.type", t.native)
	set(doc, "data.item.source.author.id", fmt.Sprintf("%024x", customerID(t)))
	if state != "" {
		set(doc, "data.item.state", state)
		set(doc, "data.item.open", state != "closed")
		set(doc, "data.item.conversation_parts.conversation_parts.0.part_type", map[string]string{"closed": "close", "open": "open", "snoozed": "snoozed"}[state])
	}
	if parts, ok := get(doc, "data.item.conversation_parts.conversation_parts").([]any); ok {
		for i := range parts {
			p := "data.item.conversation_parts.conversation_parts." + strconv.Itoa(i) + "."
			set(doc, p+"id", strconv.FormatInt(31000000+g.ids.next(), 10))
			set(doc, p+"created_at", unix)
			set(doc, p+"updated_at", unix)
			set(doc, p+"notified_at", unix)
			if get(doc, p+"author.type") == "user" {
				set(doc, p+"author.id", fmt.Sprintf("%024x", customerID(t)))
			}
		}
	}
	h := http.Header{}
	h.Set("User-Agent", "intercom-parrot-service-rb")
	return one(doc, h, w)
}

// --- Help Scout: the conversation with its threads embedded ---

var helpScoutStatuses = map[event.Status]string{event.New: "active", event.Open: "active", event.Pending: "pending", event.Solved: "closed"}

func renderHelpScout(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	thread := func(file string, i int) any {
		return g.fx.getAt("helpscout", file, "_embedded.threads."+strconv.Itoa(i))
	}
	first := thread("convo.created.json", 0) // the customer's first message
	set(first, "createdAt", rfc(t.start))
	set(first, "id", num(7000000000+t.n))
	set(first, "createdBy.id", num(customerID(t)))

	st := t.status
	var name string
	var next any
	var w event.Event
	switch s.kind {
	case stepCreated:
		name, st = "convo.created", event.Open
		w = t.want(event.TicketCreated, s.at)
		w.Author, w.Channel = event.Customer, t.channel
	case stepCustomer:
		name, next = "convo.customer.reply.created", thread("convo.created.json", 0)
		set(next, "createdBy.id", num(customerID(t)))
		w = t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
	case stepAgent:
		name, next = "convo.agent.reply.created", thread("convo.agent.reply.created.json", 2)
		set(next, "status", "nochange")
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
	case stepBot:
		name, next = "convo.agent.reply.created", thread("convo.agent.reply.created--workflow.json", 0)
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
	case stepNote:
		name, next = "convo.note.created", thread("convo.note.created.json", 0)
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		hs, ok := helpScoutStatuses[s.status]
		if !ok || s.status == event.New {
			return nil
		}
		name, next, st = "convo.status", thread("convo.status.json", 0), s.status
		set(next, "status", hs)
		set(next, "action.text", "Sam marked as "+hs)
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
	case stepPriority:
		return nil // Help Scout has no priority
	}
	doc := g.fx.get("helpscout", "convo.created.json")
	typ, src, _ := strings.Cut(t.native, "/")
	set(doc, "id", num(2391000000+t.n))
	set(doc, "number", num(t.n))
	set(doc, "type", typ)
	set(doc, "source.type", src)
	set(doc, "status", helpScoutStatuses[st])
	set(doc, "createdAt", rfc(t.start))
	set(doc, "userUpdatedAt", rfc(s.at))
	set(doc, "customerWaitingSince.time", rfc(t.start))
	set(doc, "createdBy.id", num(customerID(t)))
	set(doc, "primaryCustomer.id", num(customerID(t)))
	set(doc, "_links.self.href", fmt.Sprintf("https://api.helpscout.net/v2/conversations/%d", 2391000000+t.n))
	closedAt := any(nil)
	if st == event.Solved {
		closedAt = rfc(s.at)
	}
	set(doc, "closedAt", closedAt)
	threads := []any{first}
	if next != nil {
		set(next, "id", num(7000000000+g.ids.next())) // ids grow within a conversation
		set(next, "createdAt", rfc(s.at))
		threads = []any{next, first}
	}
	set(doc, "threads", num(int64(len(threads))))
	set(doc, "_embedded.threads", threads)
	h := http.Header{}
	h.Set(helpscout.EventHeader, name)
	return one(doc, h, w)
}

// --- Front: application webhooks wrapping the event ---

func renderFront(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	var file, kind, envType string
	var w event.Event
	switch s.kind {
	case stepCreated, stepCustomer: // a conversation starts with the customer's message
		file, kind, envType = "inbound.json", "inbound", "inbound_received"
		w = t.want(event.CustomerMessage, s.at)
		w.Author, w.Channel = event.Customer, t.channel
	case stepAgent:
		file, kind, envType = "out_reply.json", "out_reply", "outbound_sent"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public, w.Channel = event.Agent, true, t.channel
	case stepBot:
		file, kind, envType = "out_reply_rule.json", "out_reply", "outbound_sent"
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
	case stepNote:
		file, kind, envType = "comment.json", "comment", "comment_added"
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		switch s.status {
		case event.Solved:
			file, kind, envType = "archive.json", "archive", "conversation_archived"
		case event.Open:
			file, kind, envType = "archive.json", "reopen", "conversation_reopened"
		default:
			return nil // Front has no pending or on-hold
		}
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
	case stepPriority:
		return nil // Front has no priority
	}
	p := g.fx.get("front", file)
	id := "evt_" + strconv.FormatInt(1<<35+g.ids.next(), 36)
	set(p, "id", id)
	set(p, "type", kind)
	set(p, "_links.self", "https://api2.frontapp.com/events/"+id)
	set(p, "emitted_at", num(s.at.Unix()))
	set(p, "conversation.id", t.id)
	set(p, "conversation.created_at", num(t.start.Unix()))
	set(p, "conversation.status", map[bool]string{true: "archived", false: "assigned"}[kind == "archive"])
	if tg, ok := get(p, "target.data").(map[string]any); ok {
		tg["id"] = "msg_" + strconv.FormatInt(1<<35+g.ids.next(), 36)
		if kind == "comment" {
			tg["id"] = "com_" + strconv.FormatInt(1<<35+g.ids.next(), 36)
			tg["posted_at"] = num(s.at.Unix())
		} else {
			tg["type"] = t.native
			tg["created_at"] = num(s.at.Unix())
		}
	}
	env := g.fx.get("front", "app_inbound.json")
	set(env, "type", envType)
	set(env, "payload", p)
	return one(env, nil, w)
}

// --- Jira Service Management: admin webhooks ---

var jiraStatuses = map[event.Status]struct{ name, category string }{
	event.New: {"Waiting for support", "new"}, event.Open: {"In Progress", "indeterminate"},
	event.Pending: {"Waiting for customer", "indeterminate"}, event.OnHold: {"On hold", "indeterminate"},
	event.Solved: {"Resolved", "done"}, event.Closed: {"Closed", "done"},
}

var jiraPriorities = map[event.Priority]struct{ name, id string }{
	event.Urgent: {"Highest", "1"}, event.High: {"High", "2"}, event.Normal: {"Medium", "3"}, event.Low: {"Low", "4"},
}

func jiraTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

func renderJira(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	st, pr := t.status, t.prio
	var file string
	var w event.Event
	comment := false
	switch s.kind {
	case stepCreated:
		file, st, pr = "issue_created.json", event.New, s.priority
		w = t.want(event.TicketCreated, s.at)
		w.Author, w.Status, w.Priority = event.Customer, event.New, s.priority
	case stepCustomer:
		file, comment = "comment_customer.json", true
		w = t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
	case stepAgent:
		file, comment = "comment_agent_public.json", true
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
	case stepBot:
		file, comment = "comment_bot.json", true
		w = t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
	case stepNote:
		file, comment = "comment_internal.json", true
		w = t.want(event.InternalNote, s.at)
		w.Author = event.Agent
	case stepStatus:
		file, st = "issue_updated_status.json", s.status
		w = t.want(event.StatusChanged, s.at)
		w.Status = s.status
	case stepPriority:
		file, pr = "issue_updated_priority.json", s.priority
		w = t.want(event.PriorityChanged, s.at)
		w.Priority = s.priority
	}
	issue := func(doc any) {
		set(doc, "issue.id", strconv.FormatInt(20000+t.n, 10))
		set(doc, "issue.key", t.id)
		set(doc, "issue.self", fmt.Sprintf("https://example.atlassian.net/rest/api/2/%d", 20000+t.n))
		set(doc, "issue.fields.status", map[string]any{"name": jiraStatuses[st].name, "statusCategory": map[string]any{"key": jiraStatuses[st].category}})
		set(doc, "issue.fields.priority", map[string]any{"name": jiraPriorities[pr].name, "id": jiraPriorities[pr].id})
		set(doc, "issue.fields.labels", strs(t.tags))
		set(doc, "issue.fields.reporter", map[string]any{"accountId": fmt.Sprintf("qm:%d", customerID(t)), "accountType": "customer"})
	}
	header := func() http.Header {
		h := http.Header{}
		h.Set(jira.IdentifierHeader, g.ids.uuid(r))
		h.Set("X-Atlassian-Webhook-Flow", "Primary")
		h.Set("User-Agent", "Atlassian Webhook HTTP Client")
		return h
	}
	doc := g.fx.get("jira", file)
	issue(doc)
	set(doc, "timestamp", num(s.at.UnixMilli()))
	switch {
	case s.kind == stepCreated:
		set(doc, "issue.fields.created", jiraTime(s.at))
		set(doc, "issue.fields.updated", jiraTime(s.at))
	case comment:
		cid := strconv.FormatInt(100000+g.ids.next(), 10)
		set(doc, "timestamp", num(s.at.UnixMilli()+int64(r.IntN(900))))
		set(doc, "comment.id", cid)
		set(doc, "comment.created", jiraTime(s.at))
		set(doc, "comment.updated", jiraTime(s.at))
		if s.kind == stepCustomer {
			set(doc, "comment.author.accountId", fmt.Sprintf("qm:%d", customerID(t)))
		}
		ds := one(doc, header(), w)
		// Jira also fires jira:issue_updated (issue_commented) for every
		// comment: the same event id, which slawatch must count once.
		dup := g.fx.get("jira", "issue_updated_comment.json")
		issue(dup)
		set(dup, "timestamp", num(s.at.UnixMilli()+1000))
		set(dup, "comment", get(doc, "comment"))
		return append(ds, &delivery{header: header(), body: encode(dup), at: s.at.Add(time.Second), want: []event.Event{w}})
	case s.kind == stepStatus:
		set(doc, "changelog.id", strconv.FormatInt(200000+g.ids.next(), 10))
		set(doc, "changelog.items.0.fromString", jiraStatuses[t.status].name)
		set(doc, "changelog.items.0.toString", jiraStatuses[s.status].name)
	case s.kind == stepPriority:
		set(doc, "changelog.id", strconv.FormatInt(200000+g.ids.next(), 10))
		set(doc, "changelog.items.0.fromString", jiraPriorities[t.prio].name)
		set(doc, "changelog.items.0.from", jiraPriorities[t.prio].id)
		set(doc, "changelog.items.0.toString", jiraPriorities[s.priority].name)
		set(doc, "changelog.items.0.to", jiraPriorities[s.priority].id)
	}
	return one(doc, header(), w)
}

// --- HubSpot: batches of ticket property changes ---

var hubSpotStages = map[event.Status]string{event.New: "1", event.Pending: "2", event.Open: "3", event.Closed: "4", event.Solved: "4"}

var hubSpotPriorities = map[event.Priority]string{event.Low: "LOW", event.Normal: "MEDIUM", event.High: "HIGH", event.Urgent: "URGENT"}

func renderHubSpot(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	elem := func(file string, i int, occurred time.Time, value any) any {
		e := g.fx.getAt("hubspot", file, strconv.Itoa(i))
		set(e, "eventId", num(3811000000+g.ids.next()))
		set(e, "objectId", num(4300000+t.n))
		set(e, "occurredAt", num(occurred.UnixMilli()))
		set(e, "attemptNumber", num(0))
		if value != nil {
			set(e, "propertyValue", value)
		}
		return e
	}
	ms := func(at time.Time) string { return strconv.FormatInt(at.UnixMilli(), 10) }
	var batch []any
	var want []event.Event
	lag := s.at.Add(time.Duration(500+r.IntN(2000)) * time.Millisecond) // property changes are recorded a little later
	switch s.kind {
	case stepCreated:
		batch = []any{elem("ticket_created.json", 0, s.at, nil), elem("ticket_created.json", 1, s.at, t.native),
			elem("priority_change.json", 0, s.at, hubSpotPriorities[s.priority])}
		set(batch[2], "changeSource", "CONVERSATIONS")
		created, channel, prio := t.want(event.TicketCreated, s.at), t.want(event.TagsChanged, s.at), t.want(event.PriorityChanged, s.at)
		channel.Channel, prio.Priority = t.channel, s.priority
		want = []event.Event{created, channel, prio}
	case stepCustomer:
		batch = []any{elem("customer_message.json", 0, lag, ms(s.at))}
		w := t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
		want = []event.Event{w}
	case stepAgent:
		w := t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
		if !t.replied {
			batch = []any{elem("agent_reply.json", 0, lag, ms(s.at))}
			want = []event.Event{w}
			t.replied = true
		}
		batch = append(batch, elem("agent_reply.json", 1, lag, ms(s.at)))
		want = append(want, w)
	case stepStatus:
		stage, ok := hubSpotStages[s.status]
		if !ok || stage == hubSpotStages[t.status] {
			return nil
		}
		batch = []any{elem("status_change.json", 0, s.at, stage)}
		w := t.want(event.StatusChanged, s.at)
		w.Status = s.status
		if s.status == event.Solved {
			w.Status = event.Closed // the default pipeline's last stage is Closed
		}
		want = []event.Event{w}
	case stepPriority:
		batch = []any{elem("priority_change.json", 0, s.at, hubSpotPriorities[s.priority])}
		w := t.want(event.PriorityChanged, s.at)
		w.Priority = s.priority
		want = []event.Event{w}
	default:
		return nil
	}
	h := http.Header{}
	h.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)")
	return []*delivery{{header: h, body: encode(batch), want: want}}
}

// --- GitHub Issues ---

var gitHubPriorityLabels = map[event.Priority]string{event.Urgent: "priority: urgent", event.High: "priority: high", event.Low: "priority: low"}

func renderGitHub(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	labels := func(p event.Priority) []any {
		names := slices.Clone(t.labels)
		if l := gitHubPriorityLabels[p]; l != "" {
			names = append(names, l)
		}
		out := make([]any, len(names))
		for i, n := range names {
			out[i] = label(n)
		}
		return out
	}
	repo, number, _ := strings.Cut(t.id, "#")
	n, _ := strconv.ParseInt(number, 10, 64)
	issue := func(doc any, at time.Time, p event.Priority, closed bool) {
		set(doc, "issue.number", num(n))
		set(doc, "issue.id", num(2700000000+t.n))
		set(doc, "issue.url", "https://api.github.com/repos/"+repo+"/issues/"+number)
		set(doc, "issue.html_url", "https://github.com/"+repo+"/issues/"+number)
		set(doc, "issue.user.login", fmt.Sprintf("customer-%d", t.n))
		set(doc, "issue.user.id", num(customerID(t)))
		set(doc, "issue.labels", labels(p))
		set(doc, "issue.created_at", rfc(t.start))
		set(doc, "issue.updated_at", rfc(at))
		set(doc, "issue.state", map[bool]string{true: "closed", false: "open"}[closed])
		set(doc, "repository.full_name", repo)
		set(doc, "repository.name", strings.TrimPrefix(repo, "octo-org/"))
	}
	header := func(name string) http.Header {
		h := http.Header{}
		h.Set(github.EventHeader, name)
		h.Set(github.DeliveryHeader, g.ids.uuid(r))
		h.Set("X-GitHub-Hook-ID", "481516234")
		h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
		h.Set("User-Agent", "GitHub-Hookshot/8e1c9a7")
		return h
	}
	comment := func(file string, w event.Event) []*delivery {
		doc := g.fx.get("github", file)
		issue(doc, s.at, t.prio, t.closed)
		set(doc, "comment.id", num(3100000000+g.ids.next()))
		set(doc, "comment.created_at", rfc(s.at))
		set(doc, "comment.updated_at", rfc(s.at))
		if file == "issue_comment.customer.json" {
			set(doc, "comment.user.login", fmt.Sprintf("customer-%d", t.n))
			set(doc, "comment.user.id", num(customerID(t)))
		}
		return one(doc, header("issue_comment"), w)
	}
	switch s.kind {
	case stepCreated:
		doc := g.fx.get("github", "issues.opened.json")
		issue(doc, s.at, s.priority, false)
		set(doc, "sender", get(doc, "issue.user"))
		w := t.want(event.TicketCreated, s.at)
		w.Author, w.Channel = event.Customer, event.Web
		if s.priority != event.Normal {
			w.Priority = s.priority
		}
		return one(doc, header("issues"), w)
	case stepCustomer:
		w := t.want(event.CustomerMessage, s.at)
		w.Author = event.Customer
		return comment("issue_comment.customer.json", w)
	case stepAgent:
		w := t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Agent, true
		return comment("issue_comment.agent.json", w)
	case stepBot:
		w := t.want(event.AgentReply, s.at)
		w.Author, w.Public = event.Bot, true
		return comment("issue_comment.bot.json", w)
	case stepStatus:
		w := t.want(event.StatusChanged, s.at)
		w.Status = s.status
		var doc any
		switch {
		case (s.status == event.Solved || s.status == event.Closed) && !t.closed:
			doc = g.fx.get("github", "issues.closed.json")
			issue(doc, s.at, t.prio, true)
			set(doc, "issue.closed_at", rfc(s.at))
			set(doc, "issue.state_reason", map[bool]string{true: "completed", false: "not_planned"}[s.status == event.Solved])
			t.closed = true
		case s.status == event.Open && t.closed:
			doc = g.fx.get("github", "issues.reopened.json")
			issue(doc, s.at, t.prio, false)
			t.closed = false
		default:
			return nil // GitHub has no pending or on-hold
		}
		return one(doc, header("issues"), w)
	case stepPriority:
		// The old priority label goes, then the new one comes, a second
		// later: GitHub sends unlabeled and labeled.
		var out []*delivery
		at := s.at
		if old := gitHubPriorityLabels[t.prio]; old != "" {
			doc := g.fx.get("github", "issues.labeled.json")
			issue(doc, at, event.Normal, t.closed)
			set(doc, "action", "unlabeled")
			set(doc, "label", label(old))
			w := t.want(event.TagsChanged, at)
			w.Priority = event.Normal
			out = append(out, one(doc, header("issues"), w)...)
			at = at.Add(time.Second)
		}
		if l := gitHubPriorityLabels[s.priority]; l != "" {
			doc := g.fx.get("github", "issues.labeled.json")
			issue(doc, at, s.priority, t.closed)
			set(doc, "label", label(l))
			w := t.want(event.TagsChanged, at)
			w.Priority = s.priority
			d := one(doc, header("issues"), w)
			d[0].at = at
			out = append(out, d...)
		}
		return out
	}
	return nil // GitHub issues have no internal notes
}

func label(name string) map[string]any {
	return map[string]any{"id": num(6100000000 + int64(len(name))), "name": name, "color": "ededed", "default": false, "description": nil}
}

// --- slawatch's own format ---

func renderGeneric(g *generator, r *rand.Rand, t *ticket, s step) []*delivery {
	e := t.want("", s.at)
	switch s.kind {
	case stepCreated:
		e.Kind, e.Author, e.Channel, e.Priority, e.Tags = event.TicketCreated, event.Customer, t.channel, s.priority, t.tags
	case stepCustomer:
		e.Kind, e.Author, e.Public = event.CustomerMessage, event.Customer, true
	case stepAgent:
		e.Kind, e.Author, e.Public = event.AgentReply, event.Agent, true
	case stepBot:
		e.Kind, e.Author, e.Public = event.AgentReply, event.Bot, true
	case stepNote:
		e.Kind, e.Author = event.InternalNote, event.Agent
	case stepStatus:
		e.Kind, e.Status = event.StatusChanged, s.status
	case stepPriority:
		e.Kind, e.Priority = event.PriorityChanged, s.priority
	}
	e.ID = "evt-" + strconv.FormatInt(g.ids.next(), 10)
	doc := map[string]any{"ticket_id": e.TicketID, "event_id": e.ID, "kind": string(e.Kind), "occurred_at": s.at.UTC().Format(time.RFC3339Nano)}
	for k, v := range map[string]string{"channel": string(e.Channel), "priority": string(e.Priority), "status": string(e.Status), "author": string(e.Author)} {
		if v != "" {
			doc[k] = v
		}
	}
	if e.Public {
		doc["public"] = true
	}
	if e.Tags != nil {
		doc["tags"] = strs(e.Tags)
	}
	return one(doc, nil, e)
}
