// Package store keeps tickets' SLA state. Tickets is the port the rest of
// slawatch uses; Memory implements it for the local server and tests.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
)

// ErrNotFound is returned for a ticket the store has never seen.
var ErrNotFound = errors.New("ticket not found")

// ErrDuplicate is returned by Update for an event id already applied.
var ErrDuplicate = errors.New("event already applied")

// ErrConflict is returned when an update kept losing races with concurrent
// updates of the same ticket; the caller may retry later.
var ErrConflict = errors.New("ticket update conflict")

// DedupTTL is how long an applied event id is remembered: longer than any
// helpdesk retries (Freshdesk for an hour, HubSpot for 24 hours).
const DedupTTL = 72 * time.Hour

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
	// Update applies fn atomically: no concurrent update is lost. With a
	// non-empty eventID, a repeat of an event the ticket holds
	// (sla.Ticket.Holds) returns the current state and ErrDuplicate
	// without fn's result taking effect; an update whose new state does
	// not hold its event happens at most once per (source, eventID) within
	// DedupTTL. (Memory applies the second rule to every event.)
	Update(ctx context.Context, k Key, eventID string, fn UpdateFunc) (sla.Ticket, error)
	// Due returns up to limit tickets whose next alert is due at or before
	// the given instant.
	Due(ctx context.Context, before time.Time, limit int) ([]Key, error)
}

// Clock is a ticket's running SLA clock (sla.Ticket.RunningClock).
type Clock struct {
	Key
	sla.Clock
}

// Clocks lists the running SLA clocks, for the at-risk view.
type Clocks interface {
	// Running returns up to limit running clocks that keep accepts (nil
	// keeps all), earliest deadline first (ties by source, then ticket id),
	// and whether any were left out by the limit. Only tickets with a
	// running clock are read, never every ticket.
	Running(ctx context.Context, limit int, keep func(Clock) bool) (clocks []Clock, truncated bool, err error)
}

// byDue orders clocks as Running returns them.
func byDue(a, b Clock) int {
	return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
}

// QueueFunc receives a queue's current stats (the zero value for a queue not
// yet stored) and returns the new stats and whether to write them. Like
// UpdateFunc it may be called more than once and must not have side effects.
type QueueFunc func(queue.Stats) (queue.Stats, bool, error)

// Queues stores each support queue's recent history (package queue), named
// by queue.Key's String.
type Queues interface {
	// Queue returns a queue's stats; the zero value for an unknown queue.
	Queue(ctx context.Context, name string) (queue.Stats, error)
	// UpdateQueue applies fn atomically: no concurrent update is lost.
	UpdateQueue(ctx context.Context, name string, fn QueueFunc) (queue.Stats, error)
	// QueueNames lists the stored queues, sorted.
	QueueNames(ctx context.Context) ([]string, error)
}

// Reports summarises every stored queue over the window before now, for
// `slawatch report` and GET /queues.
func Reports(ctx context.Context, qs Queues, now time.Time, window time.Duration) ([]queue.Report, error) {
	names, err := qs.QueueNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list queues: %w", err)
	}
	reps := make([]queue.Report, 0, len(names))
	for _, name := range names {
		st, err := qs.Queue(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("store: queue %s: %w", name, err)
		}
		reps = append(reps, st.Report(name, now, window))
	}
	return reps, nil
}
