package replay

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
)

// The ideal's simulation against waits known in closed form. With
// exponential handling of mean h, a ticket behind k handling times (the
// one in hand has no memory) waits an Erlang(k+1) time: its p90 is h
// times 2.3026 (k = 0), 3.8897 (k = 1) or 5.3223 (k = 2) — the gamma
// distribution's 0.9-quantiles, from tables of the chi-square (df 2, 4,
// 6: 4.605, 7.779, 10.645, halved).
func TestSimulateKnownWaits(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	day := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
	office, err := calendar.New(ny, calendar.Week{nil, day, day, day, day, day, nil})
	if err != nil {
		t.Fatal(err)
	}
	const h = 30 * time.Minute
	tue := time.Date(2026, 10, 20, 11, 0, 0, 0, ny)
	p90 := func(f float64) time.Duration { return time.Duration(f * float64(h)) }
	for _, tc := range []struct {
		name string
		s    Shape
		at   time.Time
		st   state
		want time.Duration
	}{
		{"one agent, free", Shape{Agents: 1}, tue, state{handling: []time.Time{{}}}, p90(2.3026)},
		{"one agent, busy", Shape{Agents: 1}, tue, state{handling: []time.Time{tue.Add(-10 * time.Minute)}}, p90(3.8897)},
		{"one agent, busy, one waiting", Shape{Agents: 1}, tue, state{handling: []time.Time{tue.Add(-10 * time.Minute)}, waiting: 1}, p90(5.3223)},
		// The free agent is away today: the ticket waits for the busy one.
		{"two agents, the free one away", Shape{Agents: 2, Away: []Away{{Day: 1, Days: 1, Agents: 1}}}, tue,
			state{handling: []time.Time{tue.Add(-time.Minute), {}}}, p90(3.8897)},
		// Half an hour before closing: P(done today) = 1 - 1/e < 0.9, so
		// the p90 lands the next morning: 69m05s of handling in all, 30m
		// of it today, the rest after the 16h30m closed from 17:00.
		{"one agent, free, at 16:30", Shape{Agents: 1, Calendar: office}, tue.Add(330 * time.Minute), state{handling: []time.Time{{}}},
			16*time.Hour + p90(2.3026)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			s.Handle, s.Start = h, time.Date(2026, 10, 19, 0, 0, 0, 0, ny)
			r := rand.New(rand.NewPCG(1, 2))
			waits := make([]time.Duration, 8000)
			for i := range waits {
				waits[i] = s.simulate(r, tc.at, tc.st)
			}
			got := eta.Quantile(waits, 0.9)
			// 8,000 draws: the quantile's standard error is about 1.5%
			// of the handling p90.
			if tol := time.Duration(0.05 * float64(p90(2.3026))); got < tc.want-tol || got > tc.want+tol {
				t.Errorf("p90 wait %v, want %v ± %v", got.Round(time.Second), tc.want.Round(time.Second), tol.Round(time.Second))
			}
		})
	}
}

// A log-normal handling time that has already run long is likely to run
// longer: the remainder is drawn beyond it, not afresh.
func TestRemainingLongTail(t *testing.T) {
	s := Shape{Handle: 40 * time.Minute, LongTail: 1.2}
	r := rand.New(rand.NewPCG(3, 4))
	med := func(elapsed time.Duration) time.Duration {
		ds := make([]time.Duration, 4000)
		for i := range ds {
			ds[i] = s.remaining(r, elapsed)
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	// Median of a fresh handling time: 40m·e^(-0.72) = 19m28s. Given
	// 2h already, z0 = (ln 3 + 0.72)/1.2 = 1.5155, Φ(z0) = 0.9352, and
	// the median total is 40m·e^(-0.72 + 1.2·Φ⁻¹(0.9676)) =
	// 40m·e^(-0.72 + 1.2·1.8465) = 2h58m31s: 58m31s to go (a fresh
	// draw's median would be the 19m28s again).
	if got, want := med(0), 19*time.Minute+28*time.Second; absDur(got-want) > 2*time.Minute {
		t.Errorf("fresh median %v, want about %v", got, want)
	}
	if got, want := med(2*time.Hour), 58*time.Minute+31*time.Second; absDur(got-want) > 4*time.Minute {
		t.Errorf("median remaining after 2h %v, want about %v", got, want)
	}
}

func absDur(d time.Duration) time.Duration { return time.Duration(math.Abs(float64(d))) }

// stateAt against the trace itself: at each arrival, the tickets waiting
// and in hand are the earlier ones not yet answered (or closed).
func TestStateAtMatchesTrace(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	day := []calendar.Interval{{Start: 9 * 60, End: 12 * 60}, {Start: 13 * 60, End: 17 * 60}}
	cal, err := calendar.New(ny, calendar.Week{nil, day, day, day, day, day, nil})
	if err != nil {
		t.Fatal(err)
	}
	s := Shape{Name: "t", Start: time.Date(2026, 10, 19, 0, 0, 0, 0, ny), Days: 14, Calendar: cal, Agents: 3,
		ArrivalsPerDay: 40, Handle: 30 * time.Minute, ClosedUnanswered: 0.1, Away: []Away{{Day: 2, Days: 2, Agents: 1}}, Seed: 7}
	type seen struct {
		id string
		at time.Time
		st state
	}
	var arrivals []seen
	s.generate(func(id string, at time.Time, st state) { arrivals = append(arrivals, seen{id, at, st}) })
	// Done: when each ticket was answered or closed, from the events.
	done := map[string]time.Time{}
	created := map[string]time.Time{}
	for _, e := range s.Generate() {
		switch e.ID[len(e.ID)-2:] {
		case "-c":
			created[e.TicketID] = e.OccurredAt
		case "-r", "-x":
			done[e.TicketID] = e.OccurredAt
		}
	}
	if len(arrivals) != len(created) || len(arrivals) < 300 {
		t.Fatalf("%d arrivals seen, %d tickets", len(arrivals), len(created))
	}
	busyMax := 0
	for _, a := range arrivals {
		open := 0
		for id := range created {
			// Ids number the tickets in arrival order.
			if id < a.id && done[id].After(a.at) {
				open++
			}
		}
		busy := 0
		for _, b := range a.st.handling {
			if !b.IsZero() {
				busy++
			}
		}
		busyMax = max(busyMax, busy)
		// A closed ticket is done when its agent reaches it, so every
		// unanswered earlier ticket is either waiting or in hand.
		if got := a.st.waiting + busy; got != open {
			t.Fatalf("at %v: %d waiting + %d in hand, want %d open", a.at, a.st.waiting, busy, open)
		}
	}
	if busyMax != 3 {
		t.Errorf("at most %d agents busy at an arrival, want 3", busyMax)
	}
}
