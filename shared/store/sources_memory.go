package store

import (
	"context"
	"time"
)

var _ Traffic = (*Memory)(nil)

// traffic returns the state of source; m.mu must be held.
func (m *Memory) traffic(source string) SourceTraffic {
	if m.sources == nil {
		m.sources = map[string]SourceTraffic{}
	}
	st, ok := m.sources[source]
	if !ok {
		st.Source = source
	}
	return st
}

func (m *Memory) RecordAccepted(_ context.Context, source string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.traffic(source)
	fresh := !st.LastAccepted.IsZero() && st.LastAccepted.After(at.Add(-AcceptedResolution))
	if fresh && (st.RejectedInARow == 0 || st.LastAccepted.After(at)) {
		return nil
	}
	st.LastAccepted, st.RejectedInARow = at, 0
	m.sources[source] = st
	return nil
}

func (m *Memory) RecordRejected(_ context.Context, source string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.traffic(source)
	st.RejectedInARow++
	st.LastRejected = at
	m.sources[source] = st
	return nil
}

func (m *Memory) Watch(_ context.Context, source string, now time.Time) (SourceTraffic, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.traffic(source)
	if st.Watched.IsZero() {
		st.Watched = now
		m.sources[source] = st
	}
	return st, nil
}

func (m *Memory) SwapAlerts(_ context.Context, seen SourceTraffic, next Alerts) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.traffic(seen.Source)
	if !st.Silent.Equal(seen.Silent) || st.Rejected != seen.Rejected || !st.LastAccepted.Equal(seen.LastAccepted) {
		return false, nil
	}
	st.Alerts = next
	m.sources[seen.Source] = st
	return true, nil
}
