package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

// localTable is storetest.LocalTable: a fresh table on DynamoDB Local and
// a client that counts its requests.
var localTable = storetest.LocalTable

func TestDynamoDBContract(t *testing.T) {
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One table for the whole suite: each test uses its own source names.
	storetest.Run(t, func(*testing.T) store.Tickets { return s })
}

func TestDynamoDBClocksContract(t *testing.T) {
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunClocks(t, func(*testing.T) storetest.ClockStore { return s })
}

func TestDynamoDBQueuesContract(t *testing.T) {
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Tickets and de-duplication records share the table: QueueNames must
	// skip them.
	seedTicket(t, s)
	storetest.RunQueues(t, func(*testing.T) store.Queues { return s })
}

// seedTicket writes a ticket with an event id: a ticket item (which holds
// the event, so no de-duplication record).
func seedTicket(t *testing.T, s *store.DynamoDB) {
	t.Helper()
	e := event.Event{Source: "generic", TicketID: "zendesk/chat", ID: "c", Kind: event.TicketCreated,
		OccurredAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Author: event.Customer}
	svc := &intake.Service{Policies: policy.Default(), Tickets: s}
	if _, err := svc.Ingest(context.Background(), []event.Event{e}); err != nil {
		t.Fatal(err)
	}
}

// smallPages makes every Scan return at most two items a page, so that a
// handful of items exercises pagination (pages of 1 MB otherwise).
type smallPages struct{ store.DynamoDBAPI }

func (c smallPages) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	page := *in
	page.Limit = aws.Int32(2)
	return c.DynamoDBAPI.Scan(ctx, &page, opts...)
}

// TestQueueRequests checks a queue update's cost (a consistent read of its
// two items and a conditional put; the read alone when nothing changed, so
// no version is spent) and that QueueNames follows the scan's pages.
func TestQueueRequests(t *testing.T) {
	client, table, count := localTable(t)
	s, _ := store.NewDynamoDB(smallPages{client}, table, nil)
	ctx := context.Background()
	seedTicket(t, s)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var want []string
	for _, name := range []string{"zendesk/chat/urgent", "zendesk", "generic/email/any", "zendesk/chat", "generic"} {
		count.Take()
		if _, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
			return cur, cur.Arrive("1", t0), nil
		}); err != nil {
			t.Fatal(err)
		}
		if n, ops := count.Take(); n != 2 || ops["Query"] != 1 || ops["PutItem"] != 1 {
			t.Errorf("update of %s: %d requests %v, want Query + PutItem", name, n, ops)
		}
		if _, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
			return cur, cur.Arrive("1", t0), nil // already there: no change
		}); err != nil {
			t.Fatal(err)
		}
		if n, ops := count.Take(); n != 1 || ops["Query"] != 1 {
			t.Errorf("unchanged update of %s: %d requests %v, want one Query", name, n, ops)
		}
		want = append(want, name)
	}
	slices.Sort(want)
	got, err := s.QueueNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("QueueNames = %v, want %v", got, want)
	}
	// 5 queues, a ticket and a de-duplication record: 7 items, 2 a page.
	if _, ops := count.Take(); ops["Scan"] < 4 {
		t.Errorf("QueueNames read %d pages, want at least 4", ops["Scan"])
	}
}

