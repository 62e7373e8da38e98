// Package pagerduty delivers slawatch's alerts to PagerDuty through the
// Events API v2, and reads the v3 webhooks PagerDuty sends back when an
// incident is acknowledged or resolved.
//
// # Events
//
// Every alert about one ticket's clock (source, ticket, metric, cycle)
// carries the same dedup_key, oncall.IncidentKey, so PagerDuty applies the
// warning, the breach and every escalation level to one open alert and its
// incident, and sla.recovered resolves it. "Submitting subsequent events for
// the same dedup_key will result in those events being applied to an open
// alert matching that dedup_key. Once the alert is resolved, any further
// events with the same dedup_key will create a new alert (for trigger
// events) or be dropped (for acknowledge and resolve events)"
// (developer.pagerduty.com, Events API v2, Send an Alert Event: "Alert
// De-Duplication"; github.com/PagerDuty/developer-docs
// docs/events-API-v2/02-Trigger-Events.md). A storm digest's key is its
// team's: one incident per team while it stays open.
//
// The mapping, kind by kind:
//
//	kind                  event_action  payload.severity
//	sla.warning           trigger       warning
//	sla.predicted_breach  trigger       warning
//	sla.breach            trigger       error
//	sla.escalation        trigger       critical
//	sla.breach_digest     trigger       critical
//	sla.recovered         resolve       (no payload)
//	other kinds           trigger       the document's severity (info, warning, critical)
//
// PagerDuty's severities are critical, error, warning and info; with
// "dynamic notifications" critical and error make high-urgency incidents
// that escalate, warning and info low-urgency ones that do not
// (support.pagerduty.com/docs/dynamic-notifications). A warning is a
// deadline coming: low urgency. A breach is a failure of one operation (a
// ticket's promise), not of the support service: error, still high urgency.
// An escalation is the policy asking for more people, and a digest is many
// breaches at once, the support operation itself failing: critical.
//
// A trigger carries payload.summary (the alert's summary, at most 1024
// characters), payload.source ("slawatch/<source>"), payload.severity,
// payload.timestamp (when the alert was planned: the document's at),
// payload.component (the SLA policy), payload.group (the team),
// payload.class (the alert kind), payload.custom_details (ticket, metric,
// cycle, level, due_at, overdue or time-left seconds, notify, alert id and,
// for a digest, the tickets), links (the ticket), and client "slawatch". A
// resolve carries only routing_key, event_action and dedup_key, as the
// documentation's example does. dedup_key is limited to 255 characters: a
// longer key is replaced by a SHA-256 of it, the same for every event of the
// clock.
//
// # Answers
//
// The documented answers (Events API v2 overview, "Response Codes & Retry
// Logic"; developer-docs docs/events-API-v2/01-Overview.md and
// PagerDuty/api-schema reference/events-v2/openapiv3.json): 202 accepted,
// body {"status":"success","message":"Event processed","dedup_key":...}; 400
// the event is invalid, not retried, body {"status":"invalid event",
// "message":"Event object is invalid","errors":[...]}, whose errors are kept
// in the *oncall.Error's Reason; 429 too many events, retry "after some time"
// (PagerDuty documents no Retry-After: when there is none the back-off of
// oncall.Deliver applies); 5xx and network errors, retried. The routing key
// is a credential: it travels in the body only and is never in an error.
package pagerduty

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// Limits of the Events API v2 (developer-docs
// docs/events-API-v2/02-Trigger-Events.md and 01-Overview.md).
const (
	// DefaultURL is the Events API v2 endpoint.
	DefaultURL = "https://events.pagerduty.com/v2/enqueue"
	// MaxDedupKey bounds dedup_key, in characters.
	MaxDedupKey = 255
	// MaxSummary bounds payload.summary, in characters.
	MaxSummary = 1024
	// MaxBody bounds a whole event ("Events API payloads are limited to 512 KB").
	MaxBody = 512 * 1024
	// RoutingKeyLen is the length of an integration's routing key.
	RoutingKeyLen = 32
)

// tool names PagerDuty in errors.
const tool = "pagerduty"

