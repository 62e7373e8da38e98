// Package opsgenie delivers slawatch's alerts to Opsgenie through its Alert
// API v2 (https://docs.opsgenie.com/docs/alert-api): one Opsgenie alert per
// ticket clock, whose alias is oncall.IncidentKey, raised in priority as the
// clock escalates and closed when it recovers. It also reads the payload of
// Opsgenie's outgoing webhook integration, so that an acknowledgement made
// in Opsgenie can reach slawatch (webhook.go).
//
// The contract this package relies on, with its sources, is in
// docs/integrations/opsgenie.md; opsgenietest serves it locally.
package opsgenie

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// Tool names Opsgenie in errors.
const Tool = "opsgenie"

// The API's endpoints per region ("If using the EU instance of Opsgenie,
// the URL needs to be https://api.eu.opsgenie.com", docs/alert-api; the same
// hosts are API_URL and API_URL_EU in opsgenie/opsgenie-go-sdk-v2
// client/config.go).
const (
	USBaseURL = "https://api.opsgenie.com"
	EUBaseURL = "https://api.eu.opsgenie.com"
)

// Field limits of Create Alert, in characters (docs/alert-api, "JSON Body
// Fields"; docs/alerts-and-alert-fields for tags).
const (
	MaxMessage     = 130
	MaxAlias       = 512
	MaxDescription = 15000
	MaxTags        = 20
	MaxTag         = 50
	MaxDetails     = 8000 // keys and values together
	MaxEntity      = 512
	MaxSource      = 100
	MaxNote        = 25000
)

// Source is the alert's source field: who sent it.
const Source = "slawatch"

// Opsgenie's priorities, P1 the highest; P3 is the API's default.
var Priorities = []string{"P1", "P2", "P3", "P4", "P5"}

// Sender delivers alert documents to one Opsgenie API integration.
type Sender struct {
	// APIKey is the API integration's key, sent as "Authorization: GenieKey
	// <key>". A credential: it never appears in an error.
	APIKey string
	// Region is "us" (the default) or "eu": the account's Opsgenie instance.
	Region string
	// BaseURL, when set, replaces the region's endpoint (tests, a proxy).
	BaseURL string
	// Client sends the requests; nil is a client with a 10-second timeout.
	Client *http.Client
	// Now is the clock for "overdue by" in the alert; nil is time.Now.
	Now func() time.Time
}

// Send creates or updates the alert for d's clock, or closes it when d is a
// recovery. A breach, an escalation or a digest also sets the alert's
// priority: Opsgenie de-duplicates a create on an open alert's alias by
// counting it, without touching its fields, so the priority of an alert
// created by a warning would otherwise stay at the warning's.
func (s *Sender) Send(ctx context.Context, d notify.Document) error {
	base, err := s.baseURL()
	if err != nil {
		return err
	}
	alias := Alias(d)
	if oncall.Resolves(d) {
		return s.close(ctx, base, alias, d)
	}
	body, err := json.Marshal(s.Alert(d))
	if err != nil {
		return fmt.Errorf("opsgenie: encode alert %s: %w", d.ID, err)
	}
	if _, err := s.do(ctx, http.MethodPost, base+"/v2/alerts", body); err != nil {
		return fmt.Errorf("create alert: %w", err)
	}
	if !raises(d.Kind) {
		return nil
	}
	body, _ = json.Marshal(map[string]string{"priority": Priority(d)})
	if _, err := s.do(ctx, http.MethodPut, aliasURL(base, alias, "priority"), body); err != nil {
		// Sending d again repeats the create, which only counts once more.
		return fmt.Errorf("update priority: %w", err)
	}
	return nil
}

// close closes the alert. A 404 is success: the alert the recovery would
// close is not there (closed by a person, or never created), and no retry
// can change that.
func (s *Sender) close(ctx context.Context, base, alias string, d notify.Document) error {
	body, _ := json.Marshal(closeRequest{Source: Source, Note: truncate(closeNote(d, s.now()), MaxNote)})
	_, err := s.do(ctx, http.MethodPost, aliasURL(base, alias, "close"), body)
	var e *oncall.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("close alert: %w", err)
	}
	return nil
}

