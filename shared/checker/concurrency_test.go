package checker_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// gate is a notifier that counts the publishes in progress and holds each
// until limit are in progress at once (or a while has passed), and a
// little longer, so a run that works on up to limit tickets at a time
// reaches exactly limit, and one allowing more goes past it.
type gate struct {
	limit  int
	mu     sync.Mutex
	active int
	most   int
	full   chan struct{}
	sent   map[string]int
}

func newGate(limit int) *gate {
	return &gate{limit: limit, full: make(chan struct{}), sent: map[string]int{}}
}

func (g *gate) Notify(_ context.Context, a notify.Alert) error {
	g.mu.Lock()
	g.active++
	g.most = max(g.most, g.active)
	g.sent[a.ID]++
	if g.active == g.limit {
		select {
		case <-g.full:
		default:
			close(g.full)
		}
	}
	g.mu.Unlock()
	select {
	case <-g.full:
		// Long enough for a worker over the bound to show up.
		time.Sleep(20 * time.Millisecond)
	case <-time.After(300 * time.Millisecond):
	}
	g.mu.Lock()
	g.active--
	g.mu.Unlock()
	return nil
}

// A run works on several due tickets at once, never more than Workers.
func TestRunWorkersBounded(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 1000}\n")
			for i := range workers + 3 {
				f.ingest(t, event.Event{TicketID: fmt.Sprint(i), ID: fmt.Sprint(i), Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
			}
			g := newGate(workers)
			f.chk.Notifier, f.chk.Workers = g, workers
			f.clock.Set(at("09:45"))
			if _, err := f.chk.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if g.most != workers {
				t.Errorf("at most %d publishes at once, want %d (Workers)", g.most, workers)
			}
			if len(g.sent) != workers+3 {
				t.Errorf("%d warnings sent, want %d", len(g.sent), workers+3)
			}
		})
	}
}

// orderCheck records each ticket's alerts in publish order.
type orderCheck struct {
	mu  sync.Mutex
	per map[string][]string
}

func (o *orderCheck) Notify(_ context.Context, a notify.Alert) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.per[a.TicketID] = append(o.per[a.TicketID], fmt.Sprintf("%s L%d@%s", a.Kind, a.Level, a.SentAt.Format("15:04")))
	return nil
}