// TestRequestsPerWebhook checks the cost bound of the intake path: at most
// two DynamoDB requests per event (a consistent read, then one conditional
// put of the ticket, which holds the event: no transaction, no
// de-duplication record), and one for a redelivery of an event the ticket
// already holds.
// TestRequestsPerWebhook counts the requests of intake's updates: a read
// and a put for a ticket this store has not just read or written, the put
// alone for one it has (store.DynamoDB's recent), and for a remembered
// state gone stale the refused put and a put of what the refusal returned.
// Two stores on one table stand for two Lambda instances.
func TestRequestsPerWebhook(t *testing.T) {
	client, table, count := localTable(t)
	a, _ := store.NewDynamoDB(client, table, nil)
	b, _ := store.NewDynamoDB(client, table, nil)
	cfg := policy.Default()
	ctx := context.Background()
	k := store.Key{Source: "generic", ID: "1"}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ev := func(id string, kind event.Kind, after time.Duration, author event.Role) event.Event {
		e := event.Event{Source: "generic", TicketID: "1", ID: id, Kind: kind, OccurredAt: t0.Add(after), Author: author}
		switch kind {
		case event.TicketCreated:
			e.Channel = event.Chat
		case event.AgentReply:
			e.Public = true
		}
		return e
	}
	steps := []struct {
		name  string
		s     *store.DynamoDB
		e     event.Event
		dup   bool
		wants map[string]int
	}{
		{"created, first seen", a, ev("c", event.TicketCreated, 0, event.Customer), false, map[string]int{"GetItem": 1, "PutItem": 1}},
		{"reply, same store at once", a, ev("r", event.AgentReply, time.Minute, event.Agent), false, map[string]int{"PutItem": 1}},
		{"message, another store", b, ev("m", event.CustomerMessage, 2*time.Minute, event.Customer), false, map[string]int{"GetItem": 1, "PutItem": 1}},
		{"reply, first store stale", a, ev("r2", event.AgentReply, 3*time.Minute, event.Agent), false, map[string]int{"PutItem": 2}},
		{"redelivery, remembered", a, ev("c", event.TicketCreated, 0, event.Customer), true, map[string]int{}},
		{"redelivery, stale store holds it too", b, ev("m", event.CustomerMessage, 2*time.Minute, event.Customer), true, map[string]int{}},
	}
	for _, st := range steps {
		res, err := (&intake.Service{Policies: cfg, Tickets: st.s}).Ingest(ctx, []event.Event{st.e})
		if err != nil || (res.Duplicates == 1) != st.dup {
			t.Fatalf("%s: %+v %v", st.name, res, err)
		}
		n, ops := count.Take()
		want := 0
		for op, w := range st.wants {
			want += w
			if ops[op] != w {
				t.Errorf("%s: %d requests %v, want %v", st.name, n, ops, st.wants)
			}
		}
		if n != want {
			t.Errorf("%s: %d requests %v, want %v", st.name, n, ops, st.wants)
		}
	}
	// Nothing was lost to the stale put: a store that remembers nothing
	// reads every event.
	fresh, _ := store.NewDynamoDB(client, table, nil)
	got, err := fresh.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c", "r", "m", "r2"} {
		if !got.Holds(id) {
			t.Errorf("stored ticket lost event %s", id)
		}
	}
	count.Take()

	// A verdict of "nothing to change" is not taken from a remembered
	// state: b tags the ticket, a (remembering the state before) is asked
	// to add a second tag only where the first is.
	if _, err := a.Get(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		t.Tags = append(slices.Clone(t.Tags), "x")
		return t, true, nil
	}); err != nil {
		t.Fatal(err)
	}
	count.Take()
	next, err := a.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		if !slices.Contains(t.Tags, "x") {
			return t, false, nil
		}
		t.Tags = append(slices.Clone(t.Tags), "y")
		return t, true, nil
	})
	if err != nil || !slices.Contains(next.Tags, "y") {
		t.Errorf("update decided on a stale state: tags %v, %v", next.Tags, err)
	}
	if n, ops := count.Take(); n != 2 || ops["GetItem"] != 1 || ops["PutItem"] != 1 {
		t.Errorf("unchanged on a remembered state: %d requests %v, want GetItem + PutItem", n, ops)
	}

	// Remembered states are trusted only briefly.
	store.RecentFor(a, -1)
	if _, err := (&intake.Service{Policies: cfg, Tickets: a}).Ingest(ctx, []event.Event{ev("m2", event.CustomerMessage, 4*time.Minute, event.Customer)}); err != nil {
		t.Fatal(err)
	}
	if n, ops := count.Take(); n != 2 || ops["GetItem"] != 1 || ops["PutItem"] != 1 {
		t.Errorf("after the remembered state's age: %d requests %v, want GetItem + PutItem", n, ops)
	}

	// An update whose new state does not hold its event (no log of it)
	// falls back to the transaction with a de-duplication record.
	tag := func(t sla.Ticket) (sla.Ticket, bool, error) {
		t.Tags = append(slices.Clone(t.Tags), "z")
		return t, true, nil
	}
	other, _ := store.NewDynamoDB(client, table, nil)
	if _, err := other.Update(ctx, k, "unlogged", tag); err != nil {
		t.Fatal(err)
	}
	if n, ops := count.Take(); n != 2 || ops["GetItem"] != 1 || ops["TransactWriteItems"] != 1 {
		t.Errorf("unlogged event: %d requests %v, want GetItem + TransactWriteItems", n, ops)
	}
}

