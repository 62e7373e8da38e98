package store

import (
	"context"
	"slices"
)

var _ Docs = (*Memory)(nil)

func (m *Memory) GetDoc(_ context.Context, key string) (Doc, bool, error) {
	m.docsMu.Lock()
	defer m.docsMu.Unlock()
	d, ok := m.docs[key]
	return Doc{Data: slices.Clone(d.Data), Version: d.Version}, ok, nil
}

func (m *Memory) PutDocIfAbsent(_ context.Context, key string, data []byte) (Doc, bool, error) {
	m.docsMu.Lock()
	defer m.docsMu.Unlock()
	if d, ok := m.docs[key]; ok {
		return Doc{Data: slices.Clone(d.Data), Version: d.Version}, false, nil
	}
	if m.docs == nil {
		m.docs = map[string]Doc{}
	}
	d := Doc{Data: slices.Clone(data), Version: 1}
	m.docs[key] = d
	return Doc{Data: slices.Clone(data), Version: 1}, true, nil
}

func (m *Memory) ReplaceDoc(_ context.Context, key string, old int64, data []byte) (bool, error) {
	m.docsMu.Lock()
	defer m.docsMu.Unlock()
	d, ok := m.docs[key]
	if !ok || d.Version != old {
		return false, nil
	}
	m.docs[key] = Doc{Data: slices.Clone(data), Version: old + 1}
	return true, nil
}
