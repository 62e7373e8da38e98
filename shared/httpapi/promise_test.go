package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// flakyQueues fails queue updates while down is set.
type flakyQueues struct {
	*store.Memory
	down atomic.Bool
}

func (f *flakyQueues) UpdateQueue(ctx context.Context, name string, fn store.QueueFunc) (q queue.Stats, err error) {
	if f.down.Load() {
		return q, errors.New("dynamodb: throttled")
	}
	return f.Memory.UpdateQueue(ctx, name, fn)
}

// UpdateQueueShared fails as UpdateQueue does: the embedded Memory's would
// bypass the failure.
func (f *flakyQueues) UpdateQueueShared(ctx context.Context, name string, fn store.QueueFunc) error {
	if f.down.Load() {
		return errors.New("dynamodb: throttled")
	}
	return f.Memory.UpdateQueueShared(ctx, name, fn)
}

type countingAcks struct{ n atomic.Int32 }

func (c *countingAcks) PublishAck(context.Context, notify.Ack) error { c.n.Add(1); return nil }

// When the follow-up work after storing the events fails, the webhook gets
// 503 so that the helpdesk retries; the retry's events are duplicates, but
// the follow-up is done then, and the ticket is acknowledged once.
func TestFollowUpFailureAsksForRetry(t *testing.T) {
	cfg := policy.Default()
	mem := store.NewMemory()
	qs := &flakyQueues{Memory: mem}
	acks := &countingAcks{}
	api := httpapi.New(cfg, mem, func(string) (string, bool) { return secret, true }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	api.Promises = &promise.Service{Config: cfg, Tickets: mem, Queues: qs, Acks: acks, Now: api.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	api.Queues = qs
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, tickets: mem}

	body := `{"ticket_id":"9","event_id":"e9","kind":"ticket_created","occurred_at":"2026-11-23T09:29:00Z","channel":"chat"}`
	sig := generic.Sign([]byte(secret), []byte(body))
	qs.down.Store(true)
	if status, resp := f.post(t, "/webhooks/generic", "application/json", sig, body); status != http.StatusServiceUnavailable || resp["error"] == nil {
		t.Fatalf("follow-up down: %d %v", status, resp)
	}
	if _, err := mem.Get(context.Background(), store.Key{Source: "generic", ID: "9"}); err != nil || acks.n.Load() != 0 {
		t.Fatalf("the event must be stored and nothing sent: %v, %d acks", err, acks.n.Load())
	}
	qs.down.Store(false)
	for range 2 {
		if status, resp := f.post(t, "/webhooks/generic", "application/json", sig, body); status != http.StatusOK || resp["duplicates"] != 1.0 {
			t.Fatalf("retry: %d %v", status, resp)
		}
	}
	if acks.n.Load() != 1 {
		t.Errorf("%d acknowledgements, want 1", acks.n.Load())
	}
}
