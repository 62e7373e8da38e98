package report_test

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

// The figures in docs/reports.md come from
// -report.cost-tickets-per-day=100,500,2000 (180,000 clocks in all); make
// test writes 2 then 4 a day (360 clocks, a few seconds).
var (
	costTicketsPerDay = flag.String("report.cost-tickets-per-day", "2,4",
		"TestNinetyDayCost: tickets a day, as increasing steps; the test tops the history up to each step and runs the report after each")
	costWriters = flag.Int("report.cost-writers", 12, "TestNinetyDayCost: concurrent history writers")
)

// The 90 days of TestNinetyDayCost: 2 Sep – 30 Nov, three month partitions.
var (
	costFirst = time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
	costEnd   = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // excluded
)

// costTicket is one generated first-response clock, with the outcome and
// lateness bucket it was generated to have, so that the expected figures
// do not come from the code under test.
type costTicket struct {
	rec      history.Record
	outcome  history.Outcome
	lateness int // lateness bucket of a breach
}

// costTargets are the first-response targets by priority, and the lateness
// buckets' ranges ([lo, hi)) as docs/reports.md names them.
var (
	costTargets = map[event.Priority]time.Duration{event.Urgent: 15 * time.Minute, event.High: time.Hour,
		event.Normal: 4 * time.Hour, event.Low: 8 * time.Hour}
	costLateness = [][2]time.Duration{{time.Second, 15 * time.Minute}, {15 * time.Minute, time.Hour},
		{time.Hour, 4 * time.Hour}, {4 * time.Hour, 24 * time.Hour}, {24 * time.Hour, 48 * time.Hour}}
)

// costTicketOf generates ticket i of day: the same ticket whatever the step,
// so that topping the history up from n to m tickets a day writes tickets
// n to m−1 and keeps the first n. About 10% breach, with lateness spread
// over the five buckets (a fifth of them unanswered: closed late), 5% are
// solved unanswered in time, the rest are answered in time; response times
// spread from seconds to hours across the four priorities' targets.
func costTicketOf(day, i int) costTicket {
	rng := rand.New(rand.NewPCG(0x5eed, uint64(day)<<32|uint64(i)))
	teams := []string{"billing", "support", "sales", "vip", "ops"}
	channels := []event.Channel{event.Email, event.Chat}
	priorities := []event.Priority{event.Low, event.Normal, event.High, event.Urgent}
	g := rng.IntN(len(teams) * len(channels) * len(priorities))
	p := priorities[g/10]
	start := costFirst.AddDate(0, 0, day).Add(time.Duration(rng.Int64N(int64(20 * time.Hour))))
	r := history.Record{Source: "zendesk", Ticket: fmt.Sprintf("%02d-%05d", day, i), Metric: history.FirstResponse, Policy: "standard",
		Team: teams[g%5], Channel: channels[g/5%2], Priority: p, Started: start, Due: start.Add(costTargets[p])}
	c := costTicket{lateness: -1}
	answered := true
	switch u := rng.Float64(); {
	case u < 0.10:
		c.outcome, c.lateness = history.Breached, rng.IntN(len(costLateness))
		b := costLateness[c.lateness]
		r.Ended = r.Due.Add(b[0] + time.Duration(rng.Int64N(int64(b[1]-b[0]))))
		answered = rng.IntN(5) > 0
	case u < 0.15:
		c.outcome, answered = history.NotNeeded, false
		r.Ended = start.Add(time.Duration(rng.Int64N(int64(costTargets[p]))))
	default:
		c.outcome = history.Met
		r.Ended = start.Add(time.Duration(rng.Int64N(int64(costTargets[p]))))
	}
	r.Measure(nil, answered, 0)
	c.rec = r
	return c
}

