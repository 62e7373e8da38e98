package checker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// fakeClock is virtual time: sleeping moves it forward at once.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return ctx.Err()
}

// recorder keeps what was published; fail makes the next n publishes fail.
type recorder struct {
	mu     sync.Mutex
	alerts []notify.Alert
	fail   int
}

func (r *recorder) Notify(_ context.Context, a notify.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("injected publish failure")
	}
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recorder) take() []notify.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.alerts
	r.alerts = nil
	return out
}

const cfgYAML = `
sources:
  s: {provider: generic, ticket_url: "https://help.example.com/t/{id}"}
policies:
  - name: chat
    team: frontline
    first_response: {within: 1h}
    next_reply: {within: 1h}
    warnings: [15m]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: lead}
`

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func at(hhmm string) time.Time {
	if len(hhmm) == 5 {
		hhmm += ":00"
	}
	t, err := time.Parse(time.DateTime, "2026-11-23 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

type fixture struct {
	cfg     *policy.Config
	tickets store.Tickets
	svc     *intake.Service
	clock   *fakeClock
	rec     *recorder
	chk     *checker.Checker
}

func newFixture(t *testing.T, yaml string) *fixture {
	t.Helper()
	cfg, err := policy.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{cfg: cfg, tickets: store.NewMemory(), clock: &fakeClock{now: t0}, rec: &recorder{}}
	f.svc = &intake.Service{Policies: cfg, Tickets: f.tickets}
	f.chk = &checker.Checker{Config: cfg, Tickets: f.tickets, Notifier: f.rec, Clock: f.clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Horizon: time.Minute}
	return f
}

func (f *fixture) ingest(t *testing.T, e event.Event) {
	t.Helper()
	e.Source = "s"
	if _, err := f.svc.Ingest(context.Background(), []event.Event{e}); err != nil {
		t.Fatal(err)
	}
}

// runUntil runs the checker once a minute, as the schedule does, from the
// clock's time until end, and returns how many runs reported errors.
func (f *fixture) runUntil(t *testing.T, end time.Time) (failed int) {
	t.Helper()
	for start := f.clock.Now(); !start.After(end); start = start.Add(time.Minute) {
		f.clock.Set(start)
		if _, err := f.chk.Run(context.Background()); err != nil {
			t.Logf("run at %s: %v", start.Format("15:04"), err)
			failed++
		}
	}
	return failed
}

func summary(as []notify.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s %s L%d %s@%s", a.TicketID, a.Kind, a.Level, a.Metric, a.SentAt.Format("15:04:05")))
	}
	return out
}

func TestAlertsAtTheirInstants(t *testing.T) {
	f := newFixture(t, cfgYAML)
	created := func(id string) event.Event {
		return event.Event{TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat}
	}
	reply := func(id string, when time.Time) event.Event {
		return event.Event{TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: when, Author: event.Agent, Public: true}
	}
	// A: never answered in time. B: answered at 09:30, before any alert.
	f.ingest(t, created("A"))
	f.ingest(t, created("B"))
	f.runUntil(t, at("09:29"))
	f.ingest(t, reply("B", at("09:30")))
	// Runs start each minute; alerts leave at their instant, not at the
	// next run: warning 15 minutes before the 10:00 deadline, breach and
	// level 1 at 10:00, level 2 at 10:30.
	f.runUntil(t, at("10:40"))
	// A's reply arrives at 10:41:20, after breach and both escalations:
	// the lead hears it recovered, at the next run.
	f.clock.Set(at("10:41").Add(20 * time.Second))
	f.ingest(t, reply("A", at("10:41").Add(20*time.Second)))
	f.clock.Set(at("10:42"))
	f.runUntil(t, at("12:00"))

	want := []string{
		"A sla.warning L1 first_response@09:45:00",
		"A sla.breach L0 first_response@10:00:00",
		"A sla.escalation L1 first_response@10:00:00",
		"A sla.escalation L2 first_response@10:30:00",
		"A sla.recovered L0 first_response@10:42:00",
	}
	got := f.rec.take()
	if !slices.Equal(summary(got), want) {
		t.Errorf("sent\n%v\nwant\n%v", summary(got), want)
	}
	for _, a := range got {
		if a.Team != "frontline" || a.TicketURL != "https://help.example.com/t/A" || a.ID != "s/A/"+a.Metric+"/0/"+a.Kind+"/"+fmt.Sprint(a.Level) {
			t.Errorf("alert fields: %+v", a)
		}
	}
}

func TestPublishFailureIsRetriedNotLost(t *testing.T) {
	f := newFixture(t, cfgYAML)
	f.chk.Lease = 2 * time.Minute
	f.ingest(t, event.Event{TicketID: "A", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	f.rec.fail = 3 // the warning's publish fails three times: the run leaves it
	if failed := f.runUntil(t, at("09:45")); failed != 1 {
		t.Errorf("%d failed runs, want the one with the injected failure", failed)
	}
	if got := f.rec.take(); len(got) != 0 {
		t.Fatalf("sent %v despite the failure", summary(got))
	}
	// The claim's lease (2 minutes) runs out at 09:47: the run starting at
	// 09:46 looks a minute ahead, waits for it and sends it then.
	f.runUntil(t, at("09:48"))
	got := f.rec.take()
	if want := []string{"A sla.warning L1 first_response@09:47:00"}; !slices.Equal(summary(got), want) {
		t.Errorf("after the lease: %v, want %v", summary(got), want)
	}
	// The later alerts are unaffected, and nothing is sent twice.
	f.runUntil(t, at("11:00"))
	got = f.rec.take()
	if len(got) != 3 || got[0].Kind != notify.KindBreach {
		t.Errorf("later alerts: %v", summary(got))
	}
}

// recordFails fails the n-th Update: with n = 2 for a ticket with one due
// alert, the write that records the sent alert — the run dies between
// publish and record.
type recordFails struct {
	store.Tickets
	mu       sync.Mutex
	calls    int
	failCall int
}

func (s *recordFails) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	s.mu.Lock()
	s.calls++
	fail := s.calls == s.failCall
	s.mu.Unlock()
	if fail {
		return sla.Ticket{}, errors.New("injected: the run died before recording")
	}
	return s.Tickets.Update(ctx, k, eventID, fn)
}

func TestCrashBetweenPublishAndRecordDuplicatesOnce(t *testing.T) {
	f := newFixture(t, cfgYAML)
	f.ingest(t, event.Event{TicketID: "A", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	f.chk.Tickets = &recordFails{Tickets: f.tickets, failCall: 2}
	f.clock.Set(at("09:45"))
	if _, err := f.chk.Run(context.Background()); err == nil {
		t.Fatal("the injected failure did not surface")
	}
	f.clock.Set(at("09:46"))
	if failed := f.runUntil(t, at("09:50")); failed != 0 {
		t.Errorf("%d failed runs after the crash", failed)
	}
	got := f.rec.take()
	// At-least-once: the warning went out twice (09:45, and 09:46 when its
	// lease ran out), with the same id so that subscribers drop the repeat.
	if len(got) != 2 || got[0].ID != got[1].ID || got[0].Kind != notify.KindWarning {
		t.Fatalf("sent %v", summary(got))
	}
}

// frozenClock stands still: a run that would have to wait has run out of
// time. Parallel runs on a shared virtual clock would otherwise move time on
// for each other, by a whole lease in no real time.
type frozenClock struct{ now time.Time }

func (c frozenClock) Now() time.Time { return c.now }

func (c frozenClock) SleepUntil(ctx context.Context, t time.Time) error {
	if t.After(c.now) {
		return context.DeadlineExceeded
	}
	return ctx.Err()
}

// Two runs over the same due set at the same time send each alert once.
func TestParallelRunsSendOnce(t *testing.T) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 1000}\n")
	for i := range 40 {
		f.ingest(t, event.Event{TicketID: fmt.Sprint(i), ID: fmt.Sprint(i), Kind: event.TicketCreated,
			OccurredAt: t0.Add(time.Duration(i) * time.Second), Author: event.Customer})
	}
	// At 10:00:39 every ticket's warning (09:45:i), breach and level 1
	// (10:00:i) are due at once: the warning is superseded, breach and
	// level 1 are sent — by exactly one of the two runs.
	first, second := *f.chk, *f.chk
	first.Clock, second.Clock = frozenClock{at("10:00:39")}, frozenClock{at("10:00:39")}
	for range 20 {
		var wg sync.WaitGroup
		for _, c := range []*checker.Checker{&first, &second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Run(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	seen := map[string]int{}
	for _, a := range f.rec.take() {
		seen[a.ID]++
	}
	for i := range 40 {
		for kind, n := range map[string]int{"sla.breach/0": 1, "sla.escalation/1": 1, "sla.warning/1": 0} {
			if id := fmt.Sprintf("s/%d/first_response/0/%s", i, kind); seen[id] != n {
				t.Errorf("%s sent %d times, want %d", id, seen[id], n)
			}
		}
	}
	if len(seen) != 80 {
		t.Errorf("%d distinct alerts, want 80", len(seen))
	}
}

func TestBreachStormSendsOneDigest(t *testing.T) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 5}\n")
	for i := range 12 {
		f.ingest(t, event.Event{TicketID: fmt.Sprint(i), ID: fmt.Sprint(i), Kind: event.TicketCreated,
			OccurredAt: t0.Add(time.Duration(i) * time.Second), Author: event.Customer})
	}
	f.clock.Set(at("09:59:30"))
	f.runUntil(t, at("10:00"))
	var digests, breaches int
	for _, a := range f.rec.take() {
		switch a.Kind {
		case notify.KindBreachDigest:
			digests++
			if len(a.Tickets) != 12 || a.Team != "frontline" {
				t.Errorf("digest: team %s, %d tickets", a.Team, len(a.Tickets))
			}
		case notify.KindBreach:
			breaches++
		}
	}
	if digests != 1 || breaches != 0 {
		t.Errorf("%d digests and %d single breach pages, want 1 and 0", digests, breaches)
	}
	// The breaches are recorded: nothing more after the run.
	f.runUntil(t, at("10:10"))
	for _, a := range f.rec.take() {
		if a.Kind == notify.KindBreach || a.Kind == notify.KindBreachDigest {
			t.Errorf("sent again: %s", a.ID)
		}
	}
}
