package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
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

// seedTicket writes a ticket with an event id: a ticket item and a
// de-duplication record.
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

// TestQueueRequests checks a queue update's cost (a consistent read and a
// conditional put; the read alone when nothing changed, so no version is
// spent) and that QueueNames follows the scan's pages.
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
		if n, ops := count.Take(); n != 2 || ops["GetItem"] != 1 || ops["PutItem"] != 1 {
			t.Errorf("update of %s: %d requests %v, want GetItem + PutItem", name, n, ops)
		}
		if _, err := s.UpdateQueue(ctx, name, func(cur queue.Stats) (queue.Stats, bool, error) {
			return cur, cur.Arrive("1", t0), nil // already there: no change
		}); err != nil {
			t.Fatal(err)
		}
		if n, ops := count.Take(); n != 1 || ops["GetItem"] != 1 {
			t.Errorf("unchanged update of %s: %d requests %v, want one GetItem", name, n, ops)
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
// two DynamoDB requests per event (a consistent read, then one transaction
// writing the ticket and the event's de-duplication record), and one for a
// redelivery of an event the ticket already holds.
func TestRequestsPerWebhook(t *testing.T) {
	client, table, count := localTable(t)
	s, _ := store.NewDynamoDB(client, table, nil)
	cfg := policy.Default()
	svc := &intake.Service{Policies: cfg, Tickets: s}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	events := []event.Event{
		{Source: "generic", TicketID: "1", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat},
		{Source: "generic", TicketID: "1", ID: "r", Kind: event.AgentReply, OccurredAt: t0.Add(time.Minute), Author: event.Agent, Public: true},
		{Source: "generic", TicketID: "1", ID: "m", Kind: event.CustomerMessage, OccurredAt: t0.Add(2 * time.Minute), Author: event.Customer},
	}
	for _, e := range events {
		if _, err := svc.Ingest(ctx, []event.Event{e}); err != nil {
			t.Fatal(err)
		}
		if n, ops := count.Take(); n > 2 || ops["GetItem"] != 1 || ops["TransactWriteItems"] != 1 {
			t.Errorf("event %s: %d requests %v, want GetItem + TransactWriteItems", e.ID, n, ops)
		}
	}
	res, err := svc.Ingest(ctx, events[:1])
	if err != nil || res.Duplicates != 1 {
		t.Fatalf("redelivery: %+v %v", res, err)
	}
	if n, ops := count.Take(); n != 1 || ops["GetItem"] != 1 {
		t.Errorf("redelivery: %d requests %v, want one GetItem", n, ops)
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
func BenchmarkDue(b *testing.B) {
	for _, open := range []int{1000, 10000} {
		b.Run("open="+strconv.Itoa(open), func(b *testing.B) {
			client, table, count := localTable(b)
			s, _ := store.NewDynamoDB(client, table, nil)
			now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			seedDue(b, client, table, open, 100, now)
			count.Take()
			b.ResetTimer()
			for b.Loop() {
				keys, err := s.Due(context.Background(), now, 1000)
				if err != nil || len(keys) != 100 {
					b.Fatalf("Due: %d keys, %v", len(keys), err)
				}
			}
			b.StopTimer()
			n, _ := count.Take()
			b.ReportMetric(float64(n)/float64(b.N), "requests/op")
		})
	}
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
