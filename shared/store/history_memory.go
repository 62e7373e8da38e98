package store

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/history"
)

var _ History = (*Memory)(nil)

type memRecord struct {
	r       history.Record
	expires time.Time
}

type dayKey struct {
	date  calendar.Date
	group history.Group
}

func (m *Memory) Record(ctx context.Context, r history.Record) (bool, error) {
	c, err := m.RecordChange(ctx, r)
	return c != Unchanged, err
}

func (m *Memory) RecordChange(_ context.Context, r history.Record) (Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, exp, err := retained(r, m.HistoryRetention, m.now())
	if err != nil {
		return Unchanged, err
	}
	id := r.ID()
	// A record past its expiry that is still here counts as present, as an
	// item DynamoDB's TTL has not yet deleted does.
	old, ok := m.records[id]
	if ok && (old.r == r || r.Revision < old.r.Revision) {
		return Unchanged, nil
	}
	c := Added
	if ok {
		m.day(old.r, func(d *history.Day) { d.Remove(old.r) })
		c = Revised
	}
	m.day(r, func(d *history.Day) { d.Add(r) })
	m.records[id] = memRecord{r, exp}
	return c, nil
}

// day changes r's aggregate with fn, dropping it once nothing is counted.
func (m *Memory) day(r history.Record, fn func(*history.Day)) {
	k := dayKey{history.DateOf(r), history.GroupOf(r)}
	d, ok := m.days[k]
	if !ok {
		d = history.DayOf(r)
	}
	fn(&d)
	if d.Empty() {
		delete(m.days, k)
		return
	}
	m.days[k] = d
}

// Days walks every aggregate; the DynamoDB store queries by key instead.
func (m *Memory) Days(_ context.Context, from, to calendar.Date) ([]history.Day, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []history.Day
	for k, d := range m.days {
		if compareDates(k.date, from) >= 0 && compareDates(k.date, to) <= 0 {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, compareDays)
	return out, nil
}

// Breaches honours the retention on read, with the store's clock. Like
// the DynamoDB store's drill-down items, it lists SLA breaches only: a
// broken promise is none.
func (m *Memory) Breaches(_ context.Context, from, to time.Time, limit int) ([]history.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []history.Record
	for _, id := range slices.Sorted(maps.Keys(m.records)) {
		rec := m.records[id]
		if rec.r.Outcome == history.Breached && rec.r.SLA() && !rec.r.Ended.Before(from) && rec.r.Ended.Before(to) && now.Before(rec.expires) {
			out = append(out, rec.r)
		}
	}
	slices.SortStableFunc(out, func(a, b history.Record) int { return a.Ended.Compare(b.Ended) })
	return out[:min(max(limit, 0), len(out))], nil
}