// costWrite records the given tickets through store.History.Record with
// writers goroutines and returns how long it took.
func costWrite(t *testing.T, s store.History, cs []costTicket, writers int) time.Duration {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(cs) {
					return
				}
				if changed, err := s.Record(ctx, cs[i].rec); err != nil || !changed {
					t.Errorf("record %s: changed %v, %v", cs[i].rec.ID(), changed, err)
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// costExpected is what a report by team must say, computed from the
// generated outcomes alone.
type costExpected struct {
	byTeam   map[string]*[3]int64 // met, breached, not needed
	lateness [history.LatenessBuckets]int64
	groups   map[string]bool
	breaches []costTicket // in the range, earliest first
}

func costExpect(cs []costTicket) costExpected {
	e := costExpected{byTeam: map[string]*[3]int64{}, groups: map[string]bool{}}
	for _, c := range cs {
		r := c.rec
		if r.Ended.Before(costFirst) || !r.Ended.Before(costEnd) {
			continue // ended after the range: December's partition
		}
		n := e.byTeam[r.Team]
		if n == nil {
			n = &[3]int64{}
			e.byTeam[r.Team] = n
		}
		e.groups[r.Team+"/"+string(r.Channel)+"/"+string(r.Priority)] = true
		switch c.outcome {
		case history.Met:
			n[0]++
		case history.Breached:
			n[1]++
			e.lateness[c.lateness]++
			e.breaches = append(e.breaches, c)
		case history.NotNeeded:
			n[2]++
		}
	}
	slices.SortFunc(e.breaches, func(a, b costTicket) int {
		return cmp.Or(a.rec.Ended.Compare(b.rec.Ended), strings.Compare(a.rec.Ticket, b.rec.Ticket))
	})
	return e
}

func parseSteps(s string) ([]int, error) {
	var steps []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || len(steps) > 0 && n <= steps[len(steps)-1] {
			return nil, fmt.Errorf("-report.cost-tickets-per-day %q: want increasing positive counts, e.g. 100,500,2000", s)
		}
		steps = append(steps, n)
	}
	return steps, nil
}

// TestNinetyDayCost measures a 90-day report by team, channel and priority
// over N tickets a day (5 teams × 2 channels × 4 priorities) on DynamoDB
// Local, for each step N of -report.cost-tickets-per-day: the history is
// written through store.History.Record, then the report runs without and
// with breaches. Its figures must equal counts taken from the generated
// outcomes, its requests must stay within the month partitions' bound at
// every N (they follow days × groups, not tickets), and the breach listing
// must stop at MaxBreaches with the earliest breaches.
func TestNinetyDayCost(t *testing.T) {
	if testing.Short() {
		t.Skip("writes hundreds of clocks to DynamoDB Local")
	}
	steps, err := parseSteps(*costTicketsPerDay)
	if err != nil {
		t.Fatal(err)
	}
	client, table, count := storetest.LocalTable(t)
	ctx := context.Background()
	s, _ := store.NewDynamoDB(client, table, func() time.Time { return now })
	q := report.Query{From: calendar.DateOf(costFirst, time.UTC), To: calendar.Date{Year: 2026, Month: 11, Day: 30},
		By: []report.Dimension{report.Team, report.Channel, report.Priority}}

	var all []costTicket
	written := 0
	for _, perDay := range steps {
		// Top up: tickets written..perDay−1 of every day, interleaved by
		// day so that concurrent writers mostly touch different aggregates.
		var add []costTicket
		for i := written; i < perDay; i++ {
			for day := range 90 {
				add = append(add, costTicketOf(day, i))
			}
		}
		written = perDay
		all = append(all, add...)
		count.Take()
		took := costWrite(t, s, add, *costWriters)
		if t.Failed() {
			t.FailNow()
		}
		n, ops := count.Take()
		t.Logf("%d tickets a day: wrote %d clocks with %d writers in %s: %.0f clocks/s, %d requests %v (%d retried transactions)",
			perDay, len(add), *costWriters, took.Round(time.Millisecond), float64(len(add))/took.Seconds(), n, ops, ops["TransactWriteItems"]-len(add))

		want := costExpect(all)
		// Breaches listed: the default bound, or half of them when there
		// are fewer, so that the listing is cut short at every N.
		limit := min(report.DefaultMaxBreaches, len(want.breaches)/2)
		if limit < 1 {
			t.Fatalf("%d breaches in the range: too few to cut the listing short", len(want.breaches))
		}
		svc := &report.Service{History: s, MaxBreaches: limit}
		for _, breaches := range []bool{false, true} {
			q.Breaches = breaches
			start := time.Now()
			rep, err := svc.Run(ctx, q)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			n, ops := count.Take()
			checkCostReport(t, rep, want, breaches, limit)
			// 90 days × 40 groups is 3,600 aggregates of well under 1 KB:
			// one Query per month, and at most one more page each; the
			// breaches the same over their months, stopping at the limit.
			if maxReq := 3 + 3; ops["Query"] != n || n > maxReq*(1+btoi(breaches)) {
				t.Errorf("%d tickets a day, breaches %v: %d requests %v, want only Query, at most %d", perDay, breaches, n, ops, maxReq*(1+btoi(breaches)))
			}
			t.Logf("%d tickets a day (%d clocks in range, %d rows), breaches %v (%d of %d listed): %d requests %v in %s",
				perDay, sumClocks(want), len(rep.Rows), breaches, len(rep.Breaches), len(want.breaches), n, ops, took.Round(time.Millisecond))
		}
	}
}

func sumClocks(e costExpected) int64 {
	var n int64
	for _, c := range e.byTeam {
		n += c[0] + c[1] + c[2]
	}
	return n
}

func checkCostReport(t *testing.T, rep *report.Report, want costExpected, breaches bool, limit int) {
	t.Helper()
	if len(rep.Rows) != len(want.groups) {
		t.Errorf("%d rows, want %d (the groups with a clock in the range)", len(rep.Rows), len(want.groups))
	}
	got := map[string]*[3]int64{}
	var lateness [history.LatenessBuckets]int64
	for _, row := range rep.Rows {
		team := row.Group[report.Team]
		if got[team] == nil {
			got[team] = &[3]int64{}
		}
		f := row.FirstResponse
		got[team][0] += f.Met
		got[team][1] += f.Breached
		got[team][2] += f.NotNeeded
		for i, l := range []int64{f.BreachesByLateness.Under15m, f.BreachesByLateness.To1h, f.BreachesByLateness.To4h,
			f.BreachesByLateness.To24h, f.BreachesByLateness.Over24h} {
			lateness[i] += l
		}
	}
	for team, w := range want.byTeam {
		if g := got[team]; g == nil || *g != *w {
			t.Errorf("team %s: met, breached, not needed = %v, want %v", team, g, *w)
		}
	}
	if len(got) != len(want.byTeam) {
		t.Errorf("%d teams, want %d", len(got), len(want.byTeam))
	}
	if lateness != want.lateness {
		t.Errorf("breaches by lateness %v, want %v", lateness, want.lateness)
	}
	if !breaches {
		if len(rep.Breaches) != 0 || rep.BreachesTruncated {
			t.Errorf("breaches not asked for: %d listed, truncated %v", len(rep.Breaches), rep.BreachesTruncated)
		}
		return
	}
	if len(rep.Breaches) != limit || !rep.BreachesTruncated {
		t.Fatalf("%d breaches listed (truncated %v) of %d, want the first %d and truncated", len(rep.Breaches), rep.BreachesTruncated, len(want.breaches), limit)
	}
	for i, b := range rep.Breaches {
		if w := want.breaches[i].rec; b.Ticket != w.Ticket || !b.Ended.Equal(w.Ended) {
			t.Fatalf("breach %d: ticket %s ended %s, want %s ended %s (earliest first)", i, b.Ticket, b.Ended, w.Ticket, w.Ended)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
