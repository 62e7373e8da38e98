package reconfig_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/reconfig"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

const oldYAML = `
policies:
  - name: standard
    match: {channel: [email, web]}
    first_response: {within: 4h}
    next_reply: {within: 8h}
`

func mustParse(t testing.TB, doc string) *policy.Config {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t0 = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)

// jobStore is what the job needs of a store.
type jobStore interface {
	store.Tickets
	store.Clocks
	store.Docs
}

// counting counts, per ticket, the updates that wrote.
type counting struct {
	jobStore
	mu     sync.Mutex
	writes map[store.Key]int
}

func (c *counting) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	wrote := false
	t, err := c.jobStore.Update(ctx, k, eventID, func(t sla.Ticket) (sla.Ticket, bool, error) {
		n, ok, err := fn(t)
		wrote = ok && err == nil
		return n, ok, err
	})
	if err == nil && wrote {
		c.mu.Lock()
		c.writes[k]++
		c.mu.Unlock()
	}
	return t, err
}

func TestJobMemory(t *testing.T) { testJob(t, store.NewMemory()) }

func TestJobDynamoDB(t *testing.T) {
	client, table, _ := storetest.LocalTable(t)
	s, err := store.NewDynamoDB(client, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	testJob(t, s)
}

// testJob: five open tickets and one solved; a job stopped after its first
// batch and run again by another process retargets each open ticket once,
// records its progress, and leaves the solved ticket alone.
func testJob(t *testing.T, s jobStore) {
	// A job that never finishes fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prev := mustParse(t, oldYAML)
	next := mustParse(t, strings.Replace(oldYAML, "within: 4h", "within: 2h", 1))
	put := func(id string, evs ...event.Event) {
		for _, e := range evs {
			e.Source, e.TicketID = "zd", id
			if _, err := s.Update(ctx, store.Key{Source: "zd", ID: id}, e.ID, func(tk sla.Ticket) (sla.Ticket, bool, error) {
				return sla.Apply(prev, tk, e)
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	created := func(id string) event.Event {
		return event.Event{ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Public: true, Channel: event.Email}
	}
	for i := 1; i <= 5; i++ {
		put(strconv.Itoa(i), created(strconv.Itoa(i)))
	}
	solved := created("9")
	put("9", solved, event.Event{ID: "9-r", Kind: event.AgentReply, OccurredAt: t0.Add(time.Hour), Author: event.Agent, Public: true},
		event.Event{ID: "9-s", Kind: event.StatusChanged, OccurredAt: t0.Add(2 * time.Hour), Author: event.Agent, Status: event.Solved})

	c := &counting{jobStore: s, writes: map[store.Key]int{}}
	now := func() time.Time { return t0.Add(3 * time.Hour) } // past the new 2h deadlines
	job := &reconfig.Job{Prev: prev, Next: next, Tickets: c, Clocks: s, Docs: s, Batch: 2, Now: now}
	p, err := job.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Done || p.Retargeted != 2 || p.After != (store.Key{Source: "zd", ID: "2"}) || p.Version != next.Version() {
		t.Fatalf("after one batch: %+v, want 2 retargeted through zd/2", p)
	}
	// Stopped there; another process picks it up from the record.
	job2 := &reconfig.Job{Prev: prev, Next: next, Tickets: c, Clocks: s, Docs: s, Batch: 2, Now: now}
	if p, err = job2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !p.Done || p.Retargeted != 5 || p.Moved != 5 || p.AtOnce != 5 {
		t.Errorf("done: %+v, want 5 retargeted, 5 moved, 5 at once", p)
	}
	doc, ok, err := s.GetDoc(ctx, reconfig.DocKey)
	if err != nil || !ok || !strings.Contains(string(doc.Data), `"done":true`) {
		t.Errorf("progress document %s (%v, %v), want done recorded", doc.Data, ok, err)
	}
	// Running again does nothing; nor does a run whose record was lost
	// (it starts over, and finds every ticket at the new version).
	if _, err := job2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ReplaceDoc(ctx, reconfig.DocKey, doc.Version, []byte(`{"version":"`+next.Version()+`"}`)); err != nil || !ok {
		t.Fatalf("reset the progress: %v %v", ok, err)
	}
	if p, err := job2.Run(ctx); err != nil || !p.Done || p.Retargeted != 0 {
		t.Errorf("run over again: %+v, %v; want done, none retargeted", p, err)
	}
	for i := 1; i <= 5; i++ {
		k := store.Key{Source: "zd", ID: strconv.Itoa(i)}
		if c.writes[k] != 1 {
			t.Errorf("%s written %d times, want once", k.ID, c.writes[k])
		}
		tk, err := s.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if due := tk.FirstResponse.DueAt; tk.ConfigVersion != next.Version() || due == nil || !due.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("%s: version %q, first response due %v; want %q, 12:00", k.ID, tk.ConfigVersion, due, next.Version())
		}
		if len(tk.Pending) == 0 || tk.Pending[0].Kind != sla.Breach || !tk.Pending[0].At.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("%s: pending %+v, want the breach at 12:00 first", k.ID, tk.Pending)
		}
	}
	if n := c.writes[store.Key{Source: "zd", ID: "9"}]; n != 0 {
		t.Errorf("the solved ticket was written %d times", n)
	}
	// Back to the old configuration: a new run for its version.
	job3 := &reconfig.Job{Prev: next, Next: prev, Tickets: c, Clocks: s, Docs: s, Now: now}
	if p, err = job3.Run(ctx); err != nil || p.Retargeted != 5 || p.Version != prev.Version() {
		t.Errorf("back to the old configuration: %+v, %v; want 5 retargeted", p, err)
	}
}

func TestDiff(t *testing.T) {
	prev := mustParse(t, oldYAML)
	next := mustParse(t, strings.Replace(oldYAML, "within: 8h", "within: 10h", 1))
	apply := func(tk sla.Ticket, evs ...event.Event) sla.Ticket {
		for _, e := range evs {
			e.Source, e.TicketID = tk.Source, tk.ID
			var err error
			if tk, _, err = sla.Apply(prev, tk, e); err != nil {
				t.Fatal(err)
			}
		}
		return tk
	}
	waiting := apply(sla.New("zd", "1"), event.Event{ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Public: true, Channel: event.Email})
	cycle := apply(sla.New("zd", "2"),
		event.Event{ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Public: true, Channel: event.Email},
		event.Event{ID: "r", Kind: event.AgentReply, OccurredAt: t0.Add(time.Hour), Author: event.Agent, Public: true},
		event.Event{ID: "m", Kind: event.CustomerMessage, OccurredAt: t0.Add(2 * time.Hour), Author: event.Customer, Public: true})
	got := reconfig.Diff(prev, next, []sla.Ticket{waiting, cycle}, t0.Add(3*time.Hour))
	// Only the next reply's target changed: ticket 1's first response does
	// not move; ticket 2's next reply from 12:00 is due 20:00 → 22:00.
	if len(got) != 1 || got[0].ID != "2" || len(got[0].Clocks) != 1 {
		t.Fatalf("diff %+v, want ticket 2's one clock", got)
	}
	c := got[0].Clocks[0]
	if c.Metric != sla.NextReply || !c.OldDue.Equal(t0.Add(10*time.Hour)) || !c.NewDue.Equal(t0.Add(12*time.Hour)) || c.Direction() != "later" || c.BreachesAtOnce {
		t.Errorf("clock %+v (%s), want next reply 20:00 → 22:00, later", c, c.Direction())
	}
}
