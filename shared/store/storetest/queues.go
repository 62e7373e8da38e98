package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// OpenQueues returns a store for one test. Queue names are unique per test
// (they start with a fresh source name), so stores may share one table.
type OpenQueues func(t *testing.T) store.Queues

// RunQueues runs the contract suite of store.Queues.
func RunQueues(t *testing.T, open OpenQueues) {
	t.Run("QueueUnknownIsEmpty", func(t *testing.T) { queueUnknown(t, open(t)) })
	t.Run("QueueUpdateAndRead", func(t *testing.T) { queueUpdateAndRead(t, open(t)) })
	t.Run("QueueUnchangedWritesNothing", func(t *testing.T) { queueUnchanged(t, open(t)) })
	t.Run("QueueErrorWritesNothing", func(t *testing.T) { queueError(t, open(t)) })
	t.Run("QueueCopiesAreTheCallers", func(t *testing.T) { queueCopies(t, open(t)) })
	t.Run("QueueConcurrentNoLostUpdate", func(t *testing.T) { queueConcurrent(t, open(t)) })
	t.Run("QueueNamesSorted", func(t *testing.T) { queueNames(t, open(t)) })
}

// queueName returns a queue name not used before in this process, with the
// '/' separators of real names ("zendesk/chat/urgent").
func queueName(t *testing.T) string {
	return queue.Key{Source: source(t), Channel: event.Chat, Priority: event.Urgent}.String()
}

// sameStats compares stats by their stored form, which is what a round trip
// through any store must preserve (time zones and nil-versus-empty aside).
func sameStats(t *testing.T, what string, got, want queue.Stats) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: stats differ:\n got %s\nwant %s", what, g, w)
	}
}

// busy is a queue with two tickets waiting (3 and 4) and two replies, the
// second with a kept promise, a service time and a residual.
func busy() queue.Stats {
	var s queue.Stats
	for i := range 4 {
		s.Arrive(fmt.Sprint(i+1), T0.Add(time.Duration(i)*10*time.Minute))
	}
	s.Answer(queue.Answer{Ticket: "1", Started: T0, At: T0.Add(15 * time.Minute)})
	s.Answer(queue.Answer{Ticket: "2", Started: T0.Add(10 * time.Minute), At: T0.Add(40 * time.Minute),
		Promise: &eta.Promise{By: T0.Add(time.Hour), Mean: 20 * time.Minute, Spread: 20 * time.Minute}})
	return s
}

func set(s queue.Stats) store.QueueFunc {
	return func(queue.Stats) (queue.Stats, bool, error) { return s, true, nil }
}

func queueUnknown(t *testing.T, s store.Queues) {
	got, err := s.Queue(context.Background(), queueName(t))
	if err != nil {
		t.Fatalf("Queue of an unknown queue: %v, want no error", err)
	}
	if !reflect.DeepEqual(got, queue.Stats{}) {
		t.Errorf("unknown queue: %+v, want the zero value", got)
	}
}

