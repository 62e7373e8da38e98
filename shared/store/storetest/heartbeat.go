package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/store"
)

// OpenTraffic returns a store for one test; the suite uses fresh source
// names, so stores may share one table.
type OpenTraffic func(t *testing.T) store.Traffic

// RunTraffic runs the contract suite of store.Traffic. Its times are
// whole milliseconds, the DynamoDB store's resolution.
func RunTraffic(t *testing.T, open OpenTraffic) {
	t.Run("WatchedOnce", func(t *testing.T) { trafficWatched(t, open(t)) })
	t.Run("AcceptedOnceAMinute", func(t *testing.T) { trafficAccepted(t, open(t)) })
	t.Run("AcceptedNeverBackwards", func(t *testing.T) { trafficBackwards(t, open(t)) })
	t.Run("RejectionsCountedAndReset", func(t *testing.T) { trafficRejected(t, open(t)) })
	t.Run("ConcurrentRejectionsAllCounted", func(t *testing.T) { trafficRaceRejected(t, open(t)) })
	t.Run("SwapAlerts", func(t *testing.T) { trafficSwap(t, open(t)) })
	t.Run("SwapLostToAnAcceptedRequest", func(t *testing.T) { trafficSwapLost(t, open(t)) })
	t.Run("RacingCheckersOneWins", func(t *testing.T) { trafficRaceSwap(t, open(t)) })
}

func watch(t *testing.T, s store.Traffic, src string, now time.Time) store.SourceTraffic {
	t.Helper()
	st, err := s.Watch(context.Background(), src, now)
	if err != nil {
		t.Fatalf("Watch %s: %v", src, err)
	}
	if st.Source != src {
		t.Fatalf("Watch %s: source %q", src, st.Source)
	}
	return st
}

func accepted(t *testing.T, s store.Traffic, src string, at time.Time) {
	t.Helper()
	if err := s.RecordAccepted(context.Background(), src, at); err != nil {
		t.Fatalf("RecordAccepted %s %v: %v", src, at, err)
	}
}

func rejected(t *testing.T, s store.Traffic, src string, at time.Time) {
	t.Helper()
	if err := s.RecordRejected(context.Background(), src, at); err != nil {
		t.Fatalf("RecordRejected %s %v: %v", src, at, err)
	}
}

