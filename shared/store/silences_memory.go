package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/silence"
)

var _ Silences = (*Memory)(nil)

// memSilence is a silence and its bookkeeping.
type memSilence struct {
	s          silence.Silence
	held       map[string]bool // kept alert ids, at most MaxHeldAlerts
	total      int
	digestSent bool
}

// silence returns the stored silence id, dropping it once past its
// retention, as DynamoDB's TTL (and the DynamoDB store's reads) do. The
// caller holds m.mu.
func (m *Memory) silence(id string) (*memSilence, error) {
	ms, ok := m.silences[id]
	if ok && silencePurged(ms.s, m.now()) {
		delete(m.silences, id)
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("store: silence %s: %w", id, ErrSilenceNotFound)
	}
	return ms, nil
}

func (m *Memory) PutSilence(_ context.Context, s silence.Silence) error {
	if err := checkSilence(s); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.silences == nil {
		m.silences = map[string]*memSilence{}
	}
	if _, err := m.silence(s.ID); err == nil {
		return fmt.Errorf("store: silence %s: %w", s.ID, ErrSilenceExists)
	}
	m.silences[s.ID] = &memSilence{s: cloneSilence(s), held: map[string]bool{}}
	return nil
}

func (m *Memory) Silences(context.Context) ([]silence.Silence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []silence.Silence{}
	for _, id := range slices.Collect(maps.Keys(m.silences)) {
		if ms, err := m.silence(id); err == nil {
			out = append(out, cloneSilence(ms.s))
		}
	}
	slices.SortFunc(out, silence.Compare)
	return out, nil
}

func (m *Memory) ExpireSilence(_ context.Context, id string, at time.Time) (silence.Silence, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, err := m.silence(id)
	if err != nil {
		return silence.Silence{}, err
	}
	ms.s = ms.s.Expire(at)
	return cloneSilence(ms.s), nil
}

func (m *Memory) HoldAlert(_ context.Context, silenceID, alertID string, _ time.Time) (bool, error) {
	if err := checkAlertID(alertID); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, err := m.silence(silenceID)
	if err != nil {
		return false, err
	}
	if ms.held[alertID] {
		return false, nil
	}
	if len(ms.held) < MaxHeldAlerts {
		ms.held[alertID] = true
	}
	ms.total++
	return true, nil
}

func (m *Memory) HeldAlerts(_ context.Context, silenceID string) ([]string, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, err := m.silence(silenceID)
	if err != nil {
		return nil, 0, err
	}
	return slices.Sorted(maps.Keys(ms.held)), ms.total, nil
}

func (m *Memory) MarkDigestSent(_ context.Context, silenceID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, err := m.silence(silenceID)
	if err != nil {
		return false, err
	}
	first := !ms.digestSent
	ms.digestSent = true
	return first, nil
}

func (m *Memory) ReleaseDigest(_ context.Context, silenceID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, err := m.silence(silenceID)
	if err != nil {
		return err
	}
	ms.digestSent = false
	return nil
}

// cloneSilence copies what a caller could change in place: the matchers
// and the expiry.
func cloneSilence(s silence.Silence) silence.Silence {
	s.Match = maps.Clone(s.Match)
	if s.ExpiredAt != nil {
		at := *s.ExpiredAt
		s.ExpiredAt = &at
	}
	return s
}