// lostAnswer is a client whose first conditional PutItem is written twice,
// as when the SDK retries a put whose answer was lost: the second attempt
// finds the first one's item and fails its condition.
type lostAnswer struct {
	store.DynamoDBAPI
	mu   sync.Mutex
	done bool
}

func (c *lostAnswer) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.mu.Lock()
	again := !c.done && in.ConditionExpression != nil
	c.done = c.done || again
	c.mu.Unlock()
	if again {
		if _, err := c.DynamoDBAPI.PutItem(ctx, in, opts...); err != nil {
			return nil, err
		}
	}
	return c.DynamoDBAPI.PutItem(ctx, in, opts...)
}

// TestUpdateLostAnswer: a ticket put whose first attempt was written but
// whose answer was lost (the SDK's retry then fails the version condition)
// is a success, not a lost race: fn runs once and the event counts as
// applied, not as its own duplicate.
func TestUpdateLostAnswer(t *testing.T) {
	client, table, _ := localTable(t)
	lost := &lostAnswer{DynamoDBAPI: client}
	s, _ := store.NewDynamoDB(lost, table, nil)
	cfg := policy.Default()
	e := event.Event{Source: "generic", TicketID: "1", ID: "c", Kind: event.TicketCreated,
		OccurredAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Author: event.Customer, Channel: event.Chat}
	calls := 0
	got, err := s.Update(context.Background(), store.Key{Source: "generic", ID: "1"}, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
		calls++
		return sla.Apply(cfg, t, e)
	})
	if err != nil || calls != 1 || !lost.done {
		t.Fatalf("Update: %v, fn called %d times (answer lost: %v); want success, one call", err, calls, lost.done)
	}
	if !got.Holds(e.ID) {
		t.Errorf("returned ticket does not hold the event")
	}
}

// TestUpdateSameStateNotTakenForOwn: two writers make the same state from
// the same version — the same event delivered twice at once, or the same
// claim at the same instant. The second's put fails on an item equal to
// the one it meant to write, but written by the other: it lost the race,
// and its retry finds the event held (a duplicate), instead of both
// taking the write for their own (and both acknowledging, say).
func TestUpdateSameStateNotTakenForOwn(t *testing.T) {
	client, table, _ := localTable(t)
	s, _ := store.NewDynamoDB(client, table, nil)
	cfg := policy.Default()
	ctx := context.Background()
	e := event.Event{Source: "generic", TicketID: "1", ID: "c", Kind: event.TicketCreated,
		OccurredAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Author: event.Customer, Channel: event.Chat}
	k := store.Key{Source: "generic", ID: "1"}
	apply := func(t sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, t, e) }
	calls := 0
	_, err := s.Update(ctx, k, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
		if calls++; calls == 1 {
			// The other delivery, between this one's read and its put.
			if _, err := s.Update(ctx, k, e.ID, apply); err != nil {
				return t, false, err
			}
		}
		return apply(t)
	})
	if !errors.Is(err, store.ErrDuplicate) || calls != 1 {
		t.Errorf("the second writer: %v, fn called %d times; want ErrDuplicate after one call", err, calls)
	}
}

