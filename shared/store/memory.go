package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/sla"
)

// Memory is an in-process Tickets for the local server and unit tests.
type Memory struct {
	mu      sync.Mutex
	tickets map[Key]sla.Ticket
}

var _ Tickets = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{tickets: map[Key]sla.Ticket{}}
}

func (m *Memory) Get(_ context.Context, k Key) (sla.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tickets[k]
	if !ok {
		return sla.Ticket{}, ErrNotFound
	}
	return t, nil
}

func (m *Memory) Update(_ context.Context, k Key, fn UpdateFunc) (sla.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.tickets[k]
	if !ok {
		cur = sla.New(k.Source, k.ID)
	}
	next, changed, err := fn(cur)
	if err != nil || !changed {
		return cur, err
	}
	m.tickets[k] = next
	return next, nil
}

// Due scans every ticket; the DynamoDB store answers from an index instead.
func (m *Memory) Due(_ context.Context, before time.Time, limit int) ([]Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	type due struct {
		k  Key
		at time.Time
	}
	var all []due
	for k, t := range m.tickets {
		if at, ok := t.NextAlertAt(); ok && !at.After(before) {
			all = append(all, due{k, at})
		}
	}
	slices.SortFunc(all, func(a, b due) int { return a.at.Compare(b.at) })
	keys := make([]Key, 0, min(limit, len(all)))
	for _, d := range all[:min(limit, len(all))] {
		keys = append(keys, d.k)
	}
	return keys, nil
}
