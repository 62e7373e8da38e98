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
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	Tags     []string `json:"tags,omitzero"` // nil: unchanged; the full tag set otherwise (empty: all removed, kept so through JSON)

	Author Role `json:"author,omitempty"`
	Public bool `json:"public,omitempty"`
	// Acknowledgement marks slawatch's own auto-acknowledgement echoed back by
	// the helpdesk; it never counts as a response.
	Acknowledgement bool `json:"acknowledgement,omitempty"`
	// CustomerZone is the customer's IANA time zone when the helpdesk knows
	// it ("Europe/Paris"): promises are then said in the customer's time.
	CustomerZone string `json:"customer_zone,omitempty"`

	// The customer the ticket is for, as far as the helpdesk says (empty:
	// unknown/unchanged), for per-customer SLAs. Organization is the
	// helpdesk's id of the customer's organization or company, Company its
	// name, Domain the requester's e-mail domain, lower-case (EmailDomain).
	// An e-mail address is personal data: adapters keep its domain only, and
	// Validate refuses a Domain holding an "@".
	Organization string `json:"organization,omitempty"`
	Company      string `json:"company,omitempty"`
	Domain       string `json:"domain,omitempty"`
}

// CountsAsResponse reports whether the event answers the customer: a public
// reply by a human agent that is not slawatch's own acknowledgement.
func (e Event) CountsAsResponse() bool {
	return e.Kind == AgentReply && e.Public && e.Author == Agent && !e.Acknowledgement
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid event")

// FieldError is a validation error: the JSON field at fault and what is
// wrong with it. It wraps ErrInvalid, and its message never quotes an id
// (ids may hold control characters meant for a log or a terminal).
type FieldError struct {
	Field  string // the event's JSON field, e.g. "ticket_id"
	Reason string // e.g. "longer than 512 bytes"
}

func (e *FieldError) Error() string {
	return ErrInvalid.Error() + ": " + e.Field + ": " + e.Reason
}

func (e *FieldError) Unwrap() error { return ErrInvalid }

func bad(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks that the event is complete and its enumerations known.
// Errors are *FieldError.
func (e Event) Validate() error {
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
	case strings.Contains(e.Domain, "@"):
		// Not echoed: it is an e-mail address.
		return bad("domain", "want the e-mail domain only, not an address")
	case e.Domain != strings.ToLower(e.Domain):
		return bad("domain", "want lower case")
	case e.Kind == StatusChanged && e.Status == "":
		return bad("status", "required for kind %s", e.Kind)
	case e.Kind == PriorityChanged && e.Priority == "":
		return bad("priority", "required for kind %s", e.Kind)
	case e.Kind == AgentReply && e.Author == "":
		return bad("author", "required for kind %s", e.Kind)
	}
	return nil
}

// MaxIDBytes bounds ticket_id and event_id, in bytes of UTF-8. The ids
// become DynamoDB partition keys, "T#<source>#<ticket id>" and
// "E#<source>#<event id>", and a partition key holds at most 2,048 bytes:
// with the longest source name (64 bytes) an id could take 1,981. The limit
// is lower because ids also fill DynamoDB's 400 KB items: the ticket item
// repeats the ticket id in every event of its log, and a queue item holds
// up to 5,000 ticket ids (docs/data-model.md). Real ids are short: GitHub's
// "owner/repo#123", at most about 150 bytes, is the longest of the
// supported helpdesks. The store's tests derive the worst-case keys from
// its own key functions.
const MaxIDBytes = 512

// DefaultMaxFutureSkew is how far past the time of receipt an event may be
// dated when its source sets no max_future_skew. Helpdesks stamp events
// when they happen, so a later date is a clock or time-zone error. A day is
// more than any time-zone mistake (local time read as UTC is at most 14
// hours ahead, in UTC+14), yet refuses the dates that would sort an event
// after everything the ticket will receive for weeks, so that later
// replies seem to come before it.
const DefaultMaxFutureSkew = 24 * time.Hour

// MinOccurredAt is the earliest time an event may be dated. Every supported
// helpdesk is younger (Zendesk, the oldest, dates from 2007); an earlier
// time is a unit error, typically Unix seconds read as milliseconds (which
// lands in January 1970), and would open a ticket breached decades ago.
var MinOccurredAt = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Check is Validate plus what an event received from outside must meet
// before it is stored: ids that fit the store's keys and are printable
// text (they reach logs, SMS and email), and a plausible time — from
// MinOccurredAt to maxFutureSkew (DefaultMaxFutureSkew when 0) after now,
// the time of receipt. Errors are *FieldError.
//
// Events older than the ticket's other events are not refused: delivery
// order is not event order, and whether an event is refused must not
// depend on which of a ticket's events arrived first.
func (e Event) Check(now time.Time, maxFutureSkew time.Duration) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if err := checkID("ticket_id", e.TicketID); err != nil {
		return err
	}
	if err := checkID("event_id", e.ID); err != nil {
		return err
	}
	if err := checkTags(e.Tags); err != nil {
		return err
	}
	if err := checkCustomer(e); err != nil {
		return err
	}
	if maxFutureSkew <= 0 {
		maxFutureSkew = DefaultMaxFutureSkew
	}
	switch {
	case e.OccurredAt.Before(MinOccurredAt):
		return bad("occurred_at", "%s is before %s: most likely a unit error (seconds read as milliseconds?)",
			e.OccurredAt.UTC().Format(time.RFC3339), MinOccurredAt.Format("2006-01-02"))
	case e.OccurredAt.After(now.Add(maxFutureSkew)):
		return bad("occurred_at", "%s is more than %s after the time of receipt %s (max_future_skew)",
			e.OccurredAt.UTC().Format(time.RFC3339), maxFutureSkew, now.UTC().Format(time.RFC3339))
	}
	return nil
}

