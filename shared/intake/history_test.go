package intake_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

var day = calendar.Date{Year: 2026, Month: time.November, Day: 23}

// counts sums the history's aggregates of the day per policy and metric:
// "policy/metric" → [met, breached, not needed].
func counts(t *testing.T, h store.History) map[string][3]int64 {
	t.Helper()
	days, err := h.Days(context.Background(), day, day)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]int64{}
	for _, d := range days {
		k := d.Group.Policy + "/" + d.Group.Metric
		c := out[k]
		c[0], c[1], c[2] = c[0]+d.Met, c[1]+d.Breached, c[2]+d.NotNeeded
		out[k] = c
	}
	return out
}

// conversationCounts is what conversation's ticket records, worked out by
// hand: the first response met under standard (the reply at 09:30 came
// before the urgent change at 09:45), next-reply cycle 1 met under urgent
// (due 12:20, answered 11:00). Nothing else ends a clock.
var conversationCounts = map[string][3]int64{
	"standard/first_response": {1, 0, 0},
	"urgent/next_reply":       {1, 0, 0},
}

func equalCounts(t *testing.T, what string, got, want map[string][3]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: counts %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: counts %v, want %v", what, got, want)
			return
		}
	}
}

func newService(h store.History) (*intake.Service, *store.Memory) {
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	m := store.NewMemoryAt(now)
	if h == nil {
		h = m
	}
	return &intake.Service{Policies: policy.Default(), Tickets: m, History: h, Now: now}, m
}

// owedLeft fails the test if the ticket still owes history records.
func owedLeft(t *testing.T, m *store.Memory, id string) {
	t.Helper()
	tk, err := m.Get(context.Background(), store.Key{Source: "s", ID: id})
	if err != nil {
		t.Fatal(err)
	}
	if tk.RecordAt != nil {
		t.Errorf("ticket %s: RecordAt = %v, want nil once recorded", id, tk.RecordAt)
	}
	if len(tk.Recorded) != 2 {
		t.Errorf("ticket %s: %d records marked, want 2", id, len(tk.Recorded))
	}
}

func TestHistoryOnceUnderRedelivery(t *testing.T) {
	svc, m := newService(nil)
	ctx := context.Background()
	events := conversation("T")
	for range 2 { // every webhook delivered twice
		if _, err := svc.Ingest(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
	equalCounts(t, "redelivered", counts(t, m), conversationCounts)
	owedLeft(t, m, "T")
}

func TestHistoryReordered(t *testing.T) {
	svc, m := newService(nil)
	ctx := context.Background()
	events := conversation("T")
	// Last to first: the reply and the solve arrive before the ticket's
	// creation, the priority change after the cycle it changes ended. The
	// early versions of the records are revised as the rest arrives.
	for i := len(events) - 1; i >= 0; i-- {
		if _, err := svc.Ingest(ctx, events[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	equalCounts(t, "reversed", counts(t, m), conversationCounts)
	owedLeft(t, m, "T")
	bs, err := m.Breaches(ctx, time.Time{}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 10)
	if err != nil || len(bs) != 0 {
		t.Errorf("breaches = %v, %v; want none", bs, err)
	}
}

func TestHistoryRacingWriters(t *testing.T) {
	svc, m := newService(nil)
	ctx := context.Background()
	events := conversation("T")
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 13))
			for _, i := range r.Perm(len(events)) {
				if _, err := svc.Ingest(ctx, events[i:i+1]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	equalCounts(t, "racing", counts(t, m), conversationCounts)
	owedLeft(t, m, "T")
}

// failing is a History whose Record fails while fail is set.
type failing struct {
	store.History
	fail  atomic.Bool
	calls atomic.Int32
}

func (f *failing) Record(ctx context.Context, r history.Record) (bool, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return false, errors.New("injected failure")
	}
	return f.History.Record(ctx, r)
}

func TestHistoryWriteFailsThenCatchUp(t *testing.T) {
	ctx := context.Background()
	f := &failing{}
	svc, m := newService(f)
	f.History = m
	f.fail.Store(true)
	if _, err := svc.Ingest(ctx, conversation("T")); err != nil {
		t.Fatalf("a failed history write failed the event: %v", err)
	}
	if c := counts(t, m); len(c) != 0 {
		t.Fatalf("counts %v with every write failing", c)
	}
	k := store.Key{Source: "s", ID: "T"}
	tk, _ := m.Get(ctx, k)
	// Owed: the ticket falls due for the checker when intake's lease of a
	// minute ends, and not before.
	lease := time.Date(2026, 12, 1, 0, 1, 0, 0, time.UTC)
	if tk.RecordAt == nil || !tk.RecordAt.Equal(lease) {
		t.Fatalf("RecordAt = %v, want %v", tk.RecordAt, lease)
	}
	if keys, _ := m.Due(ctx, lease.Add(-time.Second), 10); len(keys) != 0 {
		t.Fatalf("Due = %v inside intake's lease, want nothing", keys)
	}
	if keys, _ := m.Due(ctx, lease, 10); len(keys) != 1 || keys[0] != k {
		t.Fatalf("Due = %v, want the ticket", keys)
	}

	f.fail.Store(false)
	r := &intake.Recorder{Policies: svc.Policies, Tickets: m, History: m, Link: policy.Default().Link}
	for range 2 { // a second catch-up has nothing to do
		if err := r.CatchUp(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	equalCounts(t, "caught up", counts(t, m), conversationCounts)
	owedLeft(t, m, "T")
	if keys, _ := m.Due(ctx, lease, 10); len(keys) != 0 {
		t.Errorf("Due = %v after the catch-up, want nothing", keys)
	}
}

func TestNoHistory(t *testing.T) {
	m := store.NewMemory()
	svc := &intake.Service{Policies: policy.Default(), Tickets: m}
	if _, err := svc.Ingest(context.Background(), conversation("T")); err != nil {
		t.Fatal(err)
	}
	tk, _ := m.Get(context.Background(), store.Key{Source: "s", ID: "T"})
	if tk.RecordAt != nil || tk.Recorded != nil {
		t.Errorf("without a history: RecordAt %v, Recorded %v; want neither", tk.RecordAt, tk.Recorded)
	}
}