// TestRunningRequests checks that listing the running clocks costs one
// Query per shard of the running index, whatever the number of closed
// tickets in the table: 5 open tickets alone and 5 open among 500 closed
// cost the same 8 requests.
func TestRunningRequests(t *testing.T) {
	client, table, count := localTable(t)
	s, _ := store.NewDynamoDB(client, table, nil)
	cfg := policy.Default()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	created := func(id string, at time.Time) event.Event {
		return event.Event{Source: "generic", TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: at, Author: event.Customer, Channel: event.Email}
	}
	for i := range 5 {
		e := created("open-"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Minute))
		if _, err := s.Update(ctx, store.Key{Source: e.Source, ID: e.TicketID}, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, t, e) }); err != nil {
			t.Fatal(err)
		}
	}
	list := func(what string) {
		t.Helper()
		count.Take()
		cs, truncated, err := s.Running(ctx, 500, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, ops := count.Take()
		t.Logf("%s: %d clocks in %d requests %v", what, len(cs), n, ops)
		if len(cs) != 5 || truncated {
			t.Errorf("%s: %d clocks (truncated %v), want the 5 open", what, len(cs), truncated)
		}
		if n != store.DueShards || ops["Query"] != store.DueShards {
			t.Errorf("%s: %d requests %v, want %d Query (one per shard)", what, n, ops, store.DueShards)
		}
	}
	list("5 open")

	// 500 closed tickets, half answered, half solved unanswered, stored
	// as Update stores them.
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				t.Fatal(err)
			}
			batch = out.UnprocessedItems[table]
		}
	}
	for i := range 500 {
		id := "closed-" + strconv.Itoa(i)
		end := event.Event{Source: "generic", TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: t0.Add(time.Hour), Author: event.Agent, Public: true}
		if i%2 == 1 {
			end = event.Event{Source: "generic", TicketID: id, ID: id + "-s", Kind: event.StatusChanged, OccurredAt: t0.Add(time.Hour), Author: event.Agent, Status: event.Solved}
		}
		tk := sla.New("generic", id)
		for _, e := range []event.Event{created(id, t0), end} {
			var err error
			if tk, _, err = sla.Apply(cfg, tk, e); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := tk.RunningClock(); ok {
			t.Fatalf("closed ticket %s has a running clock", id)
		}
		req, err := store.TicketItemPut(store.Key{Source: "generic", ID: id}, tk)
		if err != nil {
			t.Fatal(err)
		}
		if batch = append(batch, req); len(batch) == 25 {
			flush()
		}
	}
	flush()
	list("5 open among 500 closed")
}

// BenchmarkDue measures the due query with the same 100 due tickets among
// 1,000 and 10,000 open ones: with the sparse index it should not grow.
//
// DynamoDB Local is a JVM: its first queries run interpreted and much
// slower, and the machine's load changes from second to second. So both
// tables are seeded once, a throwaway round of queries warms the JVM on
// both before anything is timed, and every iteration queries both tables,
// in turns going first: the two sizes are measured over the same seconds
// on an equally warm server. It reports each size's median time and
// requests per query, and the median of the iterations' ratios (10,000
// over 1,000: flat is 1).
func BenchmarkDue(b *testing.B) {
	sizes := []int{1000, 10000}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, open := range sizes {
		if dueTables[open] == nil {
			client, table, count := localTable(b)
			s, _ := store.NewDynamoDB(client, table, nil)
			seedDue(b, client, table, open, 100, now)
			dueTables[open] = &dueTable{s: s, count: count}
		}
	}
	query := func(open int) time.Duration {
		start := time.Now()
		keys, err := dueTables[open].s.Due(context.Background(), now, 1000)
		if err != nil || len(keys) != 100 {
			b.Fatalf("Due among %d: %d keys, %v", open, len(keys), err)
		}
		return time.Since(start)
	}
	if !dueWarm {
		for i := range 500 {
			query(sizes[i%2])
			query(sizes[(i+1)%2])
		}
		dueWarm = true
	}
	for _, open := range sizes {
		dueTables[open].count.Take()
	}
	took := map[int][]time.Duration{}
	var ratios []float64
	i := 0
	for b.Loop() {
		first, second := sizes[i%2], sizes[(i+1)%2]
		t1, t2 := query(first), query(second)
		took[first], took[second] = append(took[first], t1), append(took[second], t2)
		ratios = append(ratios, float64(took[10000][i])/float64(took[1000][i]))
		i++
	}
	b.StopTimer()
	// Medians: a pause of the JVM's garbage collector, or of this busy
	// machine, lands on one query of one size and would sway a mean.
	for _, open := range sizes {
		n, _ := dueTables[open].count.Take()
		ms := slices.Sorted(slices.Values(took[open]))[len(took[open])/2].Seconds() * 1000
		b.ReportMetric(ms, "ms/open="+strconv.Itoa(open))
		b.ReportMetric(float64(n)/float64(b.N), "requests/open="+strconv.Itoa(open))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
}

// BenchmarkDue's tables, seeded once for all its runs (-count), and
// whether the JVM has been warmed on them.
var (
	dueTables = map[int]*dueTable{}
	dueWarm   bool
)

type dueTable struct {
	s     *store.DynamoDB
	count *storetest.Counter
}

// seedDue writes open ticket items directly: due of them due an hour before
// now, the rest due a day after it.
func seedDue(b *testing.B, client *dynamodb.Client, table string, open, due int, now time.Time) {
	b.Helper()
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
			if err != nil {
				b.Fatal(err)
			}
			batch = out.UnprocessedItems[table]
		}
	}
	for i := range open {
		at := now.Add(24 * time.Hour)
		if i < due {
			at = now.Add(-time.Hour)
		}
		req, err := store.DueItemPut(store.Key{Source: "bench", ID: strconv.Itoa(i)}, at)
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, req)
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
}

