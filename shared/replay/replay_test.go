package replay_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

func office(t *testing.T) *calendar.Calendar {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	day := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
	c, err := calendar.New(ny, calendar.Week{nil, day, day, day, day, day, nil})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCalibrationOn30Days(t *testing.T) {
	cal := office(t)
	s := replay.Scenario{
		Start: time.Date(2026, 11, 2, 0, 0, 0, 0, cal.Location()), Days: 30, Calendar: cal,
		ArrivalsPerDay: 40, BurstDay: 14, BurstDays: 2, BurstFactor: 3, AgentsPerHour: 8,
		Channel: event.Email, Seed: 1,
	}
	trace := replay.Generate(s)
	est := replay.Run(trace, replay.Options{Calendar: cal, Target: 8 * time.Hour})
	naive := replay.Run(trace, replay.Options{Calendar: cal, Fixed: 24 * time.Hour})
	t.Logf("estimated: %d tickets, kept %.1f%%, median promise %v, median actual %v", est.Tickets, 100*est.KeptRate, est.MedianPromise, est.MedianActual)
	t.Logf("fixed 24h: %d tickets, kept %.1f%%, median promise %v, median actual %v", naive.Tickets, 100*naive.KeptRate, naive.MedianPromise, naive.MedianActual)
	if est.Tickets < 1000 {
		t.Fatalf("trace too small: %d answered tickets", est.Tickets)
	}
	// Issue 6 asks for at least 90% kept with the median promise within 2x
	// the median actual on every such trace. Seed 1 meets it (97.4%, 1.87x),
	// but seeds 2-9 range over 88-99.9% kept and 1.9-3.2x: calibration is
	// not finished, so only what holds on every seed is asserted here.
	// The canned promise is the one to beat: on this trace it breaks far
	// more often than the estimate.
	if naive.KeptRate >= est.KeptRate {
		t.Errorf("fixed 24h kept %.1f%%, estimate %.1f%%", 100*naive.KeptRate, 100*est.KeptRate)
	}
}

// The replay checks promises against replies: a hand-made trace with one
// kept and one broken promise.
func TestRunCountsKeptAndBroken(t *testing.T) {
	cal := office(t)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, cal.Location()) // Monday
	ev := func(id string, k event.Kind, at time.Time) event.Event {
		return event.Event{Source: "sim", TicketID: id, ID: id + string(k), Kind: k, OccurredAt: at, Author: event.Agent, Public: true}
	}
	// Cold start: both are promised the 2h target, said "within 2 hours":
	// a at 12:00, b at 12:05. a answered 11:30 (kept), b at 12:10 (broken).
	trace := []event.Event{
		ev("a", event.TicketCreated, t0),
		ev("b", event.TicketCreated, t0.Add(5*time.Minute)),
		ev("a", event.AgentReply, t0.Add(90*time.Minute)),
		ev("b", event.AgentReply, t0.Add(130*time.Minute)),
	}
	r := replay.Run(trace, replay.Options{Calendar: cal, Target: 2 * time.Hour})
	if r.Tickets != 2 || r.Kept != 1 || r.KeptRate != 0.5 {
		t.Errorf("result %+v", r)
	}
	// Medians by nearest rank (the lower of two): promise 2h, actual 1h30m
	// (a), not b's 2h05m.
	if r.MedianPromise != 2*time.Hour || r.MedianActual != 90*time.Minute {
		t.Errorf("medians %v, %v", r.MedianPromise, r.MedianActual)
	}
}
