package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
)

// Memory is an in-process Tickets, Queues and History for the local server
// and unit tests.
type Memory struct {
	// HistoryRetention is how long history records are kept after their
	// clock ended; zero means DefaultRetention. Set it before first use.
	HistoryRetention time.Duration

	mu      sync.Mutex
	tickets map[Key]sla.Ticket
	applied map[Key]time.Time // (source, event id) → when it expires
	queues  map[string]queue.Stats
	records map[string]memRecord // history records by id
	days    map[dayKey]history.Day
	sources map[string]SourceTraffic // by source name; made on first use
	now     func() time.Time

	silences map[string]*memSilence // by id; created on first use

	docsMu sync.Mutex
	docs   map[string]Doc // integration documents; made on first use
}

var (
	_ Tickets = (*Memory)(nil)
	_ Queues  = (*Memory)(nil)
	_ Clocks  = (*Memory)(nil)
)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return NewMemoryAt(nil) }

// NewMemoryAt returns an empty in-memory store that reads the time from now
// (nil means time.Now): de-duplication records and history retention
// expire by it.
func NewMemoryAt(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{tickets: map[Key]sla.Ticket{}, applied: map[Key]time.Time{}, queues: map[string]queue.Stats{},
		records: map[string]memRecord{}, days: map[dayKey]history.Day{}, now: now}
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

func (m *Memory) Update(_ context.Context, k Key, eventID string, fn UpdateFunc) (sla.Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.tickets[k]
	if !ok {
		cur = sla.New(k.Source, k.ID)
	}
	now := m.now()
	ek := Key{Source: k.Source, ID: eventID}
	if exp, seen := m.applied[ek]; eventID != "" && seen && now.Before(exp) {
		return cur, ErrDuplicate
	}
	next, changed, err := fn(cur)
	if err != nil || !changed {
		return cur, err
	}
	m.tickets[k] = next
	if eventID != "" {
		m.applied[ek] = now.Add(DedupTTL)
		if len(m.applied)%1024 == 0 { // forget expired ids now and then, as DynamoDB's TTL does
			for k, exp := range m.applied {
				if !now.Before(exp) {
					delete(m.applied, k)
				}
			}
		}
	}
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

// Running looks at every ticket; the DynamoDB store reads an index that
// holds only the tickets with a running clock.
func (m *Memory) Running(_ context.Context, limit int, keep func(Clock) bool) ([]Clock, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []Clock
	for k, t := range m.tickets {
		if c, ok := t.RunningClock(); ok && (keep == nil || keep(Clock{k, c})) {
			all = append(all, Clock{k, c})
		}
	}
	slices.SortFunc(all, byDue)
	if limit < 0 {
		limit = 0
	}
	return slices.Clip(all[:min(limit, len(all))]), len(all) > limit, nil
}

func (m *Memory) Queue(_ context.Context, name string) (queue.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneStats(m.queues[name]), nil
}

// UpdateQueue holds the store's lock while fn runs. fn gets, and the caller
// gets back, copies: neither can change the stored stats afterwards.
func (m *Memory) UpdateQueue(_ context.Context, name string, fn QueueFunc) (queue.Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, changed, err := fn(cloneStats(m.queues[name]))
	if err != nil || !changed {
		return cloneStats(m.queues[name]), err
	}
	m.queues[name] = cloneStats(next)
	return next, nil
}

// UpdateQueueShared is UpdateQueue for an fn that never changes the stats
// it is given in place — queue.Stats's own methods copy what they change
// — and keeps nothing of them: fn gets the stored stats themselves, and
// what it returns is stored as it is. It spares a caller that runs on
// every webhook (promise.Service) UpdateQueue's two copies of a queue's
// waiting tickets and replies.
func (m *Memory) UpdateQueueShared(_ context.Context, name string, fn QueueFunc) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, changed, err := fn(m.queues[name])
	if err != nil || !changed {
		return err
	}
	m.queues[name] = next
	return nil
}

func (m *Memory) QueueNames(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.queues)), nil
}

// cloneStats copies everything in s that a caller could mutate in place:
// the map of waiting tickets, the replies and their residuals.
func cloneStats(s queue.Stats) queue.Stats {
	s.Open = maps.Clone(s.Open)
	s.Replies = slices.Clone(s.Replies)
	for i, r := range s.Replies {
		if r.Residual != nil {
			res := *r.Residual
			s.Replies[i].Residual = &res
		}
	}
	return s
}
