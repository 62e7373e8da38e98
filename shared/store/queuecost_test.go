package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// queueWrites counts the queue items a store's client puts and the write
// units they cost by AWS's rules: 1 WRU per KB of item, an item's size
// being its attribute names' and values' lengths (a number's: its digits
// over two, plus one).
type queueWrites struct {
	store.DynamoDBAPI
	mu   sync.Mutex
	puts int
	wru  int
}

func (q *queueWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := q.DynamoDBAPI.PutItem(ctx, in, opts...)
	pk, _ := in.Item["pk"].(*types.AttributeValueMemberS)
	if err != nil || pk == nil || !strings.HasPrefix(pk.Value, "Q#") {
		return out, err
	}
	size := 0
	for name, v := range in.Item {
		size += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			size += len(v.Value)
		case *types.AttributeValueMemberN:
			size += (len(v.Value)+1)/2 + 1
		}
	}
	q.mu.Lock()
	q.puts++
	q.wru += (size + 1023) / 1024
	q.mu.Unlock()
	return out, err
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
	qs := &queueWrites{DynamoDBAPI: client}
	db, _ := store.NewDynamoDB(qs, table, nil)
	ctx := context.Background()
	cfg := policy.Default()
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	in := &intake.Service{Policies: cfg, Tickets: db}
	svc := &promise.Service{Config: cfg, Tickets: db, Queues: db, Now: func() time.Time { return t0 },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// short: how many of the queues, finest first, have too little history
	// (MinSamples-1 replies, none waiting); the others are full.
	// A full queue's replies item is 11 WRU (10,251 bytes of stats: 200
	// replies, 10,154 bytes, and the pace by weekday, 97; with the item's
	// keys and version just over 10 KB), every other item 1: the
	// arrival writes the waiting item of each queue written, the answer
	// its replies item and (the ticket leaving it) its waiting item.
	tests := []struct {
		name      string
		short     int
		puts, wru int
	}{
		{"finest queue with enough history", 0, 3, 1 + 11 + 1},
		{"finest queue short of history", 1, 6, 2 + (1 + 1) + (11 + 1)},
		{"finest and middle queues short", 2, 9, 3 + 2*(1+1) + (11 + 1)},
		{"all three short", 3, 9, 3 + 3*(1+1)},
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
			if puts != tt.puts || wru != tt.wru {
				t.Errorf("%d queue puts, %d WRU for the ticket; want %d, %d", puts, wru, tt.puts, tt.wru)
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

// putRawQueue writes one of a queue's items as stored.
func putRawQueue(t *testing.T, client store.DynamoDBAPI, table, name, sk string, s queue.Stats) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "Q#" + name}, "sk": &types.AttributeValueMemberS{Value: sk},
		"version": &types.AttributeValueMemberN{Value: "1"}, "stats": &types.AttributeValueMemberS{Value: string(b)},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// A queue stored in one item, before the waiting tickets had their own,
// reads as it was and keeps its waiting tickets through updates; and a
// ticket answered in the replies item but still listed in the waiting one
// (that write lost) does not count as waiting.
func TestQueueItems(t *testing.T) {
	client, table, _ := localTable(t)
	db, _ := store.NewDynamoDB(client, table, nil)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	open := func(name string) []string {
		t.Helper()
		st, err := db.Queue(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Sorted(maps.Keys(st.Open))
	}

	var legacy queue.Stats
	legacy.Arrive("a", t0)
	legacy.Arrive("b", t0)
	putRawQueue(t, client, table, "old", "QUEUE", legacy)
	if got := open("old"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("legacy queue: waiting %v, want a b", got)
	}
	// Answering z, which was not waiting, writes the replies item alone
	// and without waiting tickets: a and b must move to the waiting item.
	if _, err := db.UpdateQueue(ctx, "old", func(s queue.Stats) (queue.Stats, bool, error) {
		return s, s.Answer(queue.Answer{Ticket: "z", Started: t0, At: t0.Add(time.Hour)}), nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := open("old"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after answering z: waiting %v, want a b", got)
	}
	if _, err := db.UpdateQueue(ctx, "old", func(s queue.Stats) (queue.Stats, bool, error) {
		return s, s.Answer(queue.Answer{Ticket: "a", Started: t0, At: t0.Add(time.Hour)}) && s.Arrive("c", t0), nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := open("old"); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("after answering a and c's arrival: waiting %v, want b c", got)
	}

	var replies, waiting queue.Stats
	replies.Answer(queue.Answer{Ticket: "x", Started: t0, At: t0.Add(time.Hour)})
	waiting.Arrive("x", t0)
	waiting.Arrive("y", t0)
	putRawQueue(t, client, table, "split", "QUEUE", replies)
	putRawQueue(t, client, table, "split", "WAITING", waiting)
	if got := open("split"); !slices.Equal(got, []string{"y"}) {
		t.Errorf("answered x still listed: waiting %v, want y", got)
	}
	names, err := db.QueueNames(ctx)
	if err != nil || !slices.Equal(names, []string{"old", "split"}) {
		t.Errorf("QueueNames = %v, %v; want each queue once", names, err)
	}
}

// Concurrent first responses (two items written) and arrivals (the
// waiting item) on one queue lose nothing: every answered ticket is
// answered once, by the one update that reports it, and no longer waits;
// every arrival waits.
func TestQueueConcurrentAnswers(t *testing.T) {
	client, table, _ := localTable(t)
	db, _ := store.NewDynamoDB(client, table, nil)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	const n = 12
	if _, err := db.UpdateQueue(ctx, "q", func(s queue.Stats) (queue.Stats, bool, error) {
		for i := range n {
			s.Arrive(fmt.Sprintf("b%d", i), t0)
		}
		return s, true, nil
	}); err != nil {
		t.Fatal(err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answered = map[string]int{}
	)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("b%d", i)
			for range 2 { // each answer delivered twice
				var did bool
				if _, err := db.UpdateQueue(ctx, "q", func(s queue.Stats) (queue.Stats, bool, error) {
					did = s.Answer(queue.Answer{Ticket: id, Started: t0, At: t0.Add(time.Duration(i+1) * time.Minute)})
					return s, did, nil
				}); err != nil {
					t.Error(err)
				}
				if did {
					mu.Lock()
					answered[id]++
					mu.Unlock()
				}
			}
		}()
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("a%d", i)
			if _, err := db.UpdateQueue(ctx, "q", func(s queue.Stats) (queue.Stats, bool, error) {
				return s, s.Arrive(id, t0), nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st, err := db.Queue(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		a, b := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)
		if _, ok := st.Open[a]; !ok {
			t.Errorf("%s not waiting", a)
		}
		if _, ok := st.Open[b]; ok || !holds(st, b) || answered[b] != 1 {
			t.Errorf("%s: waiting %v, answered %v, reported answered %d times; want answered once", b, ok, holds(st, b), answered[b])
		}
	}
	if len(st.Open) != n || len(st.Replies) != n {
		t.Errorf("%d waiting, %d replies; want %d each", len(st.Open), len(st.Replies), n)
	}
}
