// Package intake applies canonical events to stored tickets: the one path
// every webhook takes after its adapter, in Lambda and in the local server.
package intake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Service applies events.
type Service struct {
	Policies sla.Policies
	Tickets  store.Tickets
	// Now is the time of receipt that events' dates are checked against
	// (event.Check); nil means time.Now.
	Now func() time.Time
	// MaxFutureSkew returns how far past the time of receipt a source's
	// events may be dated; nil, or 0 for a source, means
	// event.DefaultMaxFutureSkew.
	MaxFutureSkew func(source string) time.Duration
	// History receives the clocks each event ends (package history); nil
	// records none. A failed history write does not fail the event: the
	// ticket stays due and the checker records it (Recorder.CatchUp).
	History store.History
	// RecordLease is how long intake has to write the clocks an event
	// ended before the checker takes over (sla.Ticket's RecordAt); 0
	// means DefaultRecordLease.
	RecordLease time.Duration
	// Link returns a ticket's URL for its history records; nil: none.
	Link func(source, ticketID string) string
	// Log reports history writes left to the checker and late events;
	// nil: slog.Default().
	Log *slog.Logger
}

// DefaultRecordLease is the default of Service.RecordLease: a minute, the
// checker's period, as for its own claims.
const DefaultRecordLease = time.Minute

// Result counts what a batch of events did.
type Result struct {
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
	// Late counts events dated before their ticket's compacted history
	// (sla.ErrTooLate): not applied, and logged.
	Late int `json:"late,omitempty"`
	// Refused lists the events event.Check refused, in batch order.
	Refused []Refusal `json:"refused,omitempty"`
}

// Refusal is an event that was not stored because event.Check refused it.
type Refusal struct {
	Event  int    `json:"event"` // its index in the batch, from 0
	Field  string `json:"field"` // the canonical event's field, e.g. "ticket_id"
	Reason string `json:"reason"`
}

func (r Refusal) Error() string { return r.Field + ": " + r.Reason }

// Ingest checks each event (event.Check) and applies those that pass to
// their tickets. A refused event reaches no store call at all, so nothing
// of it is kept; the other events of the batch are applied all the same:
// the sender will not make a refused event valid by sending it again, and
// refusing its neighbours too would lose them (HubSpot batches events of
// many tickets and retries no 4xx). A duplicate event id leaves the ticket
// unchanged and is counted, not refused: helpdesks redeliver.
func (s *Service) Ingest(ctx context.Context, events []event.Event) (Result, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var res Result
	for i, ev := range events {
		var skew time.Duration
		if s.MaxFutureSkew != nil {
			skew = s.MaxFutureSkew(ev.Source)
		}
		if err := ev.Check(now(), skew); err != nil {
			var fe *event.FieldError
			if !errors.As(err, &fe) {
				return res, fmt.Errorf("intake: event %d: %w", i, err)
			}
			res.Refused = append(res.Refused, Refusal{Event: i, Field: fe.Field, Reason: fe.Reason})
			continue
		}
		applied := false
		var owed []history.Record
		k := store.Key{Source: ev.Source, ID: ev.TicketID}
		_, err := s.Tickets.Update(ctx, k, ev.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
			next, changed, err := sla.Apply(s.Policies, t, ev)
			applied, owed = changed, nil
			if changed && err == nil && s.History != nil {
				next, owed = sla.Unrecorded(s.Policies, next, now().Add(cmp.Or(s.RecordLease, DefaultRecordLease)))
			}
			return next, changed, err
		})
		if errors.Is(err, store.ErrDuplicate) {
			err, applied = nil, false
		}
		if errors.Is(err, sla.ErrTooLate) {
			// Not the sender's fault, and no retry would change it: count
			// it, say so, and go on with the batch.
			res.Late++
			s.logger().WarnContext(ctx, "event older than its ticket's compacted history: not applied",
				"source", k.Source, "ticket", k.ID, "kind", ev.Kind, "err", err)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("intake: ticket %s/%s event %s: %w", ev.Source, ev.TicketID, ev.ID, err)
		}
		if applied {
			res.Applied++
			if len(owed) > 0 {
				s.record(ctx, k, owed)
			}
		} else {
			res.Duplicates++
		}
	}
	return res, nil
}

// record writes the clocks an event ended to the history. The ticket
// already says they are owed, so a failure here loses nothing: the checker
// retries, and the history store counts each clock once.
func (s *Service) record(ctx context.Context, k store.Key, recs []history.Record) {
	r := &Recorder{Policies: s.Policies, Tickets: s.Tickets, History: s.History, Link: s.Link}
	if err := r.Record(ctx, k, recs); err != nil {
		s.logger().WarnContext(ctx, "history write left to the checker", "source", k.Source, "ticket", k.ID, "err", err)
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