func TestDynamoDBHistoryContract(t *testing.T) {
	client, table, _ := localTable(t)
	// One table for the whole suite, as in production: each test writes its
	// own sources and reads only them back.
	storetest.RunHistory(t, func(_ *testing.T, now func() time.Time, retention time.Duration) store.History {
		s, err := store.NewDynamoDB(client, table, now)
		if err != nil {
			t.Fatal(err)
		}
		s.HistoryRetention = retention
		return s
	})
}

// TestHistoryRequests counts the requests of recording and of a 90-day
// report: one TransactWriteItems per new clock; at most two more requests
// for a repeat or a revision; and for Days over 90 days one Query per month
// partition touched, whatever the number of clocks.
func TestHistoryRequests(t *testing.T) {
	client, table, count := localTable(t)
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	s, _ := store.NewDynamoDB(client, table, func() time.Time { return now })
	ctx := context.Background()
	from := time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC) // 90 days: 3 Sep – 1 Dec, four months
	const perDay = 2
	var rs []history.Record
	for day := range 90 {
		for i := range perDay {
			start := from.Add(time.Duration(day)*24*time.Hour + time.Duration(i)*time.Hour)
			r := history.Record{Source: "generic", Ticket: fmt.Sprintf("%d-%d", day, i), Metric: history.FirstResponse,
				Policy: "hour", Channel: []event.Channel{event.Email, event.Chat}[i%2], Priority: event.Normal,
				Started: start, Due: start.Add(time.Hour), Ended: start.Add(time.Duration(20+50*i) * time.Minute)}
			r.Measure(nil, true, 0)
			rs = append(rs, r)
		}
	}
	// Four writers at once, as the DynamoDB Local JVM has the cores.
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rs); i += 4 {
				if _, err := s.Record(ctx, rs[i]); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n, ops := count.Take(); n != len(rs) || ops["TransactWriteItems"] != len(rs) {
		t.Errorf("%d new clocks: %d requests %v, want one TransactWriteItems each", len(rs), n, ops)
	}
	t.Logf("recorded %d clocks in %s", len(rs), time.Since(start).Round(time.Millisecond))

	if changed, err := s.Record(ctx, rs[2]); err != nil || changed {
		t.Fatalf("repeat: changed %v, %v", changed, err)
	}
	if n, ops := count.Take(); n > 2 {
		t.Errorf("repeat: %d requests %v, want at most 2 (the cancelled transaction, a read)", n, ops)
	}
	rev := rs[0]
	rev.Revision, rev.Ended, rev.Outcome, rev.Lateness = 1, rev.Due.Add(time.Minute), history.Breached, time.Minute
	rev.Calendar, rev.Business = rev.Ended.Sub(rev.Started), rev.Ended.Sub(rev.Started)
	if changed, err := s.Record(ctx, rev); err != nil || !changed {
		t.Fatalf("revision: changed %v, %v", changed, err)
	}
	if n, ops := count.Take(); n > 3 || ops["TransactWriteItems"] != 2 {
		t.Errorf("revision: %d requests %v, want two TransactWriteItems and at most one read", n, ops)
	}

	start = time.Now()
	days, err := s.Days(ctx, calendar.DateOf(from, time.UTC), calendar.Date{Year: 2026, Month: 12, Day: 1})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	n, ops := count.Take()
	if n != 4 || ops["Query"] != 4 {
		t.Errorf("Days over 90 days: %d requests %v, want 4 Query (one per month)", n, ops)
	}
	if len(days) != 2*90 { // two channels a day
		t.Errorf("Days over 90 days: %d aggregates, want 180", len(days))
	}
	var total history.Day
	for _, d := range days {
		total.Merge(d)
	}
	if total.Clocks() != int64(len(rs)) || total.Breached != 90+1 { // the 70-minute clocks, and the revision
		t.Errorf("totals: %d clocks, %d breached; want %d, 91", total.Clocks(), total.Breached, len(rs))
	}
	t.Logf("Days over 90 days: %d aggregates of %d clocks, %d requests, %s", len(days), len(rs), n, took.Round(time.Millisecond))

	br, err := s.Breaches(ctx, from, now, 1000)
	if err != nil || len(br) != 91 {
		t.Errorf("Breaches over 90 days: %d, %v; want 91", len(br), err)
	}
	if n, ops := count.Take(); ops["Query"] != 4 {
		t.Errorf("Breaches over 90 days: %d requests %v, want 4 Query", n, ops)
	}
}

