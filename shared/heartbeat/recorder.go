package heartbeat

import (
	"context"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/store"
)

// Recorder records the webhook path's traffic into a store.Traffic,
// skipping in memory the accepted requests the store would not write
// anyway: it calls RecordAccepted at most once per AcceptedResolution per
// source in this process, so that a busy source costs each running
// process (a Lambda instance) one DynamoDB write a minute, not one failed
// conditional write per webhook. Refusals are rare and all go through.
// It is safe for concurrent use; its memory grows with the number of
// sources it is told of, so callers pass configured source names only.
type Recorder struct {
	Traffic store.Traffic

	mu   sync.Mutex
	sent map[string]time.Time // by source: the accepted time last passed on
}

// NewRecorder returns a Recorder over t.
func NewRecorder(t store.Traffic) *Recorder { return &Recorder{Traffic: t} }

// RecordAccepted passes the request on unless one less than
// store.AcceptedResolution before it was passed on by this process.
func (r *Recorder) RecordAccepted(ctx context.Context, source string, at time.Time) error {
	r.mu.Lock()
	last, ok := r.sent[source]
	if ok && at.Sub(last) < store.AcceptedResolution {
		r.mu.Unlock()
		return nil
	}
	if r.sent == nil {
		r.sent = map[string]time.Time{}
	}
	r.sent[source] = at
	r.mu.Unlock()
	err := r.Traffic.RecordAccepted(ctx, source, at)
	if err != nil {
		// Not recorded: the next request tries again.
		r.forget(source, at)
	}
	return err
}

// RecordRejected passes the refusal on, and makes the next accepted
// request go to the store: it ends the streak there.
func (r *Recorder) RecordRejected(ctx context.Context, source string, at time.Time) error {
	r.mu.Lock()
	delete(r.sent, source)
	r.mu.Unlock()
	return r.Traffic.RecordRejected(ctx, source, at)
}

func (r *Recorder) forget(source string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sent[source].Equal(at) {
		delete(r.sent, source)
	}
}
