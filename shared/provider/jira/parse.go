package jira

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// payload is the body of a Jira webhook. Ids and times are kept raw and
// read by hand so that their errors name the field and so that a number
// where Jira usually sends a string is still accepted.
type payload struct {
	Timestamp    json.RawMessage `json:"timestamp"`
	WebhookEvent string          `json:"webhookEvent"`
	// EventType is issue_event_type_name: what a jira:issue_updated is
	// about (issue_commented, issue_comment_edited, issue_resolved, …).
	// Jira Server before 7.x sends none.
	EventType string     `json:"issue_event_type_name"`
	User      *user      `json:"user"`
	Issue     *issue     `json:"issue"`
	Changelog *changelog `json:"changelog"`
	Comment   *comment   `json:"comment"`
}

type user struct {
	AccountID   string `json:"accountId"`   // Cloud
	AccountType string `json:"accountType"` // customer, atlassian or app (Cloud only)
	Key         string `json:"key"`         // Server and Data Center
	Name        string `json:"name"`        // Server and Data Center
	// EmailAddress is hidden on Cloud unless the user's profile shows it;
	// of the reporter's only the domain is kept.
	EmailAddress string `json:"emailAddress"`
}

// same reports whether u and v are the same Jira user: by accountId on
// Cloud, by user key (else user name) on Server and Data Center, which have
// no accountId.
func (u *user) same(v *user) bool {
	switch {
	case u == nil || v == nil:
		return false
	case u.AccountID != "" || v.AccountID != "":
		return u.AccountID == v.AccountID
	case u.Key != "" || v.Key != "":
		return u.Key == v.Key
	}
	return u.Name != "" && strings.EqualFold(u.Name, v.Name) // user names are case-insensitive
}

type issue struct {
	ID     json.RawMessage `json:"id"`
	Key    string          `json:"key"`
	Fields struct {
		Status   *status   `json:"status"`
		Priority *priority `json:"priority"`
		Labels   []string  `json:"labels"`
		Created  string    `json:"created"`
		Reporter *user     `json:"reporter"`
	} `json:"fields"`
}

type status struct {
	Name           string `json:"name"`
	StatusCategory *struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

type priority struct {
	ID   json.RawMessage `json:"id"`
	Name string          `json:"name"`
}

type changelog struct {
	ID    json.RawMessage `json:"id"`
	Items []struct {
		Field      string          `json:"field"`
		FieldID    string          `json:"fieldId"`
		To         json.RawMessage `json:"to"`
		ToString   string          `json:"toString"`
		FromString string          `json:"fromString"`
	} `json:"items"`
}

type comment struct {
	ID         json.RawMessage `json:"id"`
	Body       json.RawMessage `json:"body"` // wiki markup string, or an ADF document
	Author     *user           `json:"author"`
	JSDPublic  *bool           `json:"jsdPublic"`
	Visibility json.RawMessage `json:"visibility"`
	Created    string          `json:"created"`
	Updated    string          `json:"updated"`
}

// Parse returns the events a Jira webhook carries.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	var p payload
	if err := provider.DecodeJSON(r.Body, &p, false); err != nil {
		return provider.Result{}, err
	}
	switch p.WebhookEvent {
	case "":
		return provider.Result{}, provider.Missing("webhookEvent")
	case "jira:issue_created", "comment_created", "jira:issue_updated":
	default:
		return provider.Ignore("jira event %q is not tracked", p.WebhookEvent), nil
	}
	if p.Issue == nil || p.Issue.Key == "" {
		// Not the sender's error, and a 400 would have Jira retry and
		// eventually disable the webhook. Jira Server and Data Center send
		// every comment_created without the issue; the same comment comes
		// again, with its issue, as jira:issue_updated (issue_commented).
		if p.WebhookEvent == "comment_created" {
			return provider.Ignore("jira comment_created without an issue (Jira Server/Data Center): the comment is taken from its jira:issue_updated issue_commented delivery"), nil
		}
		missing := "issue"
		if p.Issue != nil {
			missing = "issue.key"
		}
		return provider.Ignore("jira %s without %s cannot be placed on a ticket", p.WebhookEvent, missing), nil
	}
	d := delivery{p: p, s: s, id: strings.TrimSpace(r.Header.Get(IdentifierHeader))}
	var evs []event.Event
	var ignored string
	var err error
	switch p.WebhookEvent {
	case "jira:issue_created":
		evs, err = d.created()
	case "comment_created":
		evs, err = d.commented()
	case "jira:issue_updated":
		evs, ignored, err = d.updated()
	}
	if err != nil {
		return provider.Result{}, err
	}
	var email string
	if rep := p.Issue.Fields.Reporter; rep != nil {
		email = rep.EmailAddress
	}
	org := organization(r.Body)
	for i := range evs {
		provider.SetCustomer(&evs[i], string(org.ID), org.Name, email)
	}
	return provider.Result{Events: evs, Ignored: ignored}, nil
}