// MaxTags and MaxTagBytes bound an event's tag set. The ticket item keeps
// the tags of every event in its log, and DynamoDB refuses an item over
// 400 KB: without a bound a single signed body (up to 1 MiB) full of tags
// makes its ticket unwritable, answered 500 and retried for ever. With it
// one event adds at most about 26 KB. (The log's total size over a long
// ticket's life is the store's concern, not one event's.) Helpdesks' own
// limits are close (Jira labels: 255 characters); a ticket with more than
// a hundred tags is a runaway automation.
const (
	MaxTags     = 100
	MaxTagBytes = 255
)

// checkTags refuses more than MaxTags tags, or a tag that is too long or
// not printable text (tags are matched by policies and shown in alerts).
func checkTags(tags []string) error {
	if len(tags) > MaxTags {
		return bad("tags", "%d tags, more than %d", len(tags), MaxTags)
	}
	for i, tag := range tags {
		field := fmt.Sprintf("tags[%d]", i)
		if len(tag) > MaxTagBytes {
			return bad(field, "longer than %d bytes (%d)", MaxTagBytes, len(tag))
		}
		if err := checkPrintable(field, tag); err != nil {
			return err
		}
	}
	return nil
}

// MaxCompanyBytes and MaxDomainBytes bound the customer's company name and
// e-mail domain; the organization id is bounded as ids are (MaxIDBytes).
// A DNS name is at most 253 bytes; helpdesks cap names near 255.
const (
	MaxCompanyBytes = 255
	MaxDomainBytes  = 253
)

// checkCustomer refuses customer fields that are too long or not printable
// text: they are matched by the configuration and may reach alerts.
func checkCustomer(e Event) error {
	for _, f := range [][2]string{{"organization", e.Organization}, {"company", e.Company}, {"domain", e.Domain}} {
		if err := checkCustomerField(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}

func checkCustomerField(field, v string) error {
	max := map[string]int{"organization": MaxIDBytes, "company": MaxCompanyBytes, "domain": MaxDomainBytes}[field]
	if len(v) > max {
		return bad(field, "longer than %d bytes (%d)", max, len(v))
	}
	if err := checkPrintable(field, v); err != nil {
		return err
	}
	if field == "domain" && strings.ContainsRune(v, ' ') {
		return bad(field, "contains a space")
	}
	return nil
}

// CustomerField returns v, trimmed, if it can fill the customer field
// named ("organization", "company" or "domain") of an event that Check
// accepts, and "" if not. Adapters pass what a helpdesk sent through it:
// a company name too long or with control characters is dropped, and the
// ticket falls to the default tier, rather than the whole event refused
// and lost.
func CustomerField(field, v string) string {
	v = strings.TrimSpace(v)
	if field == "domain" && (strings.Contains(v, "@") || v != strings.ToLower(v)) {
		return ""
	}
	if checkCustomerField(field, v) != nil {
		return ""
	}
	return v
}

// EmailDomain returns the domain of an e-mail address, lower-case and
// without a trailing dot, or "" when addr is not one (no "@" after a local
// part, a domain without a dot, a space in it): a phone number or a
// social handle ("@acme") gives "". Only the domain is kept: the
// address identifies a person. A display form such as
// "Ann <ann@example.com>" is accepted.
func EmailDomain(addr string) string {
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = strings.TrimSuffix(addr[i+1:], ">")
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "" // no address, or a social handle such as "@acme"
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(addr[at+1:])), ".")
	if !strings.Contains(d, ".") || len(d) > MaxDomainBytes || strings.ContainsAny(d, " @<>\t") {
		return ""
	}
	for _, r := range d {
		if !unicode.IsPrint(r) {
			return ""
		}
	}
	return d
}

// checkID refuses an id that is too long for the store's keys or holds
// anything but printable characters: no control characters (NUL, CR, LF,
// ESC), line or paragraph separators (U+2028, U+2029), or format
// characters such as the bidirectional overrides (U+202E) that make a log
// line or an SMS read other than it is. Spaces other than U+0020 are not
// printable either. The value itself is never echoed.
func checkID(field, id string) error {
	if len(id) > MaxIDBytes {
		return bad(field, "longer than %d bytes (%d)", MaxIDBytes, len(id))
	}
	return checkPrintable(field, id)
}

// checkPrintable refuses a value with anything but printable characters.
func checkPrintable(field, id string) error {
	for i, r := range id {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(id[i:]); size == 1 {
				return bad(field, "not valid UTF-8 at byte %d", i)
			}
		}
		if !unicode.IsPrint(r) {
			return bad(field, "contains %U at byte %d: only printable characters are allowed", r, i)
		}
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