func queueUpdateAndRead(t *testing.T, s store.Queues) {
	ctx := context.Background()
	name := queueName(t)
	want := busy()
	var seen queue.Stats
	written, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
		seen = cur
		return want, true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameStats(t, "fn's input for a new queue", seen, queue.Stats{})
	sameStats(t, "UpdateQueue's result", written, want)
	if r := want.Replies[1]; r.Service != 25*time.Minute || r.Residual == nil || !r.Kept {
		t.Fatalf("fixture: %+v", r) // the stored form below must hold every field
	}
	got, err := s.Queue(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	sameStats(t, "read back", got, want)
	if !got.LastReply.Equal(want.LastReply) || !got.Open["3"].Equal(T0.Add(20*time.Minute)) {
		t.Errorf("times: last reply %v, ticket 3 since %v", got.LastReply, got.Open["3"])
	}

	// A second update starts from the stored stats.
	_, err = s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
		sameStats(t, "fn's input for a stored queue", cur, want)
		return cur, cur.Drop("3"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Queue(ctx, name); len(got.Open) != 1 || got.Open["4"].IsZero() {
		t.Errorf("after dropping ticket 3, open: %v, want only ticket 4", got.Open)
	}
}

func queueUnchanged(t *testing.T, s store.Queues) {
	ctx := context.Background()
	name := queueName(t)
	// A function that changes its input but reports no change: the report
	// is what counts.
	sneaky := func(cur queue.Stats) (queue.Stats, bool, error) {
		cur.Arrive("sneaky", T0)
		return cur, false, nil
	}
	if _, err := s.UpdateQueue(ctx, name, sneaky); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.QueueNames(ctx); slices.Contains(names, name) {
		t.Errorf("an update reporting no change created queue %s", name)
	}
	if got, _ := s.Queue(ctx, name); len(got.Open) != 0 {
		t.Errorf("an update reporting no change stored %+v", got)
	}

	want := busy()
	if _, err := s.UpdateQueue(ctx, name, set(want)); err != nil {
		t.Fatal(err)
	}
	got, err := s.UpdateQueue(ctx, name, sneaky)
	if err != nil {
		t.Fatal(err)
	}
	sameStats(t, "result of an unchanged update", got, want)
	got, _ = s.Queue(ctx, name)
	sameStats(t, "stored after an unchanged update", got, want)
}

func queueError(t *testing.T, s store.Queues) {
	ctx := context.Background()
	name := queueName(t)
	boom := errors.New("boom")
	failing := func(cur queue.Stats) (queue.Stats, bool, error) {
		cur.Arrive("failed", T0)
		return cur, true, boom
	}
	if _, err := s.UpdateQueue(ctx, name, failing); !errors.Is(err, boom) {
		t.Errorf("fn's error not returned: %v", err)
	}
	if names, _ := s.QueueNames(ctx); slices.Contains(names, name) {
		t.Errorf("a failed update created queue %s", name)
	}

	want := busy()
	if _, err := s.UpdateQueue(ctx, name, set(want)); err != nil {
		t.Fatal(err)
	}
	// Changing the input's map in place must not reach the store either.
	inPlace := func(cur queue.Stats) (queue.Stats, bool, error) {
		cur.Open["in-place"] = T0
		return cur, true, boom
	}
	if _, err := s.UpdateQueue(ctx, name, inPlace); !errors.Is(err, boom) {
		t.Errorf("fn's error not returned: %v", err)
	}
	got, _ := s.Queue(ctx, name)
	sameStats(t, "stored after a failed update", got, want)
}

// queueCopies: stats a store hands out are the caller's; changing them in
// place changes nothing stored.
func queueCopies(t *testing.T, s store.Queues) {
	ctx := context.Background()
	name := queueName(t)
	want := busy()
	in := busy()
	written, err := s.UpdateQueue(ctx, name, set(in))
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.Queue(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []queue.Stats{in, written, read} {
		st.Open["mutated"] = T0
		st.Replies[0].Ticket = "mutated"
		*st.Replies[1].Residual = 99
	}
	got, _ := s.Queue(ctx, name)
	sameStats(t, "stored after callers changed their copies", got, want)
}

// queueConcurrent: 40 writers each add a ticket to one queue; with work
// between read and write, a store without a working concurrency check loses
// some of them.
func queueConcurrent(t *testing.T, s store.Queues) {
	ctx := context.Background()
	name := queueName(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			ticket := fmt.Sprintf("t%02d", i)
			_, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
				time.Sleep(time.Millisecond)
				return cur, cur.Arrive(ticket, T0), nil
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Queue(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for i := range n {
		if ticket := fmt.Sprintf("t%02d", i); got.Open[ticket].IsZero() {
			missing = append(missing, ticket)
		}
	}
	if len(missing) > 0 || len(got.Open) != n {
		t.Errorf("%d tickets open, want %d; lost updates: %v", len(got.Open), n, missing)
	}
}

func queueNames(t *testing.T, s store.Queues) {
	ctx := context.Background()
	src := source(t)
	// Written out of order; the queues of one source, as queue.Keys names
	// them, plus a channel with no priority.
	var want []string
	for _, k := range []queue.Key{
		{Source: src, Channel: event.Chat, Priority: event.Urgent},
		{Source: src},
		{Source: src, Channel: "any", Priority: "any"},
		{Source: src, Channel: event.Chat},
		{Source: src, Channel: event.Email, Priority: event.Low},
	} {
		name := k.String()
		want = append(want, name)
		if _, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
			return cur, cur.Arrive("1", T0), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(want)

	all, err := s.QueueNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(all) {
		t.Errorf("QueueNames not sorted: %v", all)
	}
	var got []string
	for _, name := range all {
		if name == src || strings.HasPrefix(name, src+"/") { // a shared table holds other tests' queues
			got = append(got, name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("QueueNames returned %v,\nwant %v", got, want)
	}
}