// capacity computes the capacity units of a client's requests by AWS's
// rules (docs: "Read and write capacity units"), by operation, from the
// items they write and read: a write costs 1 WRU per KB of the item, twice
// that inside a transaction; a consistent read 1 RRU per 4 KB (half for an
// eventually consistent one). DynamoDB Local's own ConsumedCapacity is not
// used: for TransactWriteItems it reports 2 units whatever the items (a
// record, its aggregate and a breach item: 2). An update's item is sized
// after the update, read back through raw; a Delete in a transaction is
// counted as one KB. Failed requests are not counted (AWS bills a
// cancelled transaction all the same).
type capacity struct {
	raw         *dynamodb.Client // reads updated items back, uncounted
	mu          sync.Mutex
	read, write map[string]float64
	maxPut      int // the largest item a PutItem wrote, in bytes
}

func (c *capacity) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capacity", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err != nil {
			return out, md, err
		}
		var r, w float64
		switch p := in.Parameters.(type) {
		case *dynamodb.PutItemInput:
			w = units(itemSize(p.Item), 1024)
			c.mu.Lock()
			c.maxPut = max(c.maxPut, itemSize(p.Item))
			c.mu.Unlock()
		case *dynamodb.TransactWriteItemsInput:
			for _, it := range p.TransactItems {
				switch {
				case it.Put != nil:
					w += 2 * units(itemSize(it.Put.Item), 1024)
				case it.Update != nil:
					got, gerr := c.raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: it.Update.TableName, Key: it.Update.Key, ConsistentRead: aws.Bool(true)})
					if gerr != nil {
						return out, md, fmt.Errorf("capacity: read updated item back: %w", gerr)
					}
					w += 2 * units(itemSize(got.Item), 1024)
				default:
					w += 2
				}
			}
		case *dynamodb.GetItemInput:
			r = units(itemSize(out.Result.(*dynamodb.GetItemOutput).Item), 4096) * consistency(p.ConsistentRead)
		case *dynamodb.QueryInput:
			size := 0
			for _, item := range out.Result.(*dynamodb.QueryOutput).Items {
				size += itemSize(item)
			}
			r = units(size, 4096) * consistency(p.ConsistentRead)
		}
		op := middleware.GetOperationName(ctx)
		if p, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok && len(p.TransactItems) > 0 && p.TransactItems[0].Put != nil {
			// The history's transactions start with the record's put.
			if pk, ok := p.TransactItems[0].Put.Item["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "H#") {
				op += " (history)"
			}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.read == nil {
			c.read, c.write = map[string]float64{}, map[string]float64{}
		}
		if r > 0 {
			c.read[op] += r
		}
		if w > 0 {
			c.write[op] += w
		}
		return out, md, err
	}), middleware.After)
}

// units is size in units of unit bytes, rounded up, at least one.
func units(size, unit int) float64 { return float64(max(1, (size+unit-1)/unit)) }

func consistency(consistent *bool) float64 {
	if aws.ToBool(consistent) {
		return 1
	}
	return 0.5
}

// itemSize is an item's size as DynamoDB bills it: each attribute's name
// and value, a number 1 byte per two significant digits plus one, a map or
// list 3 bytes plus 1 per element.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(v.Value), "0")
		return (len(strings.TrimRight(digits, "0"))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberM:
		return 3 + len(v.Value) + itemSize(v.Value)
	case *types.AttributeValueMemberL:
		n := 3 + len(v.Value)
		for _, e := range v.Value {
			n += valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	}
	return 1 // BOOL, NULL
}

// take returns the read and write units counted since the last take.
func (c *capacity) take() (read, write map[string]float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	read, write, c.read, c.write = c.read, c.write, map[string]float64{}, map[string]float64{}
	return read, write
}

