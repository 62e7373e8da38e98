// Package history describes ended SLA clocks and the per-day aggregates that
// reports read: what a clock's record holds, which fixed buckets its
// durations fall into, and how a day's counts and histograms move when a
// record is added, revised or removed.
//
// It does no I/O and reads no clock: the store (package store) keeps records
// and aggregates, and the engine decides when a clock has ended.
//
// Aggregates are per UTC day. A report in another time zone is exact for
// ranges of whole UTC days; docs/data-model.md gives the rule for the rest.
package history

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// Metric names: the SLA clocks as the engine names them (package sla),
// and Promise.
const (
	FirstResponse = "first_response"
	NextReply     = "next_reply"
	Resolution    = "resolution"
	// Promise is the reply time an auto-acknowledgement promised the
	// customer, from when it was sent (Started) to the promised time (Due),
	// ended by the first response: met is kept, breached is broken. It is
	// no SLA clock: a broken promise is not a breach (see Record.SLA).
	Promise = "promise"
)

// Outcome is how a clock ended.
type Outcome string

const (
	// Met: answered by the deadline.
	Met Outcome = "met"
	// Breached: ended after the deadline, answered or not. A ticket closed
	// unanswered past its deadline is a breach (its breach alert was sent),
	// not a clock that was not needed.
	Breached Outcome = "breached"
	// NotNeeded: the ticket was solved or closed, unanswered, before the
	// deadline.
	NotNeeded Outcome = "not_needed"
)

// Record is one ended clock.
type Record struct {
	Source   string         `json:"source"`
	Ticket   string         `json:"ticket_id"`
	Metric   string         `json:"metric"`
	Cycle    int            `json:"cycle"` // 0 for first response; next-reply cycles count from 1
	Policy   string         `json:"policy"`
	Team     string         `json:"team,omitempty"`
	Channel  event.Channel  `json:"channel,omitempty"`
	Priority event.Priority `json:"priority,omitempty"`

	Started time.Time `json:"started"`
	Due     time.Time `json:"due"`
	Ended   time.Time `json:"ended"`
	Outcome Outcome   `json:"outcome"`
	// Answered: an agent's reply ended the clock (not a solve or close).
	// Only answered clocks are response times, so only they enter the
	// duration histograms; a breached clock may be either.
	Answered bool `json:"answered,omitempty"`

	// Business is the clock's running time in the target's clock (the
	// policy's calendar, or every hour for a calendar-time target), pauses
	// left out; Calendar is Ended − Started.
	Business time.Duration `json:"business"`
	Calendar time.Duration `json:"calendar"`
	// Lateness is Ended − Due for a breach, else 0.
	Lateness time.Duration `json:"lateness,omitempty"`

	URL string `json:"ticket_url,omitempty"`

	// Revision orders the versions of one clock's record: the version of
	// the ticket state it was derived from. Stores keep the highest, so a
	// writer that derived the record from an older state and writes last
	// cannot undo a newer one; at equal revisions the last write wins.
	Revision int64 `json:"revision,omitempty"`
}

// SLA reports whether r is an SLA clock's record, whose breach is an SLA
// breach (listed for drill-down, alerted on); a promise's is not.
func (r Record) SLA() bool {
	switch r.Metric {
	case FirstResponse, NextReply, Resolution:
		return true
	}
	return false
}

// ID is the record's idempotency key: one per (source, ticket, metric,
// cycle), whatever else a revision changes. The ticket id comes last, so it
// may contain any character ('#' included) and the key stays unambiguous.
func (r Record) ID() string {
	return r.Source + "#" + r.Metric + "#" + strconv.Itoa(r.Cycle) + "#" + r.Ticket
}

// Measure sets the outcome, durations and lateness from Started, Due and
// Ended: answered says whether a reply ended the clock, cal is the target's
// calendar (nil for calendar time), paused the clock time spent paused
// (next-reply clocks pause while the ticket waits on the customer), which
// the business duration leaves out.
func (r *Record) Measure(cal *calendar.Calendar, answered bool, paused time.Duration) {
	r.Answered = answered
	r.Calendar = r.Ended.Sub(r.Started)
	r.Business = max(cal.Elapsed(r.Started, r.Ended)-paused, 0)
	r.Lateness = 0
	switch {
	case r.Ended.After(r.Due):
		r.Outcome, r.Lateness = Breached, r.Ended.Sub(r.Due)
	case answered:
		r.Outcome = Met
	default:
		r.Outcome = NotNeeded
	}
}

// Validate reports what makes r unfit to record: a missing key field, an
// unknown outcome, an end before the start, or an outcome that contradicts
// the instants.
func (r Record) Validate() error {
	var errs []error
	if r.Source == "" || r.Ticket == "" || r.Metric == "" {
		errs = append(errs, errors.New("source, ticket and metric are required"))
	}
	if r.Cycle < 0 {
		errs = append(errs, fmt.Errorf("cycle %d is negative", r.Cycle))
	}
	if r.Started.IsZero() || r.Due.IsZero() || r.Ended.IsZero() {
		errs = append(errs, errors.New("started, due and ended are required"))
	} else if r.Ended.Before(r.Started) {
		errs = append(errs, errors.New("ended before it started"))
	}
	switch r.Outcome {
	case Met, NotNeeded:
		if r.Ended.After(r.Due) {
			errs = append(errs, fmt.Errorf("outcome %s but ended after due", r.Outcome))
		}
		if r.Lateness != 0 {
			errs = append(errs, fmt.Errorf("outcome %s with lateness %s", r.Outcome, r.Lateness))
		}
	case Breached:
		if !r.Ended.After(r.Due) {
			errs = append(errs, errors.New("breached but ended by due"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown outcome %q", r.Outcome))
	}
	if r.Outcome == Met && !r.Answered {
		errs = append(errs, errors.New("met but not answered"))
	}
	if r.Outcome == NotNeeded && r.Answered {
		errs = append(errs, errors.New("not needed but answered"))
	}
	if r.Metric == Promise && !r.Answered {
		// Only a reply keeps or breaks a promise.
		errs = append(errs, errors.New("promise not answered"))
	}
	if r.Business < 0 || r.Calendar < 0 || r.Lateness < 0 {
		errs = append(errs, errors.New("negative duration"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("history: record %s: %w", r.ID(), err)
	}
	return nil
}

// UTC returns r with its instants in UTC, the form stores keep, so that two
// versions compare equal whatever zone they were built in.
func (r Record) UTC() Record {
	r.Started, r.Due, r.Ended = r.Started.UTC(), r.Due.UTC(), r.Ended.UTC()
	return r
}
