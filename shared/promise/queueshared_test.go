package promise_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// copying hides store.Memory's UpdateQueueShared: queues are updated on
// copies, as on DynamoDB.
type copying struct{ backend }

// countingShared counts the store's copying queue updates and keeps its
// UpdateQueueShared.
type countingShared struct {
	*store.Memory
	updates atomic.Int32
}

func (c *countingShared) UpdateQueue(ctx context.Context, name string, fn store.QueueFunc) (queue.Stats, error) {
	c.updates.Add(1)
	return c.Memory.UpdateQueue(ctx, name, fn)
}

// TestQueueSharedSameAsUpdate: tracking tickets on the memory store's own
// stats (UpdateQueueShared, no copies) leaves every queue as tracking on
// copies (UpdateQueue) does, through arrivals, answers, drops, follow-ups
// and redeliveries on three queue levels; and no webhook copies a queue.
func TestQueueSharedSameAsUpdate(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	counting := &countingShared{Memory: store.NewMemory()}
	fixtures := map[string]*fixture{
		"shared":    newFixtureOn(t, counting, t0),
		"reference": newFixtureOn(t, copying{store.NewMemory()}, t0),
	}
	customer := func(id string, at time.Time) event.Event {
		return event.Event{Source: "desk", TicketID: id, ID: fmt.Sprintf("%s-msg-%d", id, at.Unix()), Kind: event.CustomerMessage,
			OccurredAt: at, Author: event.Customer}
	}
	solved := func(id string, at time.Time) event.Event {
		return event.Event{Source: "desk", TicketID: id, ID: id + "-solved", Kind: event.StatusChanged, OccurredAt: at, Status: event.Solved}
	}
	var script [][]event.Event
	for i := range 40 {
		id := fmt.Sprint("t", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		ch := []event.Channel{event.Chat, event.Email}[i%2]
		script = append(script, []event.Event{created(id, ch, at)}, []event.Event{customer(id, at.Add(time.Minute))})
		switch i % 4 {
		case 0, 1:
			script = append(script, []event.Event{reply(id, at.Add(20*time.Minute))}, []event.Event{reply(id, at.Add(20*time.Minute))})
		case 2:
			script = append(script, []event.Event{solved(id, at.Add(5*time.Minute))})
		}
	}
	for name, f := range fixtures {
		for _, evs := range script {
			f.now = evs[0].OccurredAt
			if err := f.deliver(evs...); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	if n := counting.updates.Load(); n != 0 {
		t.Errorf("queues copied and updated %d times, want none", n)
	}
	want := queues(t, fixtures["reference"])
	if len(want) != 3+2 || len(want["desk"].Replies) == 0 {
		t.Fatalf("reference queues %v: want desk, desk/chat, desk/email and their priorities, with replies", slices.Sorted(maps.Keys(want)))
	}
	if got := queues(t, fixtures["shared"]); !reflect.DeepEqual(got, want) {
		t.Errorf("queues differ from the reference's:\n got %+v\nwant %+v", got, want)
	}
}

func queues(t *testing.T, f *fixture) map[string]queue.Stats {
	t.Helper()
	ctx := context.Background()
	names, err := f.store.QueueNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]queue.Stats{}
	for _, n := range names {
		if out[n], err = f.store.Queue(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestTrackCopiesWhatItChanges: Track never writes into the map and slice
// of the stats it is given, which tracking on the stored stats relies on (UpdateQueueShared): arrival,
// answer (also past MaxReplies, when the oldest reply goes), drop and
// pruning all leave another holder of the same stats unchanged.
func TestTrackCopiesWhatItChanges(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	var full queue.Stats
	for i := range queue.MaxReplies {
		id := fmt.Sprint("r", i)
		full.Arrive(id, t0.Add(time.Duration(i)*time.Second))
		full.Answer(queue.Answer{Ticket: id, Started: t0.Add(time.Duration(i) * time.Second), At: t0.Add(time.Hour + time.Duration(i)*time.Second)})
	}
	full.Arrive("old", t0.Add(-60*24*time.Hour)) // stale: pruned by the next arrival
	full.Arrive("waiting", t0)
	tickets := []sla.Ticket{
		{ID: "new", FirstResponse: &sla.Metric{StartedAt: t0.Add(2 * time.Hour)}},
		{ID: "waiting", FirstResponse: &sla.Metric{StartedAt: t0, RespondedAt: at(3 * time.Hour)}},
		{ID: "waiting", FirstResponse: &sla.Metric{StartedAt: t0, StoppedAt: at(3 * time.Hour)}},
	}
	for _, tk := range tickets {
		shared := full // what a store holds: the same map and backing array
		snapshot := clone(full)
		mine := shared
		if changed, _ := promise.Track(&mine, tk, nil); !changed {
			t.Fatalf("%s: Track changed nothing; the case tests nothing", tk.ID)
		}
		if !reflect.DeepEqual(shared, snapshot) {
			t.Errorf("%s: Track wrote into the stats it was given", tk.ID)
		}
	}
}

func clone(s queue.Stats) queue.Stats {
	s.Open = maps.Clone(s.Open)
	s.Replies = slices.Clone(s.Replies)
	return s
}
