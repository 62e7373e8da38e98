package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Recorder writes tickets' ended clocks to the history and marks them
// recorded in their tickets: the history write is done first and the mark
// after, so a crash between the two leaves the ticket due (sla.Ticket's
// RecordAt) and a later CatchUp writes the record again, which the history
// store counts once.
type Recorder struct {
	Policies sla.Policies
	Tickets  store.Tickets
	History  store.History
	// Link returns a ticket's URL for its records; nil leaves it empty.
	Link func(source, ticketID string) string
}

// Record writes recs, all of the ticket k, to the history and marks those
// written in the ticket. Records that fail stay unmarked, for CatchUp.
func (r *Recorder) Record(ctx context.Context, k store.Key, recs []history.Record) error {
	var done []history.Record
	var errs []error
	for _, rec := range recs {
		if r.Link != nil {
			rec.URL = r.Link(rec.Source, rec.Ticket)
		}
		_, err := r.History.Record(ctx, rec)
		// A clock that ended before the retention can never be recorded:
		// marking it stops the retries.
		if err != nil && !errors.Is(err, store.ErrExpired) {
			errs = append(errs, fmt.Errorf("intake: history %s: %w", rec.ID(), err))
			continue
		}
		done = append(done, rec)
	}
	if len(done) > 0 {
		_, err := r.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
			next, changed := sla.MarkRecorded(r.Policies, t, done)
			return next, changed, nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("intake: mark recorded %s/%s: %w", k.Source, k.ID, err))
		}
	}
	return errors.Join(errs...)
}

// CatchUp records whatever ended clocks of ticket k are not yet recorded,
// and clears the ticket's RecordAt when none are left.
func (r *Recorder) CatchUp(ctx context.Context, k store.Key) error {
	t, err := r.Tickets.Get(ctx, k)
	if err != nil {
		return fmt.Errorf("intake: history catch-up %s/%s: %w", k.Source, k.ID, err)
	}
	if _, recs := sla.Unrecorded(r.Policies, t, time.Time{}); len(recs) > 0 {
		return r.Record(ctx, k, recs)
	}
	// Nothing owed (the configuration changed, or another writer was
	// first): only RecordAt is left to clear.
	_, err = r.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		next, changed := sla.MarkRecorded(r.Policies, t, nil)
		return next, changed, nil
	})
	if err != nil {
		return fmt.Errorf("intake: history catch-up %s/%s: %w", k.Source, k.ID, err)
	}
	return nil
}
