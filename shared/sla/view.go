package sla

import (
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// View is a ticket's SLA state as the API shows it, judged as of a given
// instant. Times are UTC; null when not set.
type View struct {
	Source            string         `json:"source"`
	TicketID          string         `json:"ticket_id"`
	Channel           event.Channel  `json:"channel"`
	Priority          event.Priority `json:"priority"`
	Status            event.Status   `json:"status"`
	Tags              []string       `json:"tags"`
	Policy            *string        `json:"policy"`
	ConfigVersion     string         `json:"config_version,omitempty"` // Ticket.ConfigVersion
	FirstResponse     *MetricView    `json:"first_response"`
	NextReply         *MetricView    `json:"next_reply"`
	NextReplyCycles   int            `json:"next_reply_cycles"`
	NextReplyBreaches int            `json:"next_reply_breaches"`
	NextAlertAt       *time.Time     `json:"next_alert_at"`
	Events            int            `json:"events"`
	// Acknowledgement is null until one was sent.
	Acknowledgement *AckView `json:"acknowledgement"`

	// Resolution is null unless the policy sets a resolution target; its
	// responded_at is when the ticket was solved or closed.
	Resolution *MetricView `json:"resolution"`
}

// AckView is the acknowledgement sent and whether its promise was kept:
// kept is null until the first response (or when the clock stopped
// without one).
type AckView struct {
	SentAt          time.Time `json:"sent_at"`
	PromisedBy      time.Time `json:"promised_by"`
	Kept            *bool     `json:"kept"`
	PredictedBreach bool      `json:"predicted_breach"`
}

// MetricView is one SLA clock as the API shows it.
type MetricView struct {
	Cycle       int        `json:"cycle,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	Target      string     `json:"target,omitempty"`
	Clock       string     `json:"clock,omitempty"` // business or calendar
	DueAt       *time.Time `json:"due_at"`
	RespondedAt *time.Time `json:"responded_at"`
	StoppedAt   *time.Time `json:"stopped_at"`
	Paused      bool       `json:"paused"`
	Breached    bool       `json:"breached"`
}

// View returns the ticket as of now.
func (t *Ticket) View(now time.Time) View {
	v := View{
		Source: t.Source, TicketID: t.ID, Channel: t.Channel, Priority: t.Priority, Status: t.Status,
		Tags: t.Tags, FirstResponse: t.FirstResponse.view(now), NextReply: t.NextReply.view(now),
		NextReplyCycles: t.NextReplyCycles, NextReplyBreaches: t.NextReplyBreaches, Events: t.EventCount(),
		ConfigVersion: t.ConfigVersion,
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if t.Policy != "" {
		v.Policy = &t.Policy
	}
	if m := t.Resolution; m != nil && m.Target > 0 {
		v.Resolution = m.view(now)
	}
	if at, ok := t.NextSendAt(); ok {
		at = at.UTC()
		v.NextAlertAt = &at
	}
	if a := t.Ack; a != nil && a.SentAt != nil {
		v.Acknowledgement = &AckView{SentAt: a.SentAt.UTC(), PromisedBy: a.PromisedBy.UTC(), PredictedBreach: a.PredictedBreach}
		if kept, ok := t.Kept(); ok {
			v.Acknowledgement.Kept = &kept
		}
	}
	return v
}

func (m *Metric) view(now time.Time) *MetricView {
	if m == nil {
		return nil
	}
	v := &MetricView{
		Cycle: m.Cycle, StartedAt: m.StartedAt.UTC(), DueAt: utc(m.DueAt), RespondedAt: utc(m.RespondedAt),
		StoppedAt: utc(m.StoppedAt), Paused: m.Paused(), Breached: m.Breached(now),
	}
	if m.Target > 0 {
		v.Target, v.Clock = m.Target.String(), "calendar"
		if m.Calendar != "" {
			v.Clock = "business"
		}
	}
	return v
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