// jsmOrganization is a Jira Service Management organization as the
// issue's Organizations field holds it.
type jsmOrganization struct {
	ID    provider.Text `json:"id"`
	Name  string        `json:"name"`
	Links struct {
		Self string `json:"self"`
	} `json:"_links"`
}

// organization returns the first organization of the issue's
// Organizations field. The field is a custom field whose id differs from
// site to site (customfield_10002 on many), so it is recognised by its
// values: organizations whose link is Service Management's organization
// resource. Zero when the issue has none, or the body is not shaped so.
func organization(body []byte) jsmOrganization {
	var p struct {
		Issue struct {
			Fields map[string]json.RawMessage `json:"fields"`
		} `json:"issue"`
	}
	if provider.DecodeJSON(body, &p, false) != nil {
		return jsmOrganization{}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Issue.Fields)) {
		raw := p.Issue.Fields[k]
		if !strings.HasPrefix(k, "customfield_") || len(raw) == 0 || raw[0] != '[' {
			continue
		}
		var orgs []jsmOrganization
		// DecodeJSON, not json.Unmarshal: an organization whose id is
		// given twice in different letter case is no organization.
		if provider.DecodeJSON(raw, &orgs, false) != nil {
			continue
		}
		for _, o := range orgs {
			if o.ID != "" && strings.Contains(o.Links.Self, "/rest/servicedeskapi/organization/") {
				return o
			}
		}
	}
	return jsmOrganization{}
}

// delivery is one webhook request being mapped.
type delivery struct {
	p  payload
	s  provider.Settings
	id string // X-Atlassian-Webhook-Identifier; "" when absent
}

func (d delivery) base(kind event.Kind, at time.Time) event.Event {
	return event.Event{Source: d.s.Source, TicketID: d.p.Issue.Key, Kind: kind, OccurredAt: at}
}

// eventID is the delivery id, or an id derived from the parts that identify
// the change when Jira sent none (older Jira versions, proxies that drop
// headers).
func (d delivery) eventID(synth ...string) string {
	if d.id != "" {
		return d.id
	}
	return provider.SynthID(append([]string{d.p.WebhookEvent, d.p.Issue.Key}, synth...)...)
}

// timestamp is the top-level event time, in Unix milliseconds.
func (d delivery) timestamp() (time.Time, bool, error) {
	if isNull(d.p.Timestamp) {
		return time.Time{}, false, nil
	}
	t, err := provider.UnixMillis("timestamp", json.Number(unquote(d.p.Timestamp)))
	return t, err == nil, err
}

func (d delivery) created() ([]event.Event, error) {
	f := d.p.Issue.Fields
	at, ok, err := d.timestamp()
	if err != nil {
		return nil, err
	}
	if !ok {
		if f.Created == "" {
			return nil, provider.Missing("timestamp")
		}
		if at, err = parseTime("issue.fields.created", f.Created); err != nil {
			return nil, err
		}
	}
	id, err := rawID("issue.id", d.p.Issue.ID)
	if err != nil {
		return nil, err
	}
	e := d.base(event.TicketCreated, at)
	e.ID = d.eventID(id)
	e.Tags = f.Labels
	if f.Priority != nil {
		e.Priority = priorityOf(f.Priority.Name, unquote(f.Priority.ID))
	}
	if f.Status != nil {
		e.Status = statusOf(f.Status.Name, category(f.Status))
	}
	creator := f.Reporter
	if creator == nil || creator.AccountType == "" {
		creator = d.p.User
	}
	if creator != nil {
		e.Author = role(creator.AccountType)
	}
	// An issue an agent creates is not outbound: nothing says the customer
	// saw its description, so it gets a first-response clock like a
	// customer's (Public stays false).
	return []event.Event{e}, nil
}

