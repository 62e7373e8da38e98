package heartbeat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/store"
)

// countingTraffic counts the calls that reach the store.
type countingTraffic struct {
	store.Traffic
	accepted, rejected int
	fail               bool
}

func (c *countingTraffic) RecordAccepted(ctx context.Context, source string, at time.Time) error {
	c.accepted++
	if c.fail {
		return errors.New("store down")
	}
	return c.Traffic.RecordAccepted(ctx, source, at)
}

func (c *countingTraffic) RecordRejected(ctx context.Context, source string, at time.Time) error {
	c.rejected++
	return c.Traffic.RecordRejected(ctx, source, at)
}

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	mem := store.NewMemory()
	c := &countingTraffic{Traffic: mem}
	r := heartbeat.NewRecorder(c)
	accept := func(src string, at time.Time, wantCalls int) {
		t.Helper()
		if err := r.RecordAccepted(ctx, src, at); err != nil && !c.fail {
			t.Fatal(err)
		}
		if c.accepted != wantCalls {
			t.Fatalf("accepted at %v: %d store calls, want %d", at, c.accepted, wantCalls)
		}
	}
	// A busy minute: a thousand webhooks, one store call.
	for i := range 1000 {
		accept("zendesk", t0.Add(time.Duration(i)*50*time.Millisecond), 1)
	}
	accept("freshdesk", t0, 2) // per source
	accept("zendesk", t0.Add(time.Minute), 3)
	accept("zendesk", t0.Add(time.Minute+59*time.Second), 3)

	// A refusal goes through, and the next accepted request goes to the
	// store at once to end the streak.
	if err := r.RecordRejected(ctx, "zendesk", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c.rejected != 1 {
		t.Fatalf("refusal: %d store calls, want 1", c.rejected)
	}
	accept("zendesk", t0.Add(2*time.Minute+time.Second), 4)
	if st, _ := mem.Watch(ctx, "zendesk", t0); st.RejectedInARow != 0 {
		t.Errorf("streak not ended: %+v", st)
	}

	// A failed write is not remembered: the next request tries again.
	c.fail = true
	accept("jira", t0, 5)
	c.fail = false
	accept("jira", t0.Add(time.Second), 6)
	accept("jira", t0.Add(2*time.Second), 6)
}
