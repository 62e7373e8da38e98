// Package sla is slawatch's SLA engine: a pure, deterministic function from
// a ticket's events and the policy configuration to its SLA state —
// deadlines, fulfilment, breaches and the alerts they call for.
//
// The engine keeps each ticket's events, sorted by when they occurred, and
// derives the state by replaying them. Webhooks that arrive late or twice
// therefore give the same state as a perfectly ordered stream: order of
// arrival never matters, only occurred-at (and event ids for duplicates).
// A long ticket's oldest events are folded into a checkpoint, the replay's
// state after them (compact.go); replay starts from it.
// The clock is never read here; callers pass "now" where it matters.
package sla

import (
	"slices"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// Metric names.
const (
	FirstResponse = "first_response"
	NextReply     = "next_reply"
	// Resolution is the time to solve: from the ticket's creation until it
	// is solved or closed, paused while pending or on hold. It runs
	// alongside the others (a reply does not stop it) and has one clock per
	// ticket, cycle 0: reopening resumes it.
	Resolution = "resolution"
)

// Ticket is one ticket's SLA state.
type Ticket struct {
	Source   string         `json:"source"`
	ID       string         `json:"ticket_id"`
	Channel  event.Channel  `json:"channel"`
	Priority event.Priority `json:"priority"`
	Status   event.Status   `json:"status"`
	Tags     []string       `json:"tags,omitempty"`
	Policy   string         `json:"policy"` // empty: no policy matched, no SLA
	// ConfigVersion is the version of the configuration that settled the
	// deadlines (policy.Config's Version; empty: unversioned). A ticket
	// of another version is retargeted (Retarget) before its next event.
	ConfigVersion string `json:"config_version,omitempty"`
	// AgentCreated is set for tickets an agent opened with a public message
	// (outbound): they have no first-response clock.
	AgentCreated bool `json:"agent_created"`
	// CustomerZone is the customer's time zone, when a customer event gave it.
	CustomerZone string `json:"customer_zone,omitempty"`
	// The customer, as last known from the events (event.Event), and the
	// tier the configuration gives it (policy.Config.Tier); "" when unknown.
	Organization string `json:"organization,omitempty"`
	Company      string `json:"company,omitempty"`
	Domain       string `json:"domain,omitempty"`
	Tier         string `json:"tier,omitempty"`

	FirstResponse *Metric `json:"first_response"`
	// NextReply is the current next-reply cycle, or the last one if none is
	// running; NextReplyCycles counts them and NextReplyBreaches the breached.
	NextReply         *Metric `json:"next_reply"`
	NextReplyCycles   int     `json:"next_reply_cycles"`
	NextReplyBreaches int     `json:"next_reply_breaches"`
	// LateCycles are earlier next-reply cycles answered past their
	// deadline: they may still owe their breach and recovered alerts when
	// a new cycle has replaced them as NextReply.
	LateCycles []Metric `json:"late_cycles,omitempty"`
	// Resolution is the time-to-solve clock. Its RespondedAt is when the
	// ticket was solved or closed: the solve is what fulfils it. Without a
	// resolution target in the policy it has no deadline, alerts or record.
	Resolution *Metric `json:"resolution,omitempty"`

	// Events is the de-duplicated event log, in replay order: the events
	// after the checkpoint.
	Events []event.Event `json:"events"`
	// Checkpoint is the state of the events folded out of the log (nil:
	// none, the log is whole): replay starts from it.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// Pending lists the alerts still to send, earliest first.
	Pending []Alert `json:"pending,omitempty"`
	// Outbox holds alerts claimed by a checker run and not yet recorded as
	// sent.
	Outbox []Claim `json:"outbox,omitempty"`
	// Fired holds the keys of alerts already sent, so none is sent twice.
	Fired map[string]time.Time `json:"fired,omitempty"`
	// Ack is the customer's auto-acknowledgement: claimed, sent, or
	// skipped. Nil until one is considered. The events do not derive it:
	// Apply carries it over.
	Ack *Acknowledgement `json:"ack,omitempty"`

	// Recorded maps the id of each ended clock's history record that has
	// been written to the history store to the Digest of the version
	// written. Ended clocks whose current version is not here are still to
	// be recorded.
	Recorded map[string]string `json:"recorded,omitempty"`
	// RecordAt is the earliest end among the ended clocks still to be
	// recorded, nil when there are none (or nobody records). It makes the
	// ticket due (NextAlertAt), so the checker records what intake could
	// not: a failed or interrupted history write is retried, never lost.
	RecordAt *time.Time `json:"record_at,omitempty"`

	// OnCall maps a clock ("first_response/0", "next_reply/2": ClockKey) to
	// the on-call person who acknowledged its alerts: its escalation levels
	// not yet sent are held. A new cycle is a new key, so it starts
	// unacknowledged. The events do not derive it: Apply carries it over.
	OnCall map[string]OnCallAck `json:"oncall_acks,omitempty"`
}

// OnCallAck is an on-call person's acknowledgement of one clock's alerts,
// from the tool they acknowledged in.
type OnCallAck struct {
	By  string    `json:"by"`  // as the tool names them: a user name or id, never an e-mail address
	Via string    `json:"via"` // slack, pagerduty, opsgenie or api
	At  time.Time `json:"at"`
}

// ClockKey names one clock of a ticket: its metric and cycle.
func ClockKey(metric string, cycle int) string { return metric + "/" + strconv.Itoa(cycle) }

// Acknowledgement is the one auto-acknowledgement a ticket gets and the
// reply time it promised.
type Acknowledgement struct {
	// ClaimedUntil is the lease of the sender working on it; after it ends,
	// a later run may take it over. Zero once sent or skipped.
	ClaimedUntil time.Time `json:"claimed_until,omitzero"`
	// Attempts counts claims, so that a message that cannot be delivered is
	// given up on rather than retried for ever.
	Attempts int `json:"attempts,omitempty"`
	// Delivered records each delivery done (the topic, the write-back, the
	// predicted-breach alert), so a retry repeats only what failed.
	Delivered map[string]time.Time `json:"delivered,omitempty"`
	SentAt    *time.Time           `json:"sent_at,omitempty"`
	// Skipped says why no acknowledgement is sent: "disabled", "stale",
	// "answered", "undeliverable".
	Skipped string `json:"skipped,omitempty"`

	Queue      string    `json:"queue,omitempty"` // whose history the promise came from
	PromisedBy time.Time `json:"promised_by,omitzero"`
	// Mean and Spread are the estimate's model (eta.Promise), kept to
	// measure how far the reply fell from it.
	Mean   time.Duration `json:"mean,omitempty"`
	Spread time.Duration `json:"spread,omitempty"`
	// Position is the ticket's place in its queue when promised (1: nobody
	// ahead); the estimate learns its error per position.
	Position int `json:"position,omitempty"`
	// PredictedBreach: the promise is later than the first-response target.
	PredictedBreach bool `json:"predicted_breach,omitempty"`
}

// Done reports whether the acknowledgement needs no more work.
func (a *Acknowledgement) Done() bool {
	return a != nil && (a.SentAt != nil || a.Skipped != "")
}

// Kept reports whether the first response came by the promised time; ok is
// false while there is no verdict (nothing promised, or no reply yet).
func (t *Ticket) Kept() (kept, ok bool) {
	a, m := t.Ack, t.FirstResponse
	if a == nil || a.SentAt == nil || m == nil || m.RespondedAt == nil {
		return false, false
	}
	return !m.RespondedAt.After(a.PromisedBy), true
}

// Metric is one run of an SLA clock.
type Metric struct {
	Cycle     int           `json:"cycle,omitempty"` // next-reply cycles count from 1
	StartedAt time.Time     `json:"started_at"`
	Target    time.Duration `json:"target"`
	Calendar  string        `json:"calendar,omitempty"` // business clock; empty for calendar time
	// DueAt is nil while the clock is paused or no policy sets a target.
	DueAt       *time.Time `json:"due_at"`
	RespondedAt *time.Time `json:"responded_at"`
	// StoppedAt is set when the ticket was solved or closed unanswered.
	StoppedAt *time.Time  `json:"stopped_at,omitempty"`
	Pauses    []Pause     `json:"pauses,omitempty"`
	Warnings  []time.Time `json:"warnings,omitempty"`
	// Breach is the verdict once the clock has ended (responded or stopped);
	// for a running clock, use Breached(now).
	Breach bool `json:"breach,omitempty"`
}

// Pause is an interval with the clock stopped; To is nil while it lasts.
type Pause struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"`
}