type closeRequest struct {
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`
}

// CreateRequest is the body of Create Alert.
type CreateRequest struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
	Entity      string            `json:"entity,omitempty"`
	Source      string            `json:"source,omitempty"`
	Priority    string            `json:"priority,omitempty"`
	// Responders are left to the integration: an API integration created
	// in a team routes its alerts to that team (docs/integrations/opsgenie.md).
}

// Alert renders d as a Create Alert request, every field within its limit.
func (s *Sender) Alert(d notify.Document) CreateRequest {
	msg := d.Summary
	if msg == "" {
		msg = "slawatch " + d.Kind
	}
	return CreateRequest{
		Message:     truncate(msg, MaxMessage),
		Alias:       Alias(d),
		Description: truncate(description(d), MaxDescription),
		Tags:        tags(d),
		Details:     boundDetails(details(d, s.now()), MaxDetails),
		Entity:      truncate(entity(d), MaxEntity),
		Source:      Source,
		Priority:    Priority(d),
	}
}

// Priority maps an alert to Opsgenie's P1 (highest) to P5. The stakes rise
// along a clock's life: a prediction (a model's guess, P4), a warning (a
// deadline coming, P3, Opsgenie's default), the breach (P2), an escalation
// (the breach left unhandled long enough that the policy names more
// people, P1). A digest stands for many breaches of one team at once: P1.
// Kinds slawatch may add later fall back on their severity.
func Priority(d notify.Document) string {
	switch d.Kind {
	case notify.KindBreachDigest:
		return "P1"
	case notify.KindEscalation:
		if d.Level >= 1 {
			return "P1"
		}
		return "P2"
	case notify.KindBreach:
		return "P2"
	case notify.KindWarning:
		return "P3"
	case notify.KindPredicted:
		return "P4"
	case notify.KindRecovered:
		return "P5"
	}
	switch d.Severity {
	case "critical":
		return "P2"
	case "warning":
		return "P3"
	}
	return "P5"
}

// raises reports whether an alert of kind outranks everything before it in
// its clock's life, so that its priority is set on the open alert. A
// warning or a prediction is not: a late prediction after a warning would
// lower the alert.
func raises(kind string) bool {
	return kind == notify.KindBreach || kind == notify.KindEscalation || kind == notify.KindBreachDigest
}

// Alias is the alert's alias: oncall.IncidentKey, or, beyond Opsgenie's 512
// characters, its start and a SHA-256 of the whole, so that it stays unique
// and stable.
func Alias(d notify.Document) string {
	key := oncall.IncidentKey(d)
	if utf8.RuneCountInString(key) <= MaxAlias {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	h := "#" + hex.EncodeToString(sum[:])
	return string([]rune(key)[:MaxAlias-len(h)]) + h
}

// aliasURL is an action on the alert with alias: the alias is one path
// segment (slashes escaped) and identifierType says it is an alias, not
// Opsgenie's id.
func aliasURL(base, alias, action string) string {
	return base + "/v2/alerts/" + url.PathEscape(alias) + "/" + action + "?identifierType=alias"
}

func (s *Sender) baseURL() (string, error) {
	if s.BaseURL != "" {
		return strings.TrimRight(s.BaseURL, "/"), nil
	}
	switch strings.ToLower(s.Region) {
	case "", "us":
		return USBaseURL, nil
	case "eu":
		return EUBaseURL, nil
	}
	return "", &oncall.Error{Tool: Tool, Permanent: true, Err: fmt.Errorf("unknown region %q (us or eu)", s.Region)}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// do sends one request and classifies the answer with oncall.Do. Opsgenie
// answers a valid request with 202 (processed asynchronously), so any 2xx
// is success.
func (s *Sender) do(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	if s.APIKey == "" {
		return nil, &oncall.Error{Tool: Tool, Permanent: true, Err: errors.New("no API key")}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, &oncall.Error{Tool: Tool, Permanent: true, Err: errors.New("bad endpoint URL")}
	}
	req.Header.Set("Authorization", "GenieKey "+s.APIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slawatch")
	c := http.Client{Timeout: 10 * time.Second}
	if s.Client != nil {
		c = *s.Client
	}
	c.Transport = rateLimitHint{base: c.Transport}
	b, err := oncall.Do(&c, req, Tool)
	return b, s.redact(err)
}

// redact keeps the API key out of an error even if an answer quoted it.
func (s *Sender) redact(err error) error {
	var e *oncall.Error
	if errors.As(err, &e) && s.APIKey != "" {
		e.Reason = strings.ReplaceAll(e.Reason, s.APIKey, "[redacted]")
		if e.Err != nil && strings.Contains(e.Err.Error(), s.APIKey) {
			e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), s.APIKey, "[redacted]"))
		}
	}
	return err
}

// rateLimitHint turns Opsgenie's rate-limit answer into a Retry-After that
// oncall.Do honours. Opsgenie's 429 carries no Retry-After but
// X-RateLimit-State: THROTTLED and X-RateLimit-Period-In-Sec, the window
// (1 or 60 seconds) that was exceeded (docs/api-rate-limiting;
// opsgenie-go-sdk-v2 client/client.go and TestExecWhenApiReturnsRateLimitingDetails).
type rateLimitHint struct{ base http.RoundTripper }

func (t rateLimitHint) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" {
		return resp, err
	}
	if p, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("X-RateLimit-Period-In-Sec"))); perr == nil && p > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(p))
	}
	return resp, nil
}

// truncate cuts s to at most n characters, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func entity(d notify.Document) string {
	if d.Kind == notify.KindBreachDigest {
		if d.Team == "" {
			return "slawatch digest"
		}
		return "team " + d.Team
	}
	return strings.TrimSpace(d.Source + " ticket " + d.TicketID)
}

// tags label the alert for Opsgenie's searches, routing rules and
// filters: each at most 50 characters, at most 20.
func tags(d notify.Document) []string {
	t := []string{"slawatch", d.Kind}
	for _, kv := range [][2]string{
		{"severity", d.Severity}, {"source", d.Source}, {"team", d.Team},
		{"policy", d.Policy}, {"metric", d.Metric},
	} {
		if kv[1] != "" {
			t = append(t, kv[0]+":"+kv[1])
		}
	}
	for i := range t {
		t[i] = truncate(strings.Join(strings.Fields(t[i]), "_"), MaxTag)
	}
	return t[:min(len(t), MaxTags)]
}

// details are the alert's custom properties: strings only.
func details(d notify.Document, now time.Time) map[string]string {
	m := map[string]string{
		"alert_id": d.ID, "kind": d.Kind, "severity": d.Severity,
		"cycle": strconv.Itoa(d.Cycle), "level": strconv.Itoa(d.Level),
	}
	for k, v := range map[string]string{
		"source": d.Source, "ticket": d.TicketID, "ticket_url": d.TicketURL, "metric": d.Metric,
		"policy": d.Policy, "team": d.Team, "ticket_priority": d.Priority, "channel": d.Channel,
	} {
		if v != "" {
			m[k] = v
		}
	}
	if d.DueAt != nil {
		m["due_at"] = d.DueAt.UTC().Format(time.RFC3339)
		if late := overdue(d, now); late > 0 {
			m["overdue"] = notify.Duration(late)
		}
	}
	if d.TicketCount != nil {
		m["ticket_count"] = strconv.Itoa(*d.TicketCount)
		ids := make([]string, 0, len(d.Tickets))
		for _, t := range d.Tickets {
			ids = append(ids, t.Source+"/"+t.TicketID)
		}
		m["tickets"] = strings.Join(ids, " ")
	}
	return m
}

// overdue is how late the clock is: at delivery (it may be retried long
// after rendering), or for a recovery how late the reply came.
func overdue(d notify.Document, now time.Time) time.Duration {
	if d.DueAt == nil {
		return 0
	}
	if oncall.Resolves(d) {
		if d.OverdueSeconds == nil {
			return 0
		}
		return time.Duration(*d.OverdueSeconds) * time.Second
	}
	return now.Sub(*d.DueAt)
}

// boundDetails shortens the longest values until keys and values together
// fit Opsgenie's total.
func boundDetails(m map[string]string, limit int) map[string]string {
	for {
		total, longest := 0, ""
		for k, v := range m {
			total += utf8.RuneCountInString(k) + utf8.RuneCountInString(v)
			if n, l := utf8.RuneCountInString(v), utf8.RuneCountInString(m[longest]); n > l || n == l && k < longest {
				longest = k
			}
		}
		if total <= limit || longest == "" {
			return m
		}
		keep := max(utf8.RuneCountInString(m[longest])-(total-limit), 1)
		m[longest] = truncate(m[longest], keep)
		if keep == 1 {
			delete(m, longest)
		}
	}
}

func description(d notify.Document) string {
	var b strings.Builder
	b.WriteString(d.Summary + "\n")
	line := func(k, v string) {
		if v != "" {
			b.WriteString("\n" + k + ": " + v)
		}
	}
	line("Ticket", d.TicketURL)
	line("Policy", d.Policy)
	line("Team", d.Team)
	line("Ticket priority", d.Priority)
	line("Channel", d.Channel)
	if d.DueAt != nil {
		line("Due", d.DueAt.UTC().Format(time.RFC3339))
	}
	line("Notify", strings.Join(d.Notify, ", "))
	for i, t := range d.Tickets {
		if i == 0 {
			b.WriteString("\n\nTickets:")
		}
		b.WriteString("\n- " + strings.TrimSpace(t.Source+" "+t.TicketID+" "+t.Metric+" due "+t.DueAt.UTC().Format(time.RFC3339)+" "+t.TicketURL))
	}
	fmt.Fprintf(&b, "\n\nslawatch alert %s (%s, severity %s).", d.ID, d.Kind, d.Severity)
	return b.String()
}

func closeNote(d notify.Document, now time.Time) string {
	s := "Recovered: the ticket got its reply"
	if d.At != nil {
		s += " at " + d.At.UTC().Format(time.RFC3339)
	}
	if late := overdue(d, now); late > 0 {
		s += ", " + notify.Duration(late) + " after the deadline"
	}
	return s + ". (slawatch alert " + d.ID + ")"
}
