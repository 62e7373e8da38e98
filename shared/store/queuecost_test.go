package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// queueWrites counts the queue items UpdateQueue writes and the write
// units they cost: 1 WRU per KB of item (the stats plus the key, version
// and attribute names, about 40 bytes).
type queueWrites struct {
	store.Queues
	mu   sync.Mutex
	puts int
	wru  int
}

func (q *queueWrites) UpdateQueue(ctx context.Context, name string, fn store.QueueFunc) (queue.Stats, error) {
	var wrote *queue.Stats
	st, err := q.Queues.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
		next, changed, err := fn(cur)
		wrote = nil
		if changed && err == nil {
			wrote = &next
		}
		return next, changed, err
	})
	if err == nil && wrote != nil {
		b, _ := json.Marshal(*wrote)
		size := len(b) + len("pk") + len(name) + 2 + len("sk") + len("QUEUE") + len("version") + 8 + len("stats")
		q.mu.Lock()
		q.puts++
		q.wru += (size + 1023) / 1024
		q.mu.Unlock()
	}
	return st, err
}

func (q *queueWrites) take() (puts, wru int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	puts, wru, q.puts, q.wru = q.puts, q.wru, 0, 0
	return puts, wru
}

// fullQueue is a busy queue's stored history: MaxReplies first responses
// (a tenth promised from the model) and 20 tickets waiting, all before t0.
func fullQueue(name string, t0 time.Time) queue.Stats {
	var s queue.Stats
	for i := range queue.MaxReplies {
		start := t0.Add(-time.Duration(queue.MaxReplies-i) * 30 * time.Minute)
		id := fmt.Sprintf("%d", 1840000+i)
		s.Arrive(id, start)
		a := queue.Answer{Ticket: id, Started: start, At: start.Add(47*time.Minute + 13*time.Second)}
		if i%10 == 0 {
			a.Promise = &eta.Promise{By: start.Add(time.Hour), Mean: 40 * time.Minute, Spread: 12 * time.Minute, Position: 3}
		}
		s.Answer(a)
	}
	for i := range 20 {
		s.Arrive(fmt.Sprintf("%d", 1841000+i), t0.Add(-time.Duration(20-i)*time.Minute))
	}
	return s
}

// TestQueueWritesPerTicket measures the queue history's writes for one
// ticket (created, then answered) through intake and the acknowledger's
// Observe on DynamoDB Local, when its finest queue has enough history for
// estimates and when it has too little: a coarser queue is written only in
// the second case. The queues hold a busy queue's ~10 KB of history, so the
// write units are those of production's items.
func TestQueueWritesPerTicket(t *testing.T) {
	client, table, count := localTable(t)
	db, _ := store.NewDynamoDB(client, table, nil)
	ctx := context.Background()
	cfg := policy.Default()
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	qs := &queueWrites{Queues: db}
	in := &intake.Service{Policies: cfg, Tickets: db}
	svc := &promise.Service{Config: cfg, Tickets: db, Queues: qs, Now: func() time.Time { return t0 },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// short: how many of the queues, finest first, have too little history
	// (MinSamples-1 replies, none waiting); the others are full.
	tests := []struct {
		name  string
		short int
		puts  int
	}{
		{"finest queue with enough history", 0, 2},
		{"finest queue short of history", 1, 4},
		{"finest and middle queues short", 2, 6},
		{"all three short", 3, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			source := fmt.Sprintf("src%d", tt.short)
			keys := queue.Keys(source, event.Chat, event.Normal)
			for i, k := range keys {
				st := fullQueue(k.String(), t0)
				if i < tt.short {
					st = queue.Stats{Replies: st.Replies[len(st.Replies)-(eta.DefaultMinSamples-1):], LastReply: st.LastReply}
				}
				if _, err := db.UpdateQueue(ctx, k.String(), func(queue.Stats) (queue.Stats, bool, error) { return st, true, nil }); err != nil {
					t.Fatal(err)
				}
			}
			qs.take()
			count.Take()
			id := source + "-1"
			evs := []event.Event{
				{Source: source, TicketID: id, ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat, Priority: event.Normal},
				{Source: source, TicketID: id, ID: "r", Kind: event.AgentReply, OccurredAt: t0.Add(20 * time.Minute), Author: event.Agent, Public: true},
			}
			var puts, wru int
			for _, e := range evs {
				if _, err := in.Ingest(ctx, []event.Event{e}); err != nil {
					t.Fatal(err)
				}
				if err := svc.Observe(ctx, store.Key{Source: e.Source, ID: e.TicketID}); err != nil {
					t.Fatal(err)
				}
				p, w := qs.take()
				n, ops := count.Take()
				t.Logf("%s: %d queue puts, %d WRU; all requests %d %v", e.Kind, p, w, n, ops)
				puts, wru = puts+p, wru+w
			}
			t.Logf("per ticket: %d queue puts, %d WRU", puts, wru)
			if puts != tt.puts {
				t.Errorf("%d queue puts for the ticket, want %d", puts, tt.puts)
			}
			// The estimate reads the finest queue with enough history: the
			// ticket is in it and in every finer one, and in no coarser.
			for i, k := range keys {
				st, err := db.Queue(ctx, k.String())
				if err != nil {
					t.Fatal(err)
				}
				if want := i <= tt.short; holds(st, id) != want {
					t.Errorf("%s holds the ticket: %v, want %v", k, holds(st, id), want)
				}
			}
		})
	}
}

// holds reports whether ticket is waiting or answered in st (Stats.Holds,
// written out so that this test also runs on the code before it).
func holds(st queue.Stats, ticket string) bool {
	if _, ok := st.Open[ticket]; ok {
		return true
	}
	return slices.ContainsFunc(st.Replies, func(r queue.Reply) bool { return r.Ticket == ticket })
}