// MaxPauses bounds a clock's pauses, so that a ticket put on hold and
// reopened thousands of times keeps a bounded item (its resolution clock
// runs for the ticket's whole life). Beyond it the oldest pause is
// dropped: its time counts as working time, so the deadline can only come
// earlier and the recorded duration only grow — a late ticket is never
// made to look on time.
const MaxPauses = 32

// pause adds p to the clock's pauses, dropping the oldest beyond
// MaxPauses. It never writes into the slice it was given: Apply shares
// the previous state's.
func (m *Metric) pause(p Pause) {
	m.Pauses = append(slices.Clip(m.Pauses), p)
	if n := len(m.Pauses) - MaxPauses; n > 0 {
		m.Pauses = slices.Clone(m.Pauses[n:])
	}
}

// Running reports whether the clock has neither been answered nor stopped.
func (m *Metric) Running() bool {
	return m != nil && m.RespondedAt == nil && m.StoppedAt == nil
}

// Paused reports whether the clock is running but paused.
func (m *Metric) Paused() bool {
	return m.Running() && len(m.Pauses) > 0 && m.Pauses[len(m.Pauses)-1].To == nil
}

// Breached reports whether the metric missed its deadline as of now.
func (m *Metric) Breached(now time.Time) bool {
	switch {
	case m == nil:
		return false
	case !m.Running():
		return m.Breach
	default:
		return m.DueAt != nil && now.After(*m.DueAt)
	}
}