func (d delivery) commented() ([]event.Event, error) {
	c := d.p.Comment
	if c == nil {
		return nil, provider.Missing("comment")
	}
	var at time.Time
	var err error
	if c.Created != "" {
		if at, err = parseTime("comment.created", c.Created); err != nil {
			return nil, err
		}
	} else {
		var ok bool
		if at, ok, err = d.timestamp(); err != nil {
			return nil, err
		} else if !ok {
			return nil, provider.Missing("comment.created")
		}
	}
	cid, err := rawID("comment.id", c.ID)
	if err != nil {
		return nil, err
	}
	if d.id == "" && cid == "" {
		return nil, provider.Missing("comment.id")
	}
	e := d.base(event.InternalNote, at)
	// Jira sends every comment twice, as comment_created and as
	// jira:issue_updated (issue_commented), each with its own delivery id:
	// the comment id makes both one event, which the store counts once.
	e.ID = "comment:" + cid
	if cid == "" {
		e.ID = d.eventID()
	}

	var authorID, accountType string
	if c.Author != nil {
		authorID, accountType = c.Author.AccountID, c.Author.AccountType
	}
	r := role(accountType)
	if accountType == "" {
		// Jira Data Center sends no accountType: the reporter commenting
		// is the customer, anyone else is taken for an agent.
		r = event.Agent
		if c.Author.same(d.p.Issue.Fields.Reporter) {
			r = event.Customer
		}
	}
	if r == event.Customer {
		e.Kind, e.Author = event.CustomerMessage, event.Customer
		return []event.Event{e}, nil
	}
	e.Author = r
	// jsdPublic decides in Service Management. Without it (Jira Software,
	// Data Center) every comment is visible to whoever sees the issue,
	// unless it is restricted to a role or group.
	public := isNull(c.Visibility)
	if c.JSDPublic != nil {
		public = *c.JSDPublic
	}
	if public {
		e.Kind, e.Public = event.AgentReply, true
	}
	e.Acknowledgement = provider.IsAck(d.s, authorID, bodyText(c.Body))
	return []event.Event{e}, nil
}

func (d delivery) updated() ([]event.Event, string, error) {
	var evs []event.Event
	if d.p.Changelog != nil && len(d.p.Changelog.Items) > 0 {
		at, ok, err := d.timestamp()
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", provider.Missing("timestamp")
		}
		clID, err := rawID("changelog.id", d.p.Changelog.ID)
		if err != nil {
			return nil, "", err
		}
		if clID == "" {
			clID = unquote(d.p.Timestamp)
		}
		f := d.p.Issue.Fields
		seen := map[event.Kind]bool{}
		for _, it := range d.p.Changelog.Items {
			e := d.base("", at)
			field := strings.ToLower(it.FieldID)
			if field == "" {
				field = strings.ToLower(it.Field)
			}
			switch field {
			case "status":
				cat := ""
				if f.Status != nil && strings.EqualFold(f.Status.Name, it.ToString) {
					cat = category(f.Status) // the snapshot is the new status
				}
				e.Kind, e.Status = event.StatusChanged, statusOf(it.ToString, cat)
				if e.Status == "" {
					continue // a workflow status slawatch cannot place
				}
			case "priority":
				e.Kind, e.Priority = event.PriorityChanged, priorityOf(it.ToString, unquote(it.To))
				if e.Priority == "" {
					continue
				}
			case "labels":
				e.Kind, e.Tags = event.TagsChanged, f.Labels
				if e.Tags == nil {
					e.Tags = strings.Fields(it.ToString) // space-separated
					if e.Tags == nil {
						e.Tags = []string{}
					}
				}
			default:
				continue
			}
			if seen[e.Kind] {
				continue
			}
			seen[e.Kind] = true
			// One delivery can carry several changes: each gets its own id,
			// stable across retries of the delivery.
			e.ID = d.eventID(clID) + "#" + field
			evs = append(evs, e)
		}
	}
	if d.p.Comment != nil {
		switch {
		case d.p.EventType == "issue_comment_edited" || d.p.EventType == "issue_comment_deleted":
			// An edit is not a second reply.
		case d.p.EventType == "" && d.p.Comment.Updated != "" && d.p.Comment.Updated != d.p.Comment.Created:
			// Jira Server before 7.x names no event type: an edited
			// comment is told by its later updated time.
		default:
			// issue_commented, or a transition made with a comment. The
			// comment's own event id de-duplicates it with comment_created.
			ce, err := d.commented()
			if err != nil {
				return nil, "", err
			}
			evs = append(evs, ce...)
		}
	}
	if len(evs) > 0 {
		return evs, "", nil
	}
	if d.p.Comment != nil {
		return nil, "jira:issue_updated for an edited or deleted comment is not tracked", nil
	}
	return nil, "jira:issue_updated without a status, priority or labels change is not tracked", nil
}