func swap(t *testing.T, s store.Traffic, seen store.SourceTraffic, next store.Alerts) bool {
	t.Helper()
	won, err := s.SwapAlerts(context.Background(), seen, next)
	if err != nil {
		t.Fatalf("SwapAlerts %s: %v", seen.Source, err)
	}
	return won
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func trafficWatched(t *testing.T, s store.Traffic) {
	src := source(t)
	st := watch(t, s, src, T0)
	sameTime(t, "Watched of a new source", st.Watched, T0)
	if !st.LastAccepted.IsZero() || !st.LastRejected.IsZero() || st.RejectedInARow != 0 || st.Alerts != (store.Alerts{}) {
		t.Errorf("new source: %+v, want nothing but Watched", st)
	}
	// The first check is kept: a source's silence runs from it.
	sameTime(t, "Watched after a second check", watch(t, s, src, T0.Add(time.Hour)).Watched, T0)
	// A source written before its first check gets Watched all the same.
	other := source(t)
	accepted(t, s, other, T0)
	st = watch(t, s, other, T0.Add(time.Hour))
	sameTime(t, "Watched of a source with traffic", st.Watched, T0.Add(time.Hour))
	sameTime(t, "its LastAccepted", st.LastAccepted, T0)
}

func trafficAccepted(t *testing.T, s store.Traffic) {
	src := source(t)
	for _, step := range []struct {
		at, want time.Duration // after T0
	}{
		{0, 0},
		{30 * time.Second, 0},
		{time.Minute - time.Millisecond, 0}, // less than a minute later: not written
		{time.Minute, time.Minute},          // a minute: written
		{90 * time.Second, time.Minute},
		{3 * time.Hour, 3 * time.Hour},
	} {
		accepted(t, s, src, T0.Add(step.at))
		sameTime(t, "LastAccepted after a request at T0+"+step.at.String(), watch(t, s, src, T0).LastAccepted, T0.Add(step.want))
	}
}

// Requests recorded out of order (two processes, one slower) never move
// LastAccepted back, even with a streak of refusals to reset.
func trafficBackwards(t *testing.T, s store.Traffic) {
	src := source(t)
	accepted(t, s, src, T0.Add(10*time.Minute))
	accepted(t, s, src, T0)
	sameTime(t, "LastAccepted after an older request", watch(t, s, src, T0).LastAccepted, T0.Add(10*time.Minute))
	rejected(t, s, src, T0.Add(11*time.Minute))
	accepted(t, s, src, T0.Add(5*time.Minute))
	st := watch(t, s, src, T0)
	sameTime(t, "LastAccepted after an older request during a streak", st.LastAccepted, T0.Add(10*time.Minute))
	if st.RejectedInARow != 1 {
		t.Errorf("RejectedInARow = %d, want 1: an older request does not end a later streak", st.RejectedInARow)
	}
}

func trafficRejected(t *testing.T, s store.Traffic) {
	src := source(t)
	accepted(t, s, src, T0)
	for i := range 3 {
		rejected(t, s, src, T0.Add(time.Duration(i+1)*time.Second))
	}
	st := watch(t, s, src, T0)
	if st.RejectedInARow != 3 {
		t.Errorf("RejectedInARow = %d, want 3", st.RejectedInARow)
	}
	sameTime(t, "LastRejected", st.LastRejected, T0.Add(3*time.Second))
	sameTime(t, "LastAccepted after refusals", st.LastAccepted, T0)
	// Ten seconds after the last recorded request: too soon to write the
	// time alone, but the streak must end.
	accepted(t, s, src, T0.Add(10*time.Second))
	st = watch(t, s, src, T0)
	if st.RejectedInARow != 0 {
		t.Errorf("RejectedInARow after an accepted request = %d, want 0", st.RejectedInARow)
	}
	sameTime(t, "LastAccepted after the streak ended", st.LastAccepted, T0.Add(10*time.Second))
	sameTime(t, "LastRejected is kept", st.LastRejected, T0.Add(3*time.Second))
	rejected(t, s, src, T0.Add(20*time.Second))
	if st := watch(t, s, src, T0); st.RejectedInARow != 1 {
		t.Errorf("RejectedInARow of a new streak = %d, want 1", st.RejectedInARow)
	}
}

func trafficRaceRejected(t *testing.T, s store.Traffic) {
	src := source(t)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.RecordRejected(context.Background(), src, T0.Add(time.Duration(i)*time.Millisecond)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := watch(t, s, src, T0); st.RejectedInARow != n {
		t.Errorf("RejectedInARow after %d concurrent refusals = %d", n, st.RejectedInARow)
	}
}

func trafficSwap(t *testing.T, s store.Traffic) {
	src := source(t)
	accepted(t, s, src, T0)
	seen := watch(t, s, src, T0.Add(time.Hour))
	silent := store.Alerts{Silent: T0}
	if !swap(t, s, seen, silent) {
		t.Fatal("first swap lost")
	}
	if got := watch(t, s, src, T0).Alerts; !got.Silent.Equal(T0) || got.Rejected {
		t.Fatalf("alerts after the swap = %+v, want silent since T0", got)
	}
	// seen is stale now: the same change again loses.
	if swap(t, s, seen, silent) {
		t.Error("a swap from a stale state won")
	}
	seen = watch(t, s, src, T0)
	both := store.Alerts{Silent: T0, Rejected: true}
	if !swap(t, s, seen, both) {
		t.Fatal("swap to silent and rejected lost")
	}
	if got := watch(t, s, src, T0).Alerts; !got.Silent.Equal(T0) || !got.Rejected {
		t.Errorf("alerts = %+v, want silent since T0 and rejected", got)
	}
	// Back to none: the silence and the rejected flag are cleared.
	if !swap(t, s, watch(t, s, src, T0), store.Alerts{}) {
		t.Fatal("swap to no alerts lost")
	}
	if got := watch(t, s, src, T0).Alerts; got != (store.Alerts{}) {
		t.Errorf("alerts = %+v, want none", got)
	}
	if swap(t, s, seen, store.Alerts{}) {
		t.Error("a swap from the stale silent-and-rejected state won")
	}
}

// A request accepted between the checker's read and its swap makes the
// swap lose: the source is not silent after all.
func trafficSwapLost(t *testing.T, s store.Traffic) {
	src := source(t)
	accepted(t, s, src, T0)
	seen := watch(t, s, src, T0.Add(3*time.Hour))
	accepted(t, s, src, T0.Add(3*time.Hour))
	if swap(t, s, seen, store.Alerts{Silent: T0}) {
		t.Error("silent swap won although a request was accepted since the read")
	}
	if got := watch(t, s, src, T0).Alerts; got != (store.Alerts{}) {
		t.Errorf("alerts = %+v, want none", got)
	}
	// A source never heard from: the first request makes the swap lose.
	quiet := source(t)
	seen = watch(t, s, quiet, T0)
	accepted(t, s, quiet, T0.Add(time.Hour))
	if swap(t, s, seen, store.Alerts{Silent: T0}) {
		t.Error("silent swap of a source never heard from won after its first request")
	}
}

// Checkers racing over one source: each reads, and swaps only if it saw
// no alert. Exactly one sends it.
func trafficRaceSwap(t *testing.T, s store.Traffic) {
	src := source(t)
	accepted(t, s, src, T0)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			st, err := s.Watch(context.Background(), src, T0.Add(3*time.Hour))
			if err != nil {
				t.Error(err)
				return
			}
			if !st.Silent.IsZero() {
				return
			}
			won, err := s.SwapAlerts(context.Background(), st, store.Alerts{Silent: st.LastAccepted})
			if err != nil {
				t.Error(err)
			}
			if won {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d checkers won the swap, want exactly 1", n)
	}
}