func sum(m map[string]float64) float64 {
	var n float64
	for _, v := range m {
		n += v
	}
	return n
}

// TestHistoryWritesPerTicket measures what recording the history adds to
// intake per typical ticket, through the path the webhook function takes
// (httpapi.New's intake.Service, History set as functions/webhook sets it):
// four webhooks, as docs/BENCHMARKS.md's cost model has them (created, a
// customer message, the agent's reply, solved), one ticket in ten answered
// late. The same tickets are ingested without and with History and the
// requests and capacity units compared. Each ended clock must add one
// TransactWriteItems (record, aggregate, and a breach's drill-down item)
// and the ticket's marks (a consistent read and a put); the units are
// logged for docs/BENCHMARKS.md. It also records one met and one breached
// clock directly: the cost of any further record of a ticket.
func TestHistoryWritesPerTicket(t *testing.T) {
	client, table, count := localTable(t)
	units := &capacity{raw: dynamodb.New(client.Options(), func(o *dynamodb.Options) { o.APIOptions = nil })}
	client = dynamodb.New(client.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, units.add) })
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	s, _ := store.NewDynamoDB(client, table, func() time.Time { return now })
	cfg := policy.Default()
	ctx := context.Background()
	const tickets, late = 20, 2
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	type cost struct {
		ops               map[string]int
		read, write       map[string]float64
		requests          int
		readUnits, wUnits float64
	}
	run := func(source string, hist store.History) cost {
		api := httpapi.New(cfg, s, func(string) (string, bool) { return "", false }, slog.New(slog.DiscardHandler))
		api.Now = func() time.Time { return now }
		api.Intake.History = hist
		count.Take()
		units.take()
		for i := range tickets {
			id := strconv.Itoa(i)
			reply := 10 * time.Minute // chat, normal: the realtime policy's 1h
			if i%(tickets/late) == 0 {
				reply = 2 * time.Hour
			}
			events := []event.Event{
				{Source: source, TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat, Priority: event.Normal},
				{Source: source, TicketID: id, ID: id + "-m", Kind: event.CustomerMessage, OccurredAt: t0.Add(time.Minute), Author: event.Customer},
				{Source: source, TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: t0.Add(reply), Author: event.Agent, Public: true},
				{Source: source, TicketID: id, ID: id + "-s", Kind: event.StatusChanged, OccurredAt: t0.Add(reply + time.Minute), Author: event.Agent, Status: event.Solved},
			}
			for _, e := range events { // one webhook each
				if res, err := api.Intake.Ingest(ctx, []event.Event{e}); err != nil || res.Applied != 1 {
					t.Fatalf("ticket %s event %s: %+v, %v", id, e.ID, res, err)
				}
			}
		}
		var c cost
		c.requests, c.ops = count.Take()
		c.read, c.write = units.take()
		c.readUnits, c.wUnits = sum(c.read), sum(c.write)
		return c
	}
	without := run("generic", nil)
	with := run("zendesk", s)
	per := func(n int) float64 { return float64(n) / tickets }
	perU := func(n float64) float64 { return n / tickets }
	t.Logf("without history, per ticket: %.2f requests %v; %.2f RRU %v, %.2f WRU %v", per(without.requests), without.ops, perU(without.readUnits), without.read, perU(without.wUnits), without.write)
	t.Logf("largest ticket put (the marks): %d bytes", units.maxPut)
	t.Logf("with history, per ticket: %.2f requests %v; %.2f RRU %v, %.2f WRU %v", per(with.requests), with.ops, perU(with.readUnits), with.read, perU(with.wUnits), with.write)
	t.Logf("added per ticket: %+.2f requests, %+.2f TransactWriteItems, %+.2f PutItem, %+.2f GetItem; %+.2f RRU, %+.2f WRU "+
		"(record transactions %.2f; ticket writes %+.2f: the marks' put, and intake's writes of a ticket carrying its marks)",
		per(with.requests-without.requests), per(with.ops["TransactWriteItems"]-without.ops["TransactWriteItems"]),
		per(with.ops["PutItem"]-without.ops["PutItem"]), per(with.ops["GetItem"]-without.ops["GetItem"]),
		perU(with.readUnits-without.readUnits), perU(with.wUnits-without.wUnits),
		perU(with.write["TransactWriteItems (history)"]),
		perU(with.write["PutItem"]+with.write["TransactWriteItems"]-without.write["PutItem"]-without.write["TransactWriteItems"]))

	// The ticket holds its events, so intake writes it with one put, no
	// transaction and no de-duplication record; compressed, the typical
	// ticket's item stays under 1 KB: 1 WRU a webhook (it was a
	// transaction of the ~1.3 KB ticket and the record: 22.2 WRU a
	// ticket), and the marks' put 1 WRU more.
	if got, want := without.write["PutItem"]+without.write["TransactWriteItems"], float64(4*tickets); got != want || without.ops["TransactWriteItems"] != 0 {
		t.Errorf("intake wrote %.0f WRU (%d transactions) for %d four-webhook tickets, want %.0f in puts", got, without.ops["TransactWriteItems"], tickets, want)
	}
	if got, want := with.write["PutItem"], float64(5*tickets); got != want {
		t.Errorf("with history, ticket puts wrote %.0f WRU for %d tickets, want %.0f (intake's 4 and the marks' 1 a ticket)", got, tickets, want)
	}

	// One first-response clock ends per ticket: one transaction, and the
	// marks' put. Its read is the state intake has just written
	// (store.DynamoDB's recent).
	for op, want := range map[string]int{"TransactWriteItems": tickets, "PutItem": tickets, "GetItem": 0} {
		if got := with.ops[op] - without.ops[op]; got != want {
			t.Errorf("history added %d %s for %d tickets, want %d", got, op, tickets, want)
		}
	}
	// Each record transaction writes the record and the aggregate (each
	// under 1 KB, doubled: 4 WRU), a breach also its drill-down item (2
	// more); the ticket's put rewrites the whole ticket (a few KB).
	wantTx := float64(4*tickets + 2*late)
	if got := with.write["TransactWriteItems (history)"]; got != wantTx {
		t.Errorf("history transactions: %.0f WRU for %d tickets (%d late), want %.0f", got, tickets, late, wantTx)
	}

	// A further record of a ticket (another clock, or the promise record
	// a later change adds): its transaction alone, the marks' put being
	// shared with the ticket's other records of the same event.
	for _, breached := range []bool{false, true} {
		r := history.Record{Source: "zendesk", Ticket: "single-" + strconv.FormatBool(breached), Metric: history.FirstResponse, Policy: "realtime",
			Team: "support", Channel: event.Chat, Priority: event.Normal, Started: t0, Due: t0.Add(time.Hour), Ended: t0.Add(10 * time.Minute),
			URL: "https://example.zendesk.com/agent/tickets/12345"}
		if breached {
			r.Ended = t0.Add(2 * time.Hour)
		}
		r.Measure(nil, true, 0)
		count.Take()
		units.take()
		if _, err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
		n, ops := count.Take()
		_, w := units.take()
		body, _ := json.Marshal(r)
		t.Logf("one record, breached %v (%d-byte JSON): %d requests %v, %.0f WRU %v", breached, len(body), n, ops, sum(w), w)
		if want := 4 + 2*float64(btoi(breached)); n != 1 || sum(w) != want {
			t.Errorf("one record, breached %v: %d requests, %.0f WRU; want one transaction of %.0f WRU", breached, n, sum(w), want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// longEvents is TestDynamoDBLongTicket's length. 3,000 by default: past
// the 2,393 events at which a ticket carrying its whole log no longer fit
// in an item, and short enough for `make test` (a few DynamoDB Local round
// trips per event, under -race on shared cores). The 10,000-event figures
// in docs/data-model.md come from -long.events=10000.
var longEvents = flag.Int("long.events", 3_000, "TestDynamoDBLongTicket: events in the ticket")

// TestDynamoDBLongTicket writes a long ticket event by event: its item must
// stay far below DynamoDB's 400 KB limit. -short skips it.
func TestDynamoDBLongTicket(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 writes")
	}
	client, table, _ := localTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	size := func(ctx context.Context, k store.Key) (int, error) {
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "T#" + k.Source + "#" + k.ID},
			"sk": &types.AttributeValueMemberS{Value: "TICKET"},
		}})
		if err != nil {
			return 0, err
		}
		return itemSize(out.Item), nil
	}
	storetest.RunLong(t, s, size, *longEvents)
}
