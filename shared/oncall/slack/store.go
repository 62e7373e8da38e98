package slack

import (
	"context"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
)

// Record is what the Sender keeps per incident key: the message that stands
// for the incident, or the claim of the alert that is posting it.
type Record struct {
	// Channel and TS name the message (chat.postMessage's answer); empty
	// while the first alert is posting it.
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
	// Claim names the attempt posting the first message (the alert's id
	// and a random part), ClaimedAt when it began. Another alert waits for
	// the claim, or takes it over once it is older than the Sender's Lease
	// (its holder died). A record with neither TS nor Claim is free: the
	// post failed and released it.
	Claim     string    `json:"claim,omitempty"`
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	// Resolved: a recovered alert has been shown; later alerts of the key
	// are late deliveries and only go to the thread.
	Resolved bool `json:"resolved,omitempty"`
	// Ack is the acknowledgement made with the button, kept so that later
	// edits still show it. The interactivity handler sets it with Replace.
	Ack *Ack `json:"ack,omitempty"`
	// Doc is the alert the message shows now, so that an acknowledgement
	// can redraw it at once (Sender.Acknowledged).
	Doc *notify.Document `json:"doc,omitempty"`
	// Version counts the record's writes: Replace compares it.
	Version int64 `json:"version"`
}

// Posted reports whether the record names a message.
func (r Record) Posted() bool { return r.TS != "" }

// MessageStore keeps one Record per incident key. Its conditional writes
// are what make two alerts of one key, delivered at once, produce one
// message: implement them atomically (DynamoDB: a PutItem with
// attribute_not_exists(pk), and one with version = :old).
type MessageStore interface {
	// Get returns the record under key; ok is false when there is none.
	Get(ctx context.Context, key string) (rec Record, ok bool, err error)
	// PutIfAbsent stores rec under key unless a record is there. It returns
	// the record under key afterwards and whether that is rec.
	PutIfAbsent(ctx context.Context, key string, rec Record) (cur Record, stored bool, err error)
	// Replace stores rec under key if the record there still has
	// old.Version; rec.Version is set to old.Version+1. It returns false
	// (and no error) when the record changed meanwhile or is gone.
	Replace(ctx context.Context, key string, old, rec Record) (bool, error)
}

// MemoryStore is a MessageStore in memory, for one process (slawatch serve,
// tests). Records live until the process ends.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]Record
}

var _ MessageStore = (*MemoryStore)(nil)

func (s *MemoryStore) Get(_ context.Context, key string) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	return r, ok, nil
}

func (s *MemoryStore) PutIfAbsent(_ context.Context, key string, rec Record) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[key]; ok {
		return r, false, nil
	}
	if s.m == nil {
		s.m = make(map[string]Record)
	}
	s.m[key] = rec
	return rec, true, nil
}

func (s *MemoryStore) Replace(_ context.Context, key string, old, rec Record) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	if !ok || r.Version != old.Version {
		return false, nil
	}
	rec.Version = old.Version + 1
	s.m[key] = rec
	return true, nil
}
