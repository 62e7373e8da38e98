// Package intake applies canonical events to stored tickets: the one path
// every webhook takes after its adapter, in Lambda and in the local server.
package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Service applies events.
type Service struct {
	Policies sla.Policies
	Tickets  store.Tickets
}

// Result counts what a batch of events did.
type Result struct {
	Applied    int `json:"applied"`
	Duplicates int `json:"duplicates"`
}

// Ingest applies each event to its ticket. A duplicate event id leaves the
// ticket unchanged and is counted, not refused: helpdesks redeliver.
func (s *Service) Ingest(ctx context.Context, events []event.Event) (Result, error) {
	var res Result
	for _, ev := range events {
		applied := false
		_, err := s.Tickets.Update(ctx, store.Key{Source: ev.Source, ID: ev.TicketID}, ev.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
			next, changed, err := sla.Apply(s.Policies, t, ev)
			applied = changed
			return next, changed, err
		})
		if errors.Is(err, store.ErrDuplicate) {
			err, applied = nil, false
		}
		if err != nil {
			return res, fmt.Errorf("intake: ticket %s/%s event %s: %w", ev.Source, ev.TicketID, ev.ID, err)
		}
		if applied {
			res.Applied++
		} else {
			res.Duplicates++
		}
	}
	return res, nil
}
