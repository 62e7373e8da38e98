// Package notify delivers SLA alerts to on-call leads: Console writes them
// as JSON lines for the local server; SNS publishes them to a topic with a
// message per protocol and attributes for filter policies.
package notify

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Alert kinds.
const (
	KindWarning      = "sla.warning"
	KindBreach       = "sla.breach"
	KindEscalation   = "sla.escalation"
	KindRecovered    = "sla.recovered"
	KindPredicted    = "sla.predicted_breach"
	KindBreachDigest = "sla.breach_digest" // storm control: many breaches in one message
	// The intake's heartbeat (package heartbeat): a source that sent
	// nothing while its team was open, its return, and one whose requests
	// keep failing verification.
	KindSourceSilent   = "sla.source_silent"
	KindSourceBack     = "sla.source_back"
	KindSourceRejected = "sla.source_rejected"
	// KindConfigRefused: a new configuration was invalid and refused
	// whole; the previous one keeps running (docs/sla-semantics.md).
	KindConfigRefused  = "sla.config_refused"
	SchemaVersion      = "1" // of the JSON document in docs/alerts.md
	severityInfo       = "info"
	severityWarning    = "warning"
	severityCritical   = "critical"
	defaultDigestLimit = 50
)

// Alert is one alert about one ticket (or, for a digest, many), ready to
// deliver. Times are instants; renderers show them in the notifier's zone.
type Alert struct {
	// ID is stable across retries of the same alert: subscribers and SNS FIFO
	// topics de-duplicate on it.
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Severity  string    `json:"severity"` // info, warning or critical
	Metric    string    `json:"metric,omitempty"`
	Cycle     int       `json:"cycle,omitempty"`
	Level     int       `json:"level,omitempty"`
	Source    string    `json:"source"`
	TicketID  string    `json:"ticket_id,omitempty"`
	TicketURL string    `json:"ticket_url,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Team      string    `json:"team"`
	Priority  string    `json:"priority,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	DueAt     time.Time `json:"due_at"`
	// At is when the alert was planned to go: the warning point, the
	// deadline, the escalation instant, or the reply for recovered.
	At     time.Time `json:"at"`
	SentAt time.Time `json:"sent_at"`
	Notify []string  `json:"notify,omitempty"`
	// Tickets lists the breaches a digest stands for.
	Tickets []DigestItem `json:"tickets,omitempty"`
	// Ends is, for sla.source_back, the alert it ends: sla.source_silent
	// or sla.source_rejected.
	Ends string `json:"ends,omitempty"`
}

// DigestItem is one breached ticket in a digest.
type DigestItem struct {
	Source    string    `json:"source"`
	TicketID  string    `json:"ticket_id"`
	TicketURL string    `json:"ticket_url,omitempty"`
	Metric    string    `json:"metric"`
	Priority  string    `json:"priority,omitempty"`
	DueAt     time.Time `json:"due_at"`
}

// SeverityOf returns the severity of an alert kind.
func SeverityOf(kind string) string {
	switch kind {
	case KindBreach, KindEscalation, KindBreachDigest, KindSourceRejected, KindConfigRefused:
		return severityCritical
	case KindWarning, KindPredicted, KindSourceSilent:
		return severityWarning
	}
	return severityInfo
}

// Notifier delivers alerts.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// Console writes each alert as SNS would send it: the JSON document of the
// "default" key on one line, and the SMS text under it.
type Console struct {
	mu  sync.Mutex
	w   io.Writer
	loc *time.Location
	now func() time.Time
}

// NewConsole returns a Console writing to w, showing times in loc (UTC when
// nil).
func NewConsole(w io.Writer, loc *time.Location) *Console {
	if loc == nil {
		loc = time.UTC
	}
	return &Console{w: w, loc: loc, now: time.Now}
}

func (c *Console) Notify(_ context.Context, a Alert) error {
	m := Render(a, c.loc, c.now())
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.w, "ALERT %s\n      sms: %s\n", m.Default, m.SMS); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