// Event actions and severities of the Events API v2.
const (
	ActionTrigger     = "trigger"
	ActionAcknowledge = "acknowledge"
	ActionResolve     = "resolve"

	SeverityCritical = "critical"
	SeverityError    = "error"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Sender delivers alerts to one PagerDuty service integration.
type Sender struct {
	// RoutingKey is the Events API v2 integration key of the service: a
	// credential, from Secrets Manager or SLAWATCH_PAGERDUTY_ROUTING_KEY.
	RoutingKey string
	URL        string       // DefaultURL when empty
	Client     *http.Client // a client with a 10 s timeout when nil
	Now        func() time.Time
}

var _ oncall.Sender = (*Sender)(nil)

var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Event is an Events API v2 event without its routing key, so that it can
// be shown or logged.
type Event struct {
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key"`
	Payload     *Payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// Payload is a trigger's description of the problem (PD-CEF).
type Payload struct {
	Summary       string  `json:"summary"`
	Source        string  `json:"source"`
	Severity      string  `json:"severity"`
	Timestamp     string  `json:"timestamp,omitempty"`
	Component     string  `json:"component,omitempty"`
	Group         string  `json:"group,omitempty"`
	Class         string  `json:"class,omitempty"`
	CustomDetails Details `json:"custom_details"`
}

// Details are a trigger's custom_details: what an on-call lead needs
// without opening the helpdesk. No customer personal data, as in the alert.
type Details struct {
	AlertID         string              `json:"alert_id"`
	Kind            string              `json:"kind"`
	Source          string              `json:"source,omitempty"`
	Ticket          string              `json:"ticket,omitempty"`
	TicketURL       string              `json:"ticket_url,omitempty"`
	Metric          string              `json:"metric,omitempty"`
	Cycle           int                 `json:"cycle"`
	Level           int                 `json:"level"`
	Policy          string              `json:"policy,omitempty"`
	Team            string              `json:"team,omitempty"`
	Priority        string              `json:"priority,omitempty"`
	DueAt           string              `json:"due_at,omitempty"`
	OverdueSeconds  *int64              `json:"overdue_seconds,omitempty"`
	TimeLeftSeconds *int64              `json:"time_left_seconds,omitempty"`
	Notify          []string            `json:"notify,omitempty"`
	TicketCount     *int                `json:"ticket_count,omitempty"`
	Tickets         []notify.DigestItem `json:"tickets,omitempty"`
}

// Link is a link shown on the alert and its incident.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// DedupKey is the dedup_key of d's events: oncall.IncidentKey, or a hash of
// it when it is longer than PagerDuty accepts.
func DedupKey(d notify.Document) string {
	k := oncall.IncidentKey(d)
	if utf8.RuneCountInString(k) <= MaxDedupKey {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "slawatch/sha256/" + hex.EncodeToString(sum[:])
}

// Action is the event_action for d: resolve for sla.recovered, trigger for
// the rest.
func Action(d notify.Document) string {
	if oncall.Resolves(d) {
		return ActionResolve
	}
	return ActionTrigger
}

// Severity is the payload.severity of a trigger for d (see the package
// comment for why).
func Severity(d notify.Document) string {
	switch d.Kind {
	case notify.KindWarning, notify.KindPredicted:
		return SeverityWarning
	case notify.KindBreach:
		return SeverityError
	case notify.KindEscalation, notify.KindBreachDigest:
		return SeverityCritical
	}
	switch d.Severity {
	case SeverityCritical, SeverityWarning, SeverityInfo:
		return d.Severity
	}
	return SeverityError // an unknown severity still pages: better than silence
}

// NewEvent maps d to its event; now stands in for a document without a
// planned instant.
func NewEvent(d notify.Document, now time.Time) Event {
	ev := Event{EventAction: Action(d), DedupKey: DedupKey(d)}
	if ev.EventAction == ActionResolve {
		return ev
	}
	ts := now
	switch {
	case d.At != nil:
		ts = *d.At
	case d.SentAt != nil:
		ts = *d.SentAt
	}
	source := "slawatch"
	if d.Source != "" {
		source += "/" + d.Source
	}
	det := Details{
		AlertID: d.ID, Kind: d.Kind, Source: d.Source, Ticket: d.TicketID, TicketURL: d.TicketURL,
		Metric: d.Metric, Cycle: d.Cycle, Level: d.Level, Policy: d.Policy, Team: d.Team,
		Priority: d.Priority, OverdueSeconds: d.OverdueSeconds, TimeLeftSeconds: d.TimeLeftSeconds,
		Notify: d.Notify, TicketCount: d.TicketCount, Tickets: d.Tickets,
	}
	if d.DueAt != nil {
		det.DueAt = d.DueAt.UTC().Format(time.RFC3339)
	}
	ev.Payload = &Payload{
		Summary:       truncate(summary(d), MaxSummary),
		Source:        source,
		Severity:      Severity(d),
		Timestamp:     ts.UTC().Format(time.RFC3339),
		Component:     d.Policy,
		Group:         d.Team,
		Class:         d.Kind,
		CustomDetails: det,
	}
	ev.Client = "slawatch"
	if d.TicketURL != "" {
		ev.Links = append(ev.Links, Link{Href: d.TicketURL, Text: ticketText(d.Source, d.TicketID)})
	}
	for _, t := range d.Tickets {
		if t.TicketURL != "" {
			ev.Links = append(ev.Links, Link{Href: t.TicketURL, Text: ticketText(t.Source, t.TicketID)})
		}
	}
	return ev
}

// summary is the document's, or one made up: PagerDuty requires it.
func summary(d notify.Document) string {
	if s := strings.TrimSpace(d.Summary); s != "" {
		return s
	}
	return strings.TrimSpace("slawatch " + d.Kind + ": " + ticketText(d.Source, d.TicketID))
}

func ticketText(source, id string) string {
	return strings.TrimSpace(source + " ticket " + id)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// wire is what goes to PagerDuty: the event with its routing key.
type wire struct {
	RoutingKey string `json:"routing_key"`
	Event
}

// answer is the Events API's answer body, on success and on failure.
type answer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key"`
	Errors   []string `json:"errors"`
}

// Send delivers d as one event. Failures are *oncall.Error: a 400 is
// permanent with PagerDuty's errors in Reason; 429, 5xx and network errors
// are retryable.
func (s *Sender) Send(ctx context.Context, d notify.Document) error {
	if len(s.RoutingKey) != RoutingKeyLen {
		// Said without the key: a wrong key is still a secret.
		return &oncall.Error{Tool: tool, Permanent: true,
			Reason: fmt.Sprintf("routing key has %d characters, want %d", len(s.RoutingKey), RoutingKeyLen)}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ev := NewEvent(d, now())
	body, err := json.Marshal(wire{RoutingKey: s.RoutingKey, Event: ev})
	if err != nil {
		return &oncall.Error{Tool: tool, Permanent: true, Err: fmt.Errorf("encode event for %s: %w", d.ID, err)}
	}
	if len(body) > MaxBody {
		return &oncall.Error{Tool: tool, Permanent: true,
			Reason: fmt.Sprintf("event for %s has %d bytes, PagerDuty takes at most %d", d.ID, len(body), MaxBody)}
	}
	u := s.URL
	if u == "" {
		u = DefaultURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		// The URL is not secret, but the error may quote it: keep it short.
		return &oncall.Error{Tool: tool, Permanent: true, Reason: "bad events URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := oncall.Do(client, req, tool)
	if err != nil {
		return s.scrub(explain(err, resp))
	}
	var a answer
	if json.Unmarshal(resp, &a) == nil && a.DedupKey != "" && a.DedupKey != ev.DedupKey {
		// Accepted, but later events of this clock would miss the alert.
		return s.scrub(&oncall.Error{Tool: tool, Permanent: true,
			Reason: fmt.Sprintf("PagerDuty took the event under dedup_key %q, sent %q", a.DedupKey, ev.DedupKey)})
	}
	return nil
}

// explain puts PagerDuty's own explanation of a failure in Reason: its
// message and errors ("Length of 'routing_key' is incorrect (should be 32
// characters)").
func explain(err error, body []byte) error {
	var e *oncall.Error
	if !errors.As(err, &e) || len(body) == 0 {
		return err
	}
	var a answer
	if json.Unmarshal(body, &a) != nil || (a.Message == "" && len(a.Errors) == 0) {
		return err
	}
	r := a.Message
	if len(a.Errors) > 0 {
		r = strings.TrimPrefix(r+": "+strings.Join(a.Errors, "; "), ": ")
	}
	e.Reason = truncate(strings.Join(strings.Fields(r), " "), 300)
	return e
}

// scrub takes the routing key out of an error's text, in case an answer
// quotes the request.
func (s *Sender) scrub(err error) error {
	var e *oncall.Error
	if !errors.As(err, &e) || s.RoutingKey == "" {
		return err
	}
	e.Reason = strings.ReplaceAll(e.Reason, s.RoutingKey, "[routing key]")
	if e.Err != nil && strings.Contains(e.Err.Error(), s.RoutingKey) {
		e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), s.RoutingKey, "[routing key]"))
	}
	return err
}
