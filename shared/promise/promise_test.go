package promise_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// The team: New York office hours Mon–Fri 09:00–17:00, email answered
// within 8 business hours, chat within 1 hour of calendar time.
const config = `
calendars:
  office:
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holidays: [{country: us}]
sources:
  desk: {provider: generic, insecure: true}
policies:
  - name: chat
    match: {channel: chat}
    first_response: {within: 1h}
  - name: email
    calendar: office
    first_response: {within: 8h, clock: business}
`

type acks struct {
	mu   sync.Mutex
	sent []notify.Ack
	fail error
}

func (a *acks) PublishAck(_ context.Context, m notify.Ack) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	a.sent = append(a.sent, m)
	return nil
}

type replier struct {
	mu    sync.Mutex
	posts []string
	// during, if set, runs in the middle of each write-back: what happens
	// while an acknowledgement is being delivered.
	during func()
}

func (r *replier) Reply(_ context.Context, id, body string) error {
	if r.during != nil {
		r.during()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posts = append(r.posts, id+": "+body)
	return nil
}

type alerts struct {
	mu   sync.Mutex
	sent []notify.Alert
}

func (a *alerts) Notify(_ context.Context, n notify.Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sent = append(a.sent, n)
	return nil
}

// backend is a store of tickets and queues.
type backend interface {
	store.Tickets
	store.Queues
}

type fixture struct {
	t       *testing.T
	cfg     *policy.Config
	store   backend
	in      *intake.Service
	svc     *promise.Service
	acks    *acks
	replier *replier
	alerts  *alerts
	now     time.Time
}

func newFixture(t *testing.T, now time.Time) *fixture {
	return newFixtureOn(t, store.NewMemory(), now)
}

// dynamoDB returns a store on a fresh table of DynamoDB Local, or skips.
func dynamoDB(t *testing.T) backend {
	t.Helper()
	ep := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if ep == "" {
		t.Skip("SLAWATCH_TEST_DYNAMODB_ENDPOINT is not set: run through infra/local/dynamodb.sh run go test ./shared/promise/")
	}
	ctx := context.Background()
	client, err := awsdefault.NewDynamoDBClient(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("promise-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	db, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newFixtureOn(t *testing.T, st backend, now time.Time) *fixture {
	t.Helper()
	cfg, err := policy.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, cfg: cfg, store: st, acks: &acks{}, replier: &replier{}, alerts: &alerts{}, now: now}
	f.in = &intake.Service{Policies: cfg, Tickets: f.store}
	f.svc = &promise.Service{
		Config: cfg, Tickets: f.store, Queues: f.store, Acks: f.acks, Alerts: f.alerts,
		Repliers: map[string]promise.Replier{"desk": f.replier},
		Now:      func() time.Time { return f.now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return f
}

// deliver ingests events and observes their tickets, as the webhook
// handler does.
func (f *fixture) deliver(evs ...event.Event) error {
	f.t.Helper()
	if _, err := f.in.Ingest(context.Background(), evs); err != nil {
		f.t.Fatal(err)
	}
	var errs []error
	for _, e := range evs {
		errs = append(errs, f.svc.Observe(context.Background(), store.Key{Source: e.Source, ID: e.TicketID}))
	}
	return errors.Join(errs...)
}

func (f *fixture) ticket(id string) sla.Ticket {
	f.t.Helper()
	t, err := f.store.Get(context.Background(), store.Key{Source: "desk", ID: id})
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func created(id string, ch event.Channel, at time.Time) event.Event {
	return event.Event{Source: "desk", TicketID: id, ID: id + "-created", Kind: event.TicketCreated, OccurredAt: at,
		Channel: ch, Author: event.Customer}
}

func reply(id string, at time.Time) event.Event {
	return event.Event{Source: "desk", TicketID: id, ID: id + "-reply", Kind: event.AgentReply, OccurredAt: at,
		Author: event.Agent, Public: true}
}

func ny(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPromiseTexts(t *testing.T) {
	loc := ny(t)
	tests := []struct {
		name   string
		ev     event.Event
		now    time.Time
		wantBy time.Time
		want   []string // in the text
	}{
		{
			// Chat, calendar time, no history: the 1h target; 59m55s are
			// left when the acknowledgement goes 5s later, said as a span
			// from then: "within 1 hour", 11:00:05.
			name: "chat cold start", ev: created("c1", event.Chat, time.Date(2026, 11, 23, 10, 0, 0, 0, loc)),
			wantBy: time.Date(2026, 11, 23, 11, 0, 5, 0, loc), want: []string{"will reply within 1 hour."},
		},
		{
			// Email on Friday 27 Nov 18:30 (closed; the day after
			// Thanksgiving is not a US federal holiday): 8 business hours
			// from Monday 09:00 is Monday 17:00.
			name: "closed over a weekend", ev: created("e1", event.Email, time.Date(2026, 11, 27, 18, 30, 0, 0, loc)),
			wantBy: time.Date(2026, 11, 30, 17, 0, 0, 0, loc),
			want:   []string{"offline right now and back Monday 09:00 EST", "by Monday 17:00 EST"},
		},
		{
			// Wednesday 25 Nov 16:00: 1h today, Thanksgiving closed, Friday
			// 09:00 + 7h = 16:00.
			name: "across a holiday", ev: created("e2", event.Email, time.Date(2026, 11, 25, 16, 0, 0, 0, loc)),
			wantBy: time.Date(2026, 11, 27, 16, 0, 0, 0, loc), want: []string{"on our team by Friday 16:00 EST."},
		},
		{
			// Same with the customer's zone known: 16:00 EST is 22:00 in Paris.
			name: "customer zone", ev: func() event.Event {
				e := created("e3", event.Email, time.Date(2026, 11, 25, 16, 0, 0, 0, loc))
				e.CustomerZone = "Europe/Paris"
				return e
			}(),
			wantBy: time.Date(2026, 11, 27, 16, 0, 0, 0, loc), want: []string{"by Friday 22:00 (your time)."},
		},
		{
			// Friday 30 Oct 16:00 EDT: 1h that day, clocks fall back on
			// Sunday, Monday 09:00 EST + 7h = 16:00 EST.
			name: "across a DST change", ev: created("e4", event.Email, time.Date(2026, 10, 30, 16, 0, 0, 0, loc)),
			wantBy: time.Date(2026, 11, 2, 16, 0, 0, 0, loc), want: []string{"by Monday 16:00 EST."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.ev.OccurredAt.Add(5*time.Second))
			if err := f.deliver(tt.ev); err != nil {
				t.Fatal(err)
			}
			if len(f.acks.sent) != 1 {
				t.Fatalf("%d acknowledgements published, want 1", len(f.acks.sent))
			}
			a := f.acks.sent[0]
			if !a.PromisedBy.Equal(tt.wantBy) {
				t.Errorf("promised by %v, want %v", a.PromisedBy.In(loc), tt.wantBy)
			}
			for _, w := range tt.want {
				if !strings.Contains(a.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, a.Text)
				}
			}
			if a.Source != "desk" || a.TicketID != tt.ev.TicketID || a.Channel != string(tt.ev.Channel) || a.Locale != "en" ||
				a.ID != "desk/"+tt.ev.TicketID+"/ack" {
				t.Errorf("message %+v", a)
			}
			// The topic's message reaches the customer through the team's
			// own mailer or SMS and never echoes back: no marker to read.
			if strings.Contains(a.Text, "slawatch:ack") || strings.Contains(a.Text, "ref:") {
				t.Errorf("the customer would read a marker:\n%s", a.Text)
			}
			if len(f.replier.posts) != 1 || !strings.HasPrefix(f.replier.posts[0], tt.ev.TicketID+": ") {
				t.Errorf("write-back %q", f.replier.posts)
			}
			tk := f.ticket(tt.ev.TicketID)
			v := tk.View(f.now)
			if v.Acknowledgement == nil || !v.Acknowledgement.PromisedBy.Equal(tt.wantBy) || v.Acknowledgement.Kept != nil ||
				v.Acknowledgement.PredictedBreach {
				t.Errorf("view %+v", v.Acknowledgement)
			}
		})
	}
}

// A created webhook delivered again, and twenty concurrent deliveries of
// another, acknowledge each ticket once: in memory and on DynamoDB Local,
// where the claim is a conditional write.
func TestAcknowledgedOnce(t *testing.T) {
	t.Run("memory", func(t *testing.T) { acknowledgedOnce(t, store.NewMemory()) })
	t.Run("dynamodb", func(t *testing.T) { acknowledgedOnce(t, dynamoDB(t)) })
}

func acknowledgedOnce(t *testing.T, st backend) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixtureOn(t, st, t0)
	ev := created("a", event.Chat, t0)
	for range 3 {
		if err := f.deliver(ev); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.deliver(created("b", event.Chat, t0)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(f.acks.sent) != 2 || len(f.replier.posts) != 2 {
		t.Errorf("%d published, %d written back; want 2 and 2", len(f.acks.sent), len(f.replier.posts))
	}
	// Both tickets wait in each of their queues, once.
	for _, name := range []string{"desk/chat/normal", "desk/chat", "desk"} {
		st, err := f.store.Queue(context.Background(), name)
		if err != nil || len(st.Open) != 2 {
			t.Errorf("%s: %v, open %v", name, err, st.Open)
		}
	}
}

// countingQueues counts queue reads apart from updates.
type countingQueues struct {
	store.Queues
	reads, updates atomic.Int64
}

func (c *countingQueues) Queue(ctx context.Context, name string) (queue.Stats, error) {
	c.reads.Add(1)
	return c.Queues.Queue(ctx, name)
}

func (c *countingQueues) UpdateQueue(ctx context.Context, name string, fn store.QueueFunc) (queue.Stats, error) {
	c.updates.Add(1)
	return c.Queues.UpdateQueue(ctx, name, fn)
}

// TestObserveReadsEachQueueOnce: the estimate starts from the queues as
// tracking the ticket left them; it read all three again (a consistent
// Query of two items of up to ~10 KB each on DynamoDB) when none had
// history yet.
func TestObserveReadsEachQueueOnce(t *testing.T) {
	t.Run("memory", func(t *testing.T) { observeReadsEachQueueOnce(t, store.NewMemory()) })
	t.Run("dynamodb", func(t *testing.T) { observeReadsEachQueueOnce(t, dynamoDB(t)) })
}

func observeReadsEachQueueOnce(t *testing.T, st backend) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixtureOn(t, st, t0)
	counted := &countingQueues{Queues: st}
	f.svc.Queues = counted
	if err := f.deliver(created("a", event.Chat, t0)); err != nil {
		t.Fatal(err)
	}
	if len(f.acks.sent) != 1 {
		t.Fatalf("%d acknowledgements, want 1", len(f.acks.sent))
	}
	if r, u := counted.reads.Load(), counted.updates.Load(); r != 0 || u != 3 {
		t.Errorf("%d queue reads and %d updates, want 0 and 3 (one per queue)", r, u)
	}
	// The promise is the one a fresh read gives: the policy's target, as
	// no queue has history.
	if got := f.ticket("a").Ack; got == nil || !got.PromisedBy.Equal(t0.Add(time.Hour)) {
		t.Errorf("acknowledgement %+v, want a promise by %v", got, t0.Add(time.Hour))
	}
}

func TestNotAcknowledged(t *testing.T) {
	loc := ny(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	outbound := created("out", event.Email, t0)
	outbound.Author, outbound.Public = event.Agent, true
	tests := []struct {
		name string
		ev   event.Event
		now  time.Time
		skip string
	}{
		{"agent-created (outbound)", outbound, t0, ""},
		{"first seen two hours late", created("late", event.Email, t0), t0.Add(2 * time.Hour), "stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.now)
			if err := f.deliver(tt.ev); err != nil {
				t.Fatal(err)
			}
			if len(f.acks.sent)+len(f.replier.posts) != 0 {
				t.Errorf("sent %v %v", f.acks.sent, f.replier.posts)
			}
			tk := f.ticket(tt.ev.TicketID)
			switch {
			case tt.skip == "" && tk.Ack != nil:
				t.Errorf("ack record %+v", tk.Ack)
			case tt.skip != "" && (tk.Ack == nil || tk.Ack.Skipped != tt.skip):
				t.Errorf("ack record %+v, want skipped %q", tk.Ack, tt.skip)
			}
		})
	}
	t.Run("disabled", func(t *testing.T) {
		f := newFixture(t, t0)
		f.cfg.Acks.Enabled = false
		if err := f.deliver(created("d", event.Chat, t0)); err != nil {
			t.Fatal(err)
		}
		if tk := f.ticket("d"); len(f.acks.sent) != 0 || tk.Ack == nil || tk.Ack.Skipped != "disabled" {
			t.Errorf("sent %d, record %+v", len(f.acks.sent), tk.Ack)
		}
	})
}

// A failed publish leaves the claim; nothing is retried before its lease
// ends; after it, only the failed delivery is repeated, with the promise
// first made.
func TestRetryAfterFailedDelivery(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixture(t, t0)
	f.acks.fail = errors.New("sns: throttled")
	err := f.deliver(created("r", event.Chat, t0))
	var de *promise.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("error %v, want a DeliveryError", err)
	}
	tk := f.ticket("r")
	if tk.Ack == nil || tk.Ack.SentAt != nil || !tk.Ack.ClaimedUntil.Equal(t0.Add(time.Minute)) || len(f.replier.posts) != 1 {
		t.Fatalf("after failure: %+v, %d posts", tk.Ack, len(f.replier.posts))
	}
	if at, ok := tk.NextAlertAt(); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Errorf("next alert at %v, want the lease's end (the checker retries then)", at)
	}
	promisedBy := tk.Ack.PromisedBy
	f.acks.fail = nil
	f.now = t0.Add(30 * time.Second)
	if err := f.svc.Observe(context.Background(), store.Key{Source: "desk", ID: "r"}); err != nil || len(f.acks.sent) != 0 {
		t.Fatalf("inside the lease: %v, %d sent", err, len(f.acks.sent))
	}
	f.now = t0.Add(61 * time.Second)
	if err := f.svc.Observe(context.Background(), store.Key{Source: "desk", ID: "r"}); err != nil {
		t.Fatal(err)
	}
	tk = f.ticket("r")
	if len(f.acks.sent) != 1 || len(f.replier.posts) != 1 || tk.Ack.SentAt == nil || tk.Ack.Attempts != 2 ||
		!tk.Ack.PromisedBy.Equal(promisedBy) {
		t.Errorf("after retry: %d sent, %d posts, record %+v", len(f.acks.sent), len(f.replier.posts), tk.Ack)
	}
	// Said relative to the retry: 11:00 is now 58m59s away.
	if !strings.Contains(f.acks.sent[0].Text, "within 1 hour") {
		t.Errorf("text %q", f.acks.sent[0].Text)
	}
}

// With a queue history of slow replies the promise passes the target:
// on-call gets sla.predicted_breach at once, and only once.
func TestPredictedBreach(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixture(t, t0)
	// Twelve chats answered after 3 hours each, an hour apart: eleven
	// service times of 1h, a pace of 1 an hour. For the next ticket (none
	// ahead): mean 1h, spread √(1 + 1/11) = 1.044h, p90 1h + 1.2816·1.044h
	// = 2.34h, said "within 3 hours": 13:00, past the 11:00 target.
	for i := range 12 {
		start := t0.Add(-time.Duration(20-i) * time.Hour)
		_, err := f.store.UpdateQueue(context.Background(), "desk/chat/normal", func(s queue.Stats) (queue.Stats, bool, error) {
			return s, s.Answer(queue.Answer{Ticket: "old" + string(rune('a'+i)), Started: start, At: start.Add(3 * time.Hour)}), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := f.deliver(created("p", event.Chat, t0)); err != nil {
			t.Fatal(err)
		}
	}
	tk := f.ticket("p")
	if tk.Ack == nil || !tk.Ack.PredictedBreach || tk.Ack.Queue != "desk/chat/normal" {
		t.Fatalf("record %+v", tk.Ack)
	}
	if len(f.alerts.sent) != 1 {
		t.Fatalf("%d alerts, want 1", len(f.alerts.sent))
	}
	a := f.alerts.sent[0]
	if a.Kind != notify.KindPredicted || a.TicketID != "p" || !a.DueAt.Equal(t0.Add(time.Hour)) || a.Severity != "warning" {
		t.Errorf("alert %+v", a)
	}
	if !strings.Contains(f.acks.sent[0].Text, "within 3 hours") {
		t.Errorf("text %q", f.acks.sent[0].Text)
	}
}

// sink records metric values by name.
type sink struct {
	mu sync.Mutex
	v  map[string][]float64
}

func (s *sink) Add(name string, _ metrics.Unit, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v == nil {
		s.v = map[string][]float64{}
	}
	s.v[name] = append(s.v[name], v)
}

// The first reply decides the promise: kept when by the promised time.
// The queue counts it; the ticket's view and the metrics say so.
func TestPromiseTracking(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, ny(t))
	f := newFixture(t, t0)
	m := &sink{}
	f.svc.Metrics = m
	// k promised 11:00 and answered 10:40; b promised 11:00, answered 11:20.
	for _, id := range []string{"k", "b"} {
		if err := f.deliver(created(id, event.Chat, t0)); err != nil {
			t.Fatal(err)
		}
	}
	f.now = t0.Add(40 * time.Minute)
	if err := f.deliver(reply("k", f.now)); err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(80 * time.Minute)
	if err := f.deliver(reply("b", f.now), reply("b", f.now)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"k": true, "b": false} {
		tk := f.ticket(id)
		v := tk.View(f.now).Acknowledgement
		if v == nil || v.Kept == nil || *v.Kept != want {
			t.Errorf("%s: view %+v, want kept %v", id, v, want)
		}
	}
	for _, name := range []string{"desk/chat/normal", "desk/chat", "desk"} {
		st, err := f.store.Queue(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		r := st.Report(name, f.now, 24*time.Hour)
		if r.Replies != 2 || r.Promised != 2 || r.Kept != 1 || r.KeptRate != 0.5 || r.Waiting != 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	// Once per ticket, not per queue nor per delivery: 40 and 80 minutes.
	want := map[string][]float64{
		metrics.AcksSent: {1, 1}, metrics.FirstResponseSeconds: {2400, 4800}, metrics.PromiseKept: {1, 0},
	}
	if !reflect.DeepEqual(m.v, want) {
		t.Errorf("metrics %v, want %v", m.v, want)
	}
}

// Track follows a ticket through its queue: waiting, then answered or,
// closed without a reply, dropped; an outbound ticket never queues.
func TestTrack(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	tests := []struct {
		name              string
		ticket            sla.Ticket
		changed, answered bool
		waiting, replies  int
	}{
		{"waiting", sla.Ticket{ID: "w", FirstResponse: &sla.Metric{StartedAt: t0}}, true, false, 2, 0},
		{"answered", sla.Ticket{ID: "a", FirstResponse: &sla.Metric{StartedAt: t0, RespondedAt: at(time.Hour)}}, true, true, 0, 1},
		{"closed unanswered", sla.Ticket{ID: "a", FirstResponse: &sla.Metric{StartedAt: t0, StoppedAt: at(time.Hour)}}, true, false, 0, 0},
		{"outbound", sla.Ticket{ID: "o", AgentCreated: true, FirstResponse: &sla.Metric{StartedAt: t0}}, false, false, 1, 0},
		{"no clock", sla.Ticket{ID: "n"}, false, false, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st queue.Stats
			st.Arrive("a", t0) // already waiting
			changed, answered := promise.Track(&st, tt.ticket, nil)
			if changed != tt.changed || answered != tt.answered {
				t.Errorf("changed %v answered %v, want %v %v", changed, answered, tt.changed, tt.answered)
			}
			if len(st.Open) != tt.waiting || len(st.Replies) != tt.replies {
				t.Errorf("%d waiting, %d replies; want %d, %d", len(st.Open), len(st.Replies), tt.waiting, tt.replies)
			}
		})
	}
}

// An agent's reply stored while the acknowledgement is being delivered:
// intake records the first response before the acknowledgement is written
// as sent. If the helpdesk stamped the reply after our sent instant (its
// clock a little ahead), the promise was made before it and is owed: the
// acknowledger makes the ticket due, and the checker's catch-up records
// it. Stamped before, there was no promise to keep, and nothing is owed.
func TestReplyDuringDelivery(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		replyAt time.Time // the sent instant is t0
		owed    bool
	}{
		{"reply stamped after the sent instant", t0.Add(30 * time.Second), true},
		{"reply stamped before the sent instant", t0.Add(-30 * time.Second), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			mem := store.NewMemoryAt(func() time.Time { return t0 })
			f := newFixtureOn(t, mem, t0)
			f.in.History = mem
			if _, err := f.in.Ingest(context.Background(), []event.Event{created("r", event.Chat, t0.Add(-5*time.Minute))}); err != nil {
				t.Fatal(err)
			}
			f.replier.during = func() {
				f.replier.during = nil
				if _, err := f.in.Ingest(context.Background(), []event.Event{reply("r", c.replyAt)}); err != nil {
					t.Error(err)
				}
			}
			if err := f.svc.Observe(context.Background(), store.Key{Source: "desk", ID: "r"}); err != nil {
				t.Fatal(err)
			}
			tk := f.ticket("r")
			if tk.Ack == nil || tk.Ack.SentAt == nil || !tk.Ack.SentAt.Equal(t0) || tk.FirstResponse.RespondedAt == nil {
				t.Fatalf("ack %+v, first response %+v: want sent at t0 and answered", tk.Ack, tk.FirstResponse)
			}
			want := 0
			if c.owed {
				want = 1
			}
			if _, owed := sla.Unrecorded(f.cfg, tk, t0); len(owed) != want || (c.owed && owed[0].Metric != history.Promise) {
				t.Fatalf("owed %+v, want the promise owed: %v", owed, c.owed)
			}
			if (tk.RecordAt != nil) != c.owed || (c.owed && !tk.RecordAt.Equal(t0)) {
				t.Fatalf("RecordAt %v, want t0: %v", tk.RecordAt, c.owed)
			}
			// The checker's catch-up records it, once.
			rec := &intake.Recorder{Policies: f.cfg, Tickets: mem, History: mem}
			if err := rec.CatchUp(context.Background(), store.Key{Source: "desk", ID: "r"}); err != nil {
				t.Fatal(err)
			}
			days, err := mem.Days(context.Background(), calendar.DateOf(t0, time.UTC), calendar.DateOf(t0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			var kept int64
			for _, d := range days {
				if d.Group.Metric == history.Promise {
					kept += d.Met
				}
			}
			if kept != int64(want) || f.ticket("r").RecordAt != nil {
				t.Errorf("promises kept in the history %d, RecordAt %v; want %d and nil", kept, f.ticket("r").RecordAt, want)
			}
		})
	}
}
