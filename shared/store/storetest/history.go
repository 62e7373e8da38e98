package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/store"
)

// OpenHistory returns a store for one test whose clock is now and whose
// records are kept for retention (0: store.DefaultRetention). Records use
// fresh source names, so stores may share one table; the suite reads only
// its own sources back.
type OpenHistory func(t *testing.T, now func() time.Time, retention time.Duration) store.History

// RunHistory runs the contract suite of store.History.
func RunHistory(t *testing.T, open OpenHistory) {
	fixed := func(t *testing.T) store.History { return open(t, func() time.Time { return T0.Add(time.Hour) }, 0) }
	t.Run("RecordedOnce", func(t *testing.T) { historyOnce(t, fixed(t)) })
	t.Run("ChangeSaysAddedOrRevised", func(t *testing.T) { historyChange(t, fixed(t)) })
	t.Run("RevisionMovesTheAggregate", func(t *testing.T) { historyRevision(t, fixed(t)) })
	t.Run("StaleRevisionIgnored", func(t *testing.T) { historyStale(t, fixed(t)) })
	t.Run("InvalidRecordRefused", func(t *testing.T) { historyInvalid(t, fixed(t)) })
	t.Run("ConcurrentOneClock", func(t *testing.T) { historyRaceClock(t, fixed(t)) })
	t.Run("ConcurrentOneAggregate", func(t *testing.T) { historyRaceDay(t, fixed(t)) })
	t.Run("Retention", func(t *testing.T) { historyRetention(t, open) })
	t.Run("RangeEdges", func(t *testing.T) { historyEdges(t, fixed(t)) })
	t.Run("PromiseCountedNotABreach", func(t *testing.T) { historyPromise(t, fixed(t)) })
}

// clock returns a record of a first-response (cycle 0) or next-reply clock
// of a one-hour target that started at start and was answered after took.
func clock(src, ticket string, cycle int, start time.Time, took time.Duration) history.Record {
	r := history.Record{Source: src, Ticket: ticket, Metric: history.FirstResponse, Cycle: cycle, Policy: "hour",
		Team: "billing", Channel: event.Email, Priority: event.Normal,
		Started: start, Due: start.Add(time.Hour), Ended: start.Add(took), URL: "https://example.test/" + ticket}
	if cycle > 0 {
		r.Metric = history.NextReply
	}
	r.Measure(nil, true, 0)
	return r
}

