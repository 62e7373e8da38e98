package promise_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/queue"
)

// seed answers n earlier chats in queue name, an hour apart, each after 3
// hours: all before t0, so all count for a ticket started at t0.
func (f *fixture) seed(name string, n int, t0 time.Time) {
	f.t.Helper()
	for i := range n {
		start := t0.Add(-time.Duration(30-i) * time.Hour)
		_, err := f.store.UpdateQueue(context.Background(), name, func(s queue.Stats) (queue.Stats, bool, error) {
			return s, s.Answer(queue.Answer{Ticket: fmt.Sprintf("old-%s-%d", name, i), Started: start, At: start.Add(3 * time.Hour)}), nil
		})
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

// A ticket is recorded in a coarser queue only while every finer one lacks
// the history an estimate needs (queue.MinHistory): the estimate reads the
// same levels the ticket was written to, and no further.
func TestQueueLevels(t *testing.T) {
	const (
		finest = "desk/chat/normal"
		middle = "desk/chat"
		source = "desk"
	)
	tests := []struct {
		name    string
		history map[string]int // replies seeded per queue
		written []string       // queues that get the new ticket
		used    string         // the queue its promise came from
	}{
		{"no history anywhere", nil, []string{finest, middle, source}, source},
		{"finest one short", map[string]int{finest: queue.MinHistory - 1}, []string{finest, middle, source}, source},
		{"finest enough", map[string]int{finest: queue.MinHistory}, []string{finest}, finest},
		{"finest short, middle enough", map[string]int{finest: 3, middle: queue.MinHistory + 5}, []string{finest, middle}, middle},
		{"only the source enough", map[string]int{source: 40}, []string{finest, middle, source}, source},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
			f := newFixture(t, t0)
			for name, n := range tt.history {
				f.seed(name, n, t0)
			}
			if err := f.deliver(created("n", event.Chat, t0)); err != nil {
				t.Fatal(err)
			}
			if tk := f.ticket("n"); tk.Ack == nil || tk.Ack.Queue != tt.used {
				t.Errorf("promise from %+v, want queue %s", tk.Ack, tt.used)
			}
			check := func(when string, waiting, answered bool) {
				t.Helper()
				for _, name := range []string{finest, middle, source} {
					st, err := f.store.Queue(context.Background(), name)
					if err != nil {
						t.Fatal(err)
					}
					in := false
					for _, w := range tt.written {
						in = in || w == name
					}
					_, open := st.Open["n"]
					replied := st.Holds("n") && !open
					if open != (in && waiting) || replied != (in && answered) {
						t.Errorf("%s, %s: waiting %v, answered %v; want %v, %v", when, name, open, replied, in && waiting, in && answered)
					}
				}
			}
			check("arrived", true, false)
			f.now = t0.Add(20 * time.Minute)
			if err := f.deliver(reply("n", f.now)); err != nil {
				t.Fatal(err)
			}
			check("answered", false, true)
		})
	}
}

// A ticket that arrived while its finest queue lacked history, and so
// waits in the coarser ones too, is answered there as well even if that
// queue has enough history by then (replies delivered late): it must not
// stay waiting in them, inflating their backlog for StaleOpen.
func TestQueueLevelsFollowHeldTicket(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixture(t, t0)
	if err := f.deliver(created("n", event.Chat, t0)); err != nil {
		t.Fatal(err)
	}
	f.seed("desk/chat/normal", 2*queue.MinHistory, t0) // earlier replies, delivered late
	f.now = t0.Add(20 * time.Minute)
	if err := f.deliver(reply("n", f.now)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"desk/chat/normal", "desk/chat", "desk"} {
		st, err := f.store.Queue(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if _, open := st.Open["n"]; open || !st.Holds("n") {
			t.Errorf("%s: open %v, replies %d; want n answered", name, st.Open, len(st.Replies))
		}
	}
	// A ticket arriving now is recorded in the finest queue alone.
	if err := f.deliver(created("m", event.Chat, f.now)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"desk/chat/normal": true, "desk/chat": false, "desk": false} {
		st, _ := f.store.Queue(context.Background(), name)
		if st.Holds("m") != want {
			t.Errorf("%s holds m: %v, want %v", name, st.Holds("m"), want)
		}
	}
}
