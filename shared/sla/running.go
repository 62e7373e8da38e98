package sla

import (
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// States of a running clock, as the at-risk view shows them.
const (
	OnTrack  = "on_track"
	AtRisk   = "at_risk" // inside the policy's warning window
	Breached = "breached"
)

// Clock is a running SLA clock with a deadline: what the at-risk view
// lists, and what the store's running index holds for a ticket (as this
// JSON), so that the view needs no read of the ticket itself.
type Clock struct {
	Metric   string         `json:"metric"`
	Cycle    int            `json:"cycle,omitempty"`
	Policy   string         `json:"policy"`
	Channel  event.Channel  `json:"channel"`
	Priority event.Priority `json:"priority"`
	Due      time.Time      `json:"due"`
	// Warn is where the warning window begins: the policy's earliest
	// warning. Zero when the policy sets no warnings.
	Warn time.Time `json:"warn,omitzero"`
	// Paused is set for a clock paused after its deadline: a pause cannot
	// undo a breach, so it stays listed (a clock paused before its deadline
	// has no deadline while the pause lasts, and is not listed).
	Paused bool `json:"paused,omitempty"`
}

// RunningClock returns the ticket's running clock, if it has one with a
// deadline. A clock paused before its deadline, or one no policy sets a
// target for, has none: it cannot breach while it stays so, and is not
// at risk.
//
// The engine runs one reply clock at a time (a next-reply cycle starts only
// once the first response has ended, and outbound tickets get no
// first-response clock), but the resolution clock runs beside it: the
// earlier deadline is the one that matters first, and once the reply clock
// has ended the resolution clock is listed.
func (t *Ticket) RunningClock() (Clock, bool) {
	var (
		c  Clock
		ok bool
	)
	for _, m := range []struct {
		name string
		m    *Metric
	}{{FirstResponse, t.FirstResponse}, {NextReply, t.NextReply}, {Resolution, t.Resolution}} {
		if !m.m.Running() || m.m.DueAt == nil || (ok && !m.m.DueAt.Before(c.Due)) {
			continue
		}
		c, ok = Clock{
			Metric: m.name, Cycle: m.m.Cycle, Policy: t.Policy, Channel: t.Channel, Priority: t.Priority,
			Due: m.m.DueAt.UTC(), Paused: m.m.Paused(),
		}, true
		for _, w := range m.m.Warnings {
			if c.Warn.IsZero() || w.Before(c.Warn) {
				c.Warn = w.UTC()
			}
		}
	}
	return c, ok
}

// State judges the clock as of now: breached once now is past the
// deadline (as Metric.Breached), at risk from its warning window's start,
// on track before.
func (c Clock) State(now time.Time) string {
	switch {
	case now.After(c.Due):
		return Breached
	case !c.Warn.IsZero() && !now.Before(c.Warn):
		return AtRisk
	default:
		return OnTrack
	}
}