// role maps Jira's accountType onto an author role.
func role(accountType string) event.Role {
	switch strings.ToLower(accountType) {
	case "customer":
		return event.Customer
	case "app":
		return event.Bot // Automation for Jira, Connect and Forge apps, AI agents
	case "":
		return ""
	}
	return event.Agent
}

// priorityOf maps a Jira priority name, or failing that one of the five
// system priority ids, onto a canonical priority.
func priorityOf(name, id string) event.Priority {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "highest", "blocker", "urgent":
		return event.Urgent
	case "high", "critical":
		return event.High
	case "medium", "major", "normal":
		return event.Normal
	case "low", "lowest", "minor", "trivial":
		return event.Low
	}
	// Renamed system priorities keep their ids (custom ones are 10000+).
	switch strings.TrimSpace(id) {
	case "1":
		return event.Urgent
	case "2":
		return event.High
	case "3":
		return event.Normal
	case "4", "5":
		return event.Low
	}
	return ""
}

// statusOf maps a Jira status onto a canonical status: a few names that
// mean waiting, then the status category, then common names when the
// category is unknown.
func statusOf(name, category string) event.Status {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "waiting for customer", "pending":
		return event.Pending
	case "on hold":
		return event.OnHold
	case "closed":
		return event.Closed
	}
	switch strings.ToLower(category) {
	case "new":
		return event.New
	case "indeterminate":
		return event.Open
	case "done":
		return event.Solved
	}
	switch n {
	case "to do", "open", "new", "backlog":
		return event.New
	case "in progress", "reopened", "waiting for support", "escalated", "work in progress":
		return event.Open
	case "done", "resolved", "canceled", "cancelled", "declined":
		return event.Solved
	}
	return ""
}

func category(s *status) string {
	if s.StatusCategory == nil {
		return ""
	}
	return s.StatusCategory.Key
}

// parseTime reads Jira's times (2026-11-23T09:10:00.000+0000) and RFC 3339.
func parseTime(field, s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, provider.Errorf(field, "%q is not a Jira time (2006-01-02T15:04:05.000-0700)", s)
}

// rawID reads an id sent as a JSON string or number; "" when absent.
func rawID(field string, raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	t := bytes.TrimSpace(raw)
	switch {
	case t[0] == '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", provider.Errorf(field, "not a string")
		}
		return s, nil
	case t[0] == '-' || (t[0] >= '0' && t[0] <= '9'):
		return string(t), nil
	}
	return "", provider.Errorf(field, "want a string or a number, got %s", firstBytes(t))
}

// bodyText is the text to search for the acknowledgement marker: the
// string, or the raw JSON of an ADF document (the marker has no characters
// JSON escapes, so it appears verbatim in either).
func bodyText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// unquote returns a JSON scalar's text without quotes.
func unquote(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	var s string
	if len(t) > 0 && t[0] == '"' && json.Unmarshal(t, &s) == nil {
		return s
	}
	if isNull(t) {
		return ""
	}
	return string(t)
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func firstBytes(b []byte) string {
	if len(b) > 20 {
		return strconv.Quote(string(b[:20])) + "…"
	}
	return strconv.Quote(string(b))
}