// daysOf returns the aggregates of src in [from, to].
func daysOf(t *testing.T, h store.History, src string, from, to calendar.Date) []history.Day {
	t.Helper()
	all, err := h.Days(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []history.Day
	for _, d := range all {
		if d.Group.Source == src {
			out = append(out, d)
		}
	}
	return out
}

func breachesOf(t *testing.T, h store.History, src string, from, to time.Time) []history.Record {
	t.Helper()
	all, err := h.Breaches(context.Background(), from, to, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []history.Record
	for _, r := range all {
		if r.Source == src {
			out = append(out, r)
		}
	}
	return out
}

// want is the aggregate a store must hold for rs, built with history.Day.
func want(rs ...history.Record) history.Day {
	d := history.DayOf(rs[0])
	for _, r := range rs {
		d.Add(r)
	}
	return d
}

func date(t time.Time) calendar.Date { return calendar.DateOf(t, time.UTC) }

func sameDays(t *testing.T, what string, got []history.Day, want ...history.Day) {
	t.Helper()
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("%s: days\n got %+v\nwant %+v", what, got, want)
	}
}

func record(t *testing.T, h store.History, r history.Record, wantChanged bool) {
	t.Helper()
	changed, err := h.Record(context.Background(), r)
	if err != nil {
		t.Fatalf("Record %s: %v", r.ID(), err)
	}
	if changed != wantChanged {
		t.Errorf("Record %s: changed = %v, want %v", r.ID(), changed, wantChanged)
	}
}

func historyOnce(t *testing.T, h store.History) {
	src := source(t)
	met := clock(src, "1", 0, T0, 10*time.Minute)
	late := clock(src, "2", 0, T0, 90*time.Minute)
	record(t, h, met, true)
	record(t, h, late, true)
	// Redelivered, and the same clock built in another zone: no change.
	record(t, h, met, false)
	ny := late
	ny.Started, ny.Due, ny.Ended = late.Started.In(time.FixedZone("x", -5*3600)), late.Due.In(time.FixedZone("x", -5*3600)), late.Ended.In(time.FixedZone("x", -5*3600))
	record(t, h, ny, false)

	sameDays(t, "two clocks", daysOf(t, h, src, date(T0), date(T0)), want(met, late))
	got := breachesOf(t, h, src, T0, T0.Add(24*time.Hour))
	if len(got) != 1 || got[0] != late.UTC() {
		t.Errorf("breaches = %+v, want the late clock %+v", got, late.UTC())
	}
}

// RecordChange tells a new clock from a revised one, and both from a
// repeat or a stale revision, which change nothing.
func historyChange(t *testing.T, h store.History) {
	src := source(t)
	v1 := clock(src, "1", 0, T0, 2*time.Hour)
	v2 := clock(src, "1", 0, T0, 20*time.Minute)
	v2.Revision = 2
	stale := v1
	stale.Revision = 1
	for i, step := range []struct {
		r    history.Record
		want store.Change
	}{{v1, store.Added}, {v1, store.Unchanged}, {v2, store.Revised}, {v2, store.Unchanged}, {stale, store.Unchanged}} {
		got, err := h.RecordChange(context.Background(), step.r)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got != step.want {
			t.Errorf("step %d: RecordChange = %v, want %v", i, got, step.want)
		}
	}
	sameDays(t, "after the revision", daysOf(t, h, src, date(T0), date(T0)), want(v2))
}

func historyRevision(t *testing.T, h store.History) {
	src := source(t)
	// First seen breached; reordered events then show an earlier reply.
	v1 := clock(src, "1", 1, T0, 2*time.Hour)
	v2 := clock(src, "1", 1, T0, 20*time.Minute)
	v2.Revision = 1
	other := clock(src, "2", 1, T0, 5*time.Minute)
	record(t, h, other, true)
	record(t, h, v1, true)
	record(t, h, v2, true)
	sameDays(t, "after revision", daysOf(t, h, src, date(T0), date(T0)), want(other, v2))
	if got := breachesOf(t, h, src, T0, T0.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("breaches after the revision to met: %+v", got)
	}

	// A revision that moves the clock to the next day (and breaches it)
	// leaves the first day with the other clock only.
	v3 := clock(src, "1", 1, T0.Add(15*time.Hour), 2*time.Hour) // ends 02:00 the next day
	v3.Revision = 2
	record(t, h, v3, true)
	next := date(T0.Add(24 * time.Hour))
	sameDays(t, "moved to the next day", daysOf(t, h, src, date(T0), next), want(other), want(v3))
	if got := breachesOf(t, h, src, T0, T0.Add(48*time.Hour)); len(got) != 1 || got[0] != v3.UTC() {
		t.Errorf("breaches after the move = %+v, want v3", got)
	}
	// A revision that changes only the link moves no count.
	v4 := v3
	v4.URL, v4.Revision = "https://example.test/moved", 3
	record(t, h, v4, true)
	sameDays(t, "link changed", daysOf(t, h, src, date(T0), next), want(other), want(v4))
	if got := breachesOf(t, h, src, T0, T0.Add(48*time.Hour)); len(got) != 1 || got[0].URL != v4.URL {
		t.Errorf("breaches after the new link = %+v, want v4's link", got)
	}
}

func historyStale(t *testing.T, h store.History) {
	src := source(t)
	newer := clock(src, "1", 0, T0, 2*time.Hour)
	newer.Revision = 5
	older := clock(src, "1", 0, T0, 30*time.Minute)
	older.Revision = 4
	record(t, h, newer, true)
	record(t, h, older, false) // derived from an older ticket state, written last
	sameDays(t, "stale revision", daysOf(t, h, src, date(T0), date(T0)), want(newer))
}

func historyInvalid(t *testing.T, h store.History) {
	src := source(t)
	bad := clock(src, "1", 0, T0, 2*time.Hour)
	bad.Outcome = history.Met // ended after due
	if _, err := h.Record(context.Background(), bad); err == nil {
		t.Error("an inconsistent record was accepted")
	}
	if got := daysOf(t, h, src, date(T0), date(T0)); len(got) != 0 {
		t.Errorf("a refused record was counted: %+v", got)
	}
}

// historyRaceClock races 16 goroutines on one clock: each writes the clock's
// first and second version, twice, in its own order. The store must end
// with the second version counted once, and report exactly one change to
// each version's first writer at most.
func historyRaceClock(t *testing.T, h store.History) {
	src := source(t)
	v1 := clock(src, "1", 0, T0, 2*time.Hour) // breached
	v2 := clock(src, "1", 0, T0, 40*time.Minute)
	v2.Revision = 1
	var changes atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := []history.Record{v1, v2, v1, v2}
			if g%2 == 1 {
				order = []history.Record{v2, v1, v2, v1}
			}
			for _, r := range order {
				changed, err := h.Record(context.Background(), r)
				if err != nil {
					errs <- err
				}
				if changed {
					changes.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// v1 can be stored at most once (before v2), v2 once.
	if n := changes.Load(); n < 1 || n > 2 {
		t.Errorf("%d writes reported a change, want 1 or 2", n)
	}
	sameDays(t, "raced clock", daysOf(t, h, src, date(T0), date(T0)), want(v2))
	if got := breachesOf(t, h, src, T0, T0.Add(24*time.Hour)); len(got) != 0 {
		t.Errorf("breach item of the superseded version left: %+v", got)
	}
}

// historyRaceDay races 24 clocks of one group and day, each recorded twice
// by two goroutines: every one is counted exactly once.
func historyRaceDay(t *testing.T, h store.History) {
	src := source(t)
	rng := rand.New(rand.NewPCG(13, 1))
	var rs []history.Record
	for i := range 24 {
		rs = append(rs, clock(src, fmt.Sprint(i), 0, T0.Add(time.Duration(i)*time.Minute), time.Duration(1+rng.IntN(150))*time.Minute))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(rs))
	for range 2 {
		for _, i := range rng.Perm(len(rs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.Record(context.Background(), rs[i]); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w := want(rs...)
	sameDays(t, "raced day", daysOf(t, h, src, date(T0), date(T0)), w)
	if got := breachesOf(t, h, src, T0, T0.Add(24*time.Hour)); int64(len(got)) != w.Breached {
		t.Errorf("%d breach records, want %d", len(got), w.Breached)
	}
}

func historyRetention(t *testing.T, open OpenHistory) {
	const day = 24 * time.Hour
	for _, retention := range []time.Duration{0, 30 * day} {
		keep := retention
		if keep == 0 {
			keep = store.DefaultRetention
		}
		var now atomic.Int64
		at := func(d time.Duration) { now.Store(T0.Add(d).UnixNano()) }
		at(0)
		h := open(t, func() time.Time { return time.Unix(0, now.Load()) }, retention)
		src := source(t)
		r := clock(src, "1", 0, T0.Add(-2*time.Hour), 90*time.Minute) // ended T0−30m, breached
		at(0)
		record(t, h, r, true)
		span := func() []history.Record { return breachesOf(t, h, src, T0.Add(-day), T0) }

		at(keep - time.Hour) // expires at T0−30m+keep
		if got := span(); len(got) != 1 {
			t.Errorf("retention %s: %d breaches just before expiry, want 1", keep, len(got))
		}
		at(keep)
		if got := span(); len(got) != 0 {
			t.Errorf("retention %s: %d breaches after expiry, want 0", keep, len(got))
		}
		// Recording it again, or a revision, now could count it twice once
		// TTL has deleted the record: refused.
		rev := r
		rev.Revision, rev.URL = 1, "https://example.test/late"
		for _, x := range []history.Record{r, rev} {
			if _, err := h.Record(context.Background(), x); !errors.Is(err, store.ErrExpired) {
				t.Errorf("retention %s: recording an expired clock: %v, want ErrExpired", keep, err)
			}
		}
		// The aggregates outlive the records.
		sameDays(t, "after expiry", daysOf(t, h, src, date(r.Ended), date(r.Ended)), want(r))
	}
}

// historyEdges records clocks ending on both sides of month boundaries
// (the DynamoDB store partitions by month) and reads ranges edge to edge.
func historyEdges(t *testing.T, h store.History) {
	src := source(t)
	end := func(ticket string, at time.Time) history.Record {
		return clock(src, ticket, 0, at.Add(-2*time.Hour), 2*time.Hour) // breached, ends at at
	}
	dec1 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	jan1 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	a := end("a", dec1.Add(-time.Millisecond)) // 30 Nov
	b := end("b", dec1)                        // 1 Dec
	c := end("c", jan1.Add(-time.Second))      // 31 Dec
	d := end("d", jan1)                        // 1 Jan
	for _, r := range []history.Record{d, b, c, a} {
		record(t, h, r, true)
	}
	nov30, dec31 := date(a.Ended), date(c.Ended)
	sameDays(t, "December", daysOf(t, h, src, date(dec1), dec31), want(b), want(c))
	sameDays(t, "three months", daysOf(t, h, src, nov30, date(jan1)), want(a), want(b), want(c), want(d))
	sameDays(t, "one day", daysOf(t, h, src, dec31, dec31), want(c))
	sameDays(t, "backwards", daysOf(t, h, src, dec31, date(dec1)))

	ids := func(rs []history.Record) (s string) {
		for _, r := range rs {
			s += r.Ticket
		}
		return s
	}
	for _, tt := range []struct {
		from, to time.Time
		want     string
	}{
		{dec1, jan1, "bc"},
		{a.Ended, dec1, "a"},
		{a.Ended, jan1.Add(time.Nanosecond), "abcd"},
		{dec1.Add(time.Nanosecond), jan1, "c"},
		{jan1, jan1, ""},
	} {
		if got := ids(breachesOf(t, h, src, tt.from, tt.to)); got != tt.want {
			t.Errorf("breaches in [%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	// The limit keeps the earliest.
	all, err := h.Breaches(context.Background(), a.Ended, jan1.Add(time.Second), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID() != a.ID() || all[1].ID() != b.ID() {
		t.Errorf("limit 2: %d breaches %+v", len(all), all)
	}
}

// promised returns the record of a promise sent at sent, of a reply within
// an hour, answered after took: kept within the hour, broken after it.
func promised(src, ticket string, sent time.Time, took time.Duration) history.Record {
	r := clock(src, ticket, 0, sent, took)
	r.Metric = history.Promise
	return r
}

// A broken promise counts in its day's aggregate (the kept-rate is read
// from there) but is no SLA breach: Breaches does not list it, whether it
// was broken from the start or a revision broke it.
func historyPromise(t *testing.T, h store.History) {
	src := source(t)
	breach := clock(src, "1", 0, T0, 2*time.Hour) // the SLA missed by 1h
	broken := promised(src, "1", T0, 2*time.Hour) // and the promise by 1h
	kept := promised(src, "2", T0, 30*time.Minute)
	for _, r := range []history.Record{breach, broken, kept} {
		record(t, h, r, true)
	}
	end := T0.Add(24 * time.Hour)
	check := func(what string, met, broken int64, late [history.LatenessBuckets]int64, lateBy time.Duration) {
		t.Helper()
		if got := breachesOf(t, h, src, T0, end); len(got) != 1 || got[0] != breach.UTC() {
			t.Errorf("%s: breaches %+v, want the first response's only", what, got)
		}
		days := daysOf(t, h, src, date(T0), date(T0))
		if len(days) != 2 || days[0].Group.Metric != history.FirstResponse || days[1].Group.Metric != history.Promise {
			t.Fatalf("%s: days %+v, want a first-response and a promise aggregate", what, days)
		}
		if fr := days[0]; fr.Met != 0 || fr.Breached != 1 {
			t.Errorf("%s: first response met %d breached %d, want 0 1", what, fr.Met, fr.Breached)
		}
		p := days[1]
		if p.Met != met || p.Breached != broken || p.NotNeeded != 0 || p.Lateness != late || p.LateBy != lateBy {
			t.Errorf("%s: promises kept %d broken %d lateness %v late by %s, want %d %d %v %s",
				what, p.Met, p.Breached, p.Lateness, p.LateBy, met, broken, late, lateBy)
		}
	}
	// Broken by 1h: the [1h, 4h) lateness bucket.
	check("recorded", 1, 1, [history.LatenessBuckets]int64{2: 1}, time.Hour)

	// The kept promise revised to broken by 2h (a reply found later).
	late := promised(src, "2", T0, 3*time.Hour)
	late.Revision = 2
	record(t, h, late, true)
	check("a kept promise revised to broken", 0, 2, [history.LatenessBuckets]int64{2: 2}, 3*time.Hour)

	// And the first broken one revised to kept.
	back := promised(src, "1", T0, 10*time.Minute)
	back.Revision = 2
	record(t, h, back, true)
	check("a broken promise revised to kept", 1, 1, [history.LatenessBuckets]int64{2: 1}, 2*time.Hour)
}