// One run whose horizon holds each ticket's warning, breach, first and
// second escalation sends each once, in order, at its instant, with many
// tickets worked on at once.
func TestRunConcurrentEachAlertOnceInOrder(t *testing.T) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 1000}\n")
	const n = 50
	for i := range n {
		f.ingest(t, event.Event{TicketID: fmt.Sprint(i), ID: fmt.Sprint(i), Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	}
	o := &orderCheck{per: map[string][]string{}}
	f.chk.Notifier, f.chk.Horizon = o, time.Hour
	f.clock.Set(at("09:40"))
	st, err := f.chk.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 4*n {
		t.Errorf("sent %d, want %d", st.Sent, 4*n)
	}
	want := fmt.Sprint([]string{"sla.warning L1@09:45", "sla.breach L0@10:00", "sla.escalation L1@10:00", "sla.escalation L2@10:30"})
	for i := range n {
		if got := fmt.Sprint(o.per[fmt.Sprint(i)]); got != want {
			t.Errorf("ticket %d: %s, want %s", i, got, want)
		}
	}
}

// A ticket whose alert another checker holds claimed is skipped until that
// claim's lease ends; the other tickets go.
func TestRunSkipsTicketClaimedElsewhere(t *testing.T) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 1000}\n")
	for _, id := range []string{"A", "B", "C"} {
		f.ingest(t, event.Event{TicketID: id, ID: id, Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	}
	// Another checker claimed B's warning at 09:45 for 2 minutes.
	if _, err := f.tickets.Update(context.Background(), store.Key{Source: "s", ID: "B"}, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		next, send, changed := sla.ClaimDue(t, at("09:45"), 2*time.Minute)
		if len(send) != 1 {
			return t, false, fmt.Errorf("claimed %v", send)
		}
		next.Outbox[0].By = "another checker"
		return next, changed, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.chk.Horizon = 30 * time.Second
	f.clock.Set(at("09:45"))
	if _, err := f.chk.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(summary(f.rec.take())); got != "[A sla.warning L1 first_response@09:45:00 C sla.warning L1 first_response@09:45:00]" &&
		got != "[C sla.warning L1 first_response@09:45:00 A sla.warning L1 first_response@09:45:00]" {
		t.Errorf("sent %s, want A's and C's warnings only", got)
	}
	// The other checker died: its lease ends at 09:47, and B's warning goes then.
	f.clock.Set(at("09:46:30"))
	f.chk.Horizon = time.Minute
	if _, err := f.chk.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(summary(f.rec.take())); got != "[B sla.warning L1 first_response@09:47:00]" {
		t.Errorf("after the lease: %s, want B's warning at 09:47", got)
	}
}

// lostAnswer applies each ticket's first update and then answers with an
// error, as a connection dropped after DynamoDB applied a write does.
type lostAnswer struct {
	store.Tickets
	mu   sync.Mutex
	seen map[store.Key]bool
}

func (s *lostAnswer) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	t, err := s.Tickets.Update(ctx, k, eventID, fn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && !s.seen[k] {
		s.seen[k] = true
		return sla.Ticket{}, errors.New("injected: connection reset after the write was applied")
	}
	return t, err
}

// A claim written whose answer was lost is the checker's own: the alert
// goes in the same run, not after the claim's lease, and once.
func TestLostClaimAnswerRecoveredWithoutTheLease(t *testing.T) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 1000}\n")
	for _, id := range []string{"A", "B"} {
		f.ingest(t, event.Event{TicketID: id, ID: id, Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	}
	f.chk.Tickets = &lostAnswer{Tickets: f.tickets, seen: map[store.Key]bool{}}
	f.chk.Lease = 10 * time.Minute
	f.clock.Set(at("09:45"))
	if _, err := f.chk.Run(context.Background()); err != nil {
		t.Errorf("run: %v", err)
	}
	got := summary(f.rec.take())
	if len(got) != 2 || got[0][2:] != "sla.warning L1 first_response@09:45:00" || got[1][2:] != got[0][2:] {
		t.Fatalf("sent %v, want A's and B's warnings at 09:45", got)
	}
	// Recorded as sent: no later run sends them again.
	f.clock.Set(at("09:46"))
	f.runUntil(t, at("09:58"))
	if got := f.rec.take(); len(got) != 0 {
		t.Errorf("sent again: %v", summary(got))
	}
	for _, id := range []string{"A", "B"} {
		tk, err := f.tickets.Get(context.Background(), store.Key{Source: "s", ID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(tk.Outbox) != 0 || tk.Fired["first_response/0/sla.warning/1"].IsZero() {
			t.Errorf("%s: outbox %v, fired %v; want the warning recorded", id, tk.Outbox, tk.Fired)
		}
	}
}

// A publish that fails once or twice (the publisher's own retries gave
// up: a throttled topic) is tried again in the same run, not after the
// claim's lease.
func TestPublishFailureRetriedInTheRun(t *testing.T) {
	for _, fails := range []int{1, 2} {
		f := newFixture(t, cfgYAML)
		f.chk.Lease = 10 * time.Minute
		f.ingest(t, event.Event{TicketID: "A", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
		f.rec.fail = fails
		f.clock.Set(at("09:45"))
		st, err := f.chk.Run(context.Background())
		if err != nil || st.Failed != 0 {
			t.Errorf("%d failures: run %v, %d failed", fails, err, st.Failed)
		}
		if got := fmt.Sprint(summary(f.rec.take())); got != "[A sla.warning L1 first_response@09:45:00]" {
			t.Errorf("%d failures: sent %s, want the warning at 09:45", fails, got)
		}
	}
}
