// Package store keeps tickets' SLA state. Tickets is the port the rest of
// slawatch uses; Memory implements it for the local server and tests.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/slawatch/slawatch/shared/sla"
)

// ErrNotFound is returned for a ticket the store has never seen.
var ErrNotFound = errors.New("ticket not found")

// Key names a ticket.
type Key struct {
	Source, ID string
}

// UpdateFunc receives the current state (sla.New for a ticket not yet
// stored) and returns the new state and whether to write it. It may be
// called more than once when concurrent updates conflict, so it must not
// have side effects.
type UpdateFunc func(sla.Ticket) (sla.Ticket, bool, error)

// Tickets stores ticket state.
type Tickets interface {
	// Get returns a ticket, or ErrNotFound.
	Get(ctx context.Context, k Key) (sla.Ticket, error)
	// Update applies fn atomically: no concurrent update is lost.
	Update(ctx context.Context, k Key, fn UpdateFunc) (sla.Ticket, error)
	// Due returns up to limit tickets whose next alert is due at or before
	// the given instant.
	Due(ctx context.Context, before time.Time, limit int) ([]Key, error)
}
