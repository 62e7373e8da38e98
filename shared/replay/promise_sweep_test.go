package replay_test

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/replay"
)

var (
	promiseSeeds   = flag.Int("promise-seeds", 3, "seeds per shape in TestPromiseSweep")
	promiseFirst   = flag.Int("promise-first-seed", 1, "TestPromiseSweep's first seed: a change tuned on seeds 1-6 is checked on 7-12")
	promiseTargets = flag.Bool("promise-targets", false, "TestPromiseSweep asserts issue 16's targets, not all met yet")
	promiseIdeal   = flag.Int("promise-ideal", 0, "TestPromiseSweep also scores the ideal estimator (Shape.Ideal) with this many simulations a ticket (200 for the documented table; minutes)")
)

// The targets of issue 16, asserted with -promise-targets; and the
// guards asserted always, which the model meets on every shape and seed
// (docs/acknowledgements.md, "Promise quality": which targets are not met
// yet, and why).
type targets struct {
	minKept, maxKept, vsOracle, vsActual, vsBaseline float64
}

var (
	issueTargets = targets{minKept: 0.90, maxKept: 0.96, vsOracle: 1.25, vsActual: 2, vsBaseline: 0.7}
	// Seeds 1-6 of every shape meet these (worst: kept 88.1% and 96.6%,
	// 2.12x the oracle, 3.56x the median actual, pinball 1.15x the best
	// baseline on light load over seeds 1-3). The pinball guard was 1.1:
	// the margin's longer memory on quiet positions (eta.margin) took
	// light load from 86-92% kept to 93-95% at that price.
	guards = targets{minKept: 0.88, maxKept: 0.97, vsOracle: 2.2, vsActual: 3.75, vsBaseline: 1.2}
)

// hours is a calendar in zone name, open on weekdays in the intervals
// (each "HH-HH" in whole hours) and, with weekend, on Saturday and Sunday
// in those.
func hours(t testing.TB, zone string, weekday, weekendHours []string) *calendar.Calendar {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(spans []string) []calendar.Interval {
		var out []calendar.Interval
		for _, s := range spans {
			var a, b int
			if _, err := fmt.Sscanf(s, "%d-%d", &a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, calendar.Interval{Start: a * 60, End: b * 60})
		}
		return out
	}
	day, we := parse(weekday), parse(weekendHours)
	c, err := calendar.New(loc, calendar.Week{we, day, day, day, day, day, we})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sweepShapes are the team shapes the promise is judged on. Each runs 28
// days from Monday 19 October 2026: New York's clocks fall back on 1
// November, Kolkata's and Tokyo's never change. Loads are set so that the
// team is busy (about 70% of its hours) on an ordinary week.
func sweepShapes(t testing.TB) []replay.Shape {
	ny := hours(t, "America/New_York", []string{"9-17"}, nil)
	nyLunch := hours(t, "America/New_York", []string{"9-12", "13-17"}, nil)
	kolSplit := hours(t, "Asia/Kolkata", []string{"8-12", "16-20"}, nil)
	kol := hours(t, "Asia/Kolkata", []string{"9-17"}, nil)
	tokyoCover := hours(t, "Asia/Tokyo", []string{"9-18"}, []string{"10-16"})
	tokyoLunch := hours(t, "Asia/Tokyo", []string{"9-12", "13-18"}, nil)
	start := func(c *calendar.Calendar) time.Time { return time.Date(2026, 10, 19, 0, 0, 0, 0, c.Location()) }
	shapes := []replay.Shape{
		{Name: "2 agents, NY office", Calendar: ny, Agents: 2, ArrivalsPerDay: 20, Handle: 30 * time.Minute,
			Surges: []replay.Surge{{Day: 15, Days: 2, Factor: 2}}},
		// The issue's trace: a lunch gap, an agent away for two days, and
		// the surge that followed.
		{Name: "3 agents, lunch gap, away, 3x surge", Calendar: nyLunch, Agents: 3, ArrivalsPerDay: 30, Handle: 27 * time.Minute,
			Away: []replay.Away{{Day: 8, Days: 2, Agents: 1}}, Surges: []replay.Surge{{Day: 10, Days: 2, Factor: 3}}},
		{Name: "5 agents, split shifts, Kolkata", Calendar: kolSplit, Agents: 5, ArrivalsPerDay: 40, Handle: 38 * time.Minute,
			Away: []replay.Away{{Day: 3, Days: 1, Agents: 2}}, Surges: []replay.Surge{{Day: 17, Days: 2, Factor: 2}}},
		{Name: "8 agents, closed, bots, notes", Calendar: ny, Agents: 8, ArrivalsPerDay: 50, Handle: 49 * time.Minute,
			ClosedUnanswered: 0.1, Bots: 0.3, Notes: 0.2, Surges: []replay.Surge{{Day: 9, Days: 2, Factor: 2}}},
		{Name: "12 agents, weekend cover, Tokyo", Calendar: tokyoCover, Agents: 12, WeekendAgents: 2, ArrivalsPerDay: 50,
			Handle: 86 * time.Minute, Surges: []replay.Surge{{Day: 15, Days: 2, Factor: 2}}},
		{Name: "20 agents, 4x surge, away, Kolkata", Calendar: kol, Agents: 20, ArrivalsPerDay: 60, Handle: 100 * time.Minute,
			Away: []replay.Away{{Day: 7, Days: 2, Agents: 3}}, Surges: []replay.Surge{{Day: 14, Days: 1, Factor: 4}}},
		{Name: "4 agents, long-tailed handling", Calendar: ny, Agents: 4, ArrivalsPerDay: 30, Handle: 40 * time.Minute,
			LongTail: 1.2, Surges: []replay.Surge{{Day: 10, Days: 2, Factor: 2}}},
		{Name: "6 agents, lunch gap, 3x surge, Tokyo", Calendar: tokyoLunch, Agents: 6, ArrivalsPerDay: 45, Handle: 52 * time.Minute,
			Away: []replay.Away{{Day: 2, Days: 2, Agents: 2}}, Surges: []replay.Surge{{Day: 16, Days: 2, Factor: 3}}},
		{Name: "2 agents, light load, Kolkata", Calendar: kol, Agents: 2, ArrivalsPerDay: 8, Handle: 30 * time.Minute,
			Surges: []replay.Surge{{Day: 8, Days: 1, Factor: 3}}},
	}
	for i := range shapes {
		shapes[i].Start, shapes[i].Days = start(shapes[i].Calendar), 28
	}
	return shapes
}

// sweepRow is one shape's figures over its seeds: the worst seed for each
// target.
type sweepRow struct {
	shape                  string
	seeds, tickets         int
	minKept, maxKept       float64
	maxVsOracle, maxVsAct  float64 // median promise / oracle's, / median actual
	oracleVsAct            float64 // the oracle's worst median promise / median actual
	pinball, best          float64 // pooled over seeds
	bestName               string
	lateP50, lateP90       time.Duration // worst seed
	baselineKept           [3]float64    // pooled
	baselineLate90         [3]time.Duration
	estimateLoss, oracleLo float64
	// The ideal estimator's figures, with -promise-ideal.
	ideal ideals
}

type ideals struct {
	minKept, maxKept      float64
	maxVsOracle, maxVsAct float64
	pinball               float64
}

// TestPromiseSweep replays every shape for several seeds (-promise-seeds,
// 3 by default; 10 for the documented table) and asserts the promise's
// targets on each shape and seed. With -promise-targets, issue 16's: at
// least 90% of promises kept and at most 96% (more is needless caution);
// median promise at most 1.25x the oracle's, and at most 2x the median
// actual wherever the oracle itself is within 2x; over each shape's seeds
// the estimate's pinball loss at q = 0.9 at most 0.7x the best baseline's.
// Not all hold yet; by default the looser guards do, so a change that
// makes promises worse fails make test. The table (go test
// ./shared/replay -run PromiseSweep -v) is the one in
// docs/acknowledgements.md.
func TestPromiseSweep(t *testing.T) {
	want := guards
	if *promiseTargets {
		want = issueTargets
	}
	seeds := *promiseSeeds
	if raceEnabled {
		seeds = 1 // under -race (make test): a tenth of the speed
	}
	shapes := sweepShapes(t)
	ideal := idealPromises(shapes, *promiseFirst, seeds, *promiseIdeal)
	var rows []sweepRow
	for si, sh := range shapes {
		row := sweepRow{shape: sh.Name, minKept: 1}
		row.ideal.minKept = 1
		var bpin [3]float64
		var bkept [3]int
		for i := range seeds {
			seed := *promiseFirst + i
			sh.Seed = uint64(seed)
			c := replay.Compare(sh.Generate(), replay.Options{Calendar: sh.Calendar, Target: 8 * time.Hour, Ideal: ideal[si][i]})
			e, o := c.Estimate, c.Oracle
			vsOracle := float64(e.MedianPromise) / float64(o.MedianPromise)
			vsAct := float64(e.MedianPromise) / float64(e.MedianActual)
			oracleAct := float64(o.MedianPromise) / float64(o.MedianActual)
			t.Logf("%s, seed %d: %d tickets; kept %.1f%%; promise %v = %.2fx oracle %v, %.2fx actual %v; pinball %.3f, best baseline %s %.3f; late p50 %v p90 %v",
				sh.Name, seed, e.Tickets, 100*e.KeptRate, e.MedianPromise.Round(time.Minute), vsOracle, o.MedianPromise.Round(time.Minute),
				vsAct, e.MedianActual.Round(time.Minute), e.Pinball, c.Best().Name, c.Best().Pinball, e.LateP50.Round(time.Minute), e.LateP90.Round(time.Minute))
			if e.Tickets < 100 {
				t.Errorf("%s, seed %d: only %d tickets", sh.Name, seed, e.Tickets)
			}
			if e.KeptRate < want.minKept || e.KeptRate > want.maxKept {
				t.Errorf("%s, seed %d: kept %.1f%%, want %.0f%% to %.0f%%", sh.Name, seed, 100*e.KeptRate, 100*want.minKept, 100*want.maxKept)
			}
			if vsOracle > want.vsOracle {
				t.Errorf("%s, seed %d: median promise %.2fx the oracle's, want <= %.2fx", sh.Name, seed, vsOracle, want.vsOracle)
			}
			if oracleAct <= 2 && vsAct > want.vsActual {
				t.Errorf("%s, seed %d: median promise %.2fx the median actual (the oracle's %.2fx), want <= %.2fx", sh.Name, seed, vsAct, oracleAct, want.vsActual)
			}
			if id := c.Ideal; id.Tickets > 0 {
				t.Logf("%s, seed %d: ideal kept %.1f%%; promise %v = %.2fx oracle, %.2fx actual; pinball %.3f", sh.Name, seed, 100*id.KeptRate,
					id.MedianPromise.Round(time.Minute), float64(id.MedianPromise)/float64(o.MedianPromise), float64(id.MedianPromise)/float64(id.MedianActual), id.Pinball)
				r := &row.ideal
				r.minKept, r.maxKept = min(r.minKept, id.KeptRate), max(r.maxKept, id.KeptRate)
				r.maxVsOracle = max(r.maxVsOracle, float64(id.MedianPromise)/float64(o.MedianPromise))
				r.maxVsAct = max(r.maxVsAct, float64(id.MedianPromise)/float64(id.MedianActual))
				r.pinball += id.Pinball * float64(id.Tickets)
			}
			row.seeds++
			row.tickets += e.Tickets
			row.minKept, row.maxKept = min(row.minKept, e.KeptRate), max(row.maxKept, e.KeptRate)
			row.maxVsOracle, row.maxVsAct, row.oracleVsAct = max(row.maxVsOracle, vsOracle), max(row.maxVsAct, vsAct), max(row.oracleVsAct, oracleAct)
			row.lateP50, row.lateP90 = max(row.lateP50, e.LateP50), max(row.lateP90, e.LateP90)
			n := float64(e.Tickets)
			row.estimateLoss += e.Pinball * n
			row.oracleLo += o.Pinball * n
			for i, b := range c.Baselines {
				bpin[i] += b.Pinball * n
				bkept[i] += b.Kept
				row.baselineLate90[i] = max(row.baselineLate90[i], b.LateP90)
			}
		}
		n := float64(row.tickets)
		row.pinball, row.oracleLo = row.estimateLoss/n, row.oracleLo/n
		row.ideal.pinball /= n
		row.best = -1
		for i := range bpin {
			row.baselineKept[i] = float64(bkept[i]) / n
			if l := bpin[i] / n; row.best < 0 || l < row.best {
				row.best, row.bestName = l, replay.BaselineNames[i]
			}
		}
		if row.pinball > want.vsBaseline*row.best {
			t.Errorf("%s: pinball loss %.3f, best baseline (%s) %.3f: want at most %.2fx", sh.Name, row.pinball, row.bestName, row.best, want.vsBaseline)
		}
		rows = append(rows, row)
	}
	t.Logf("\n%s", sweepTable(rows))
	if *promiseIdeal > 0 {
		t.Logf("\n%s", idealTable(rows))
	}
}

// idealPromises computes Shape.Ideal for every shape and seed from first
// (indexed [shape][seed-first]) with sims simulations a ticket, on every
// core; nil maps when sims is 0.
func idealPromises(shapes []replay.Shape, first, seeds, sims int) [][]map[string]time.Duration {
	out := make([][]map[string]time.Duration, len(shapes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, sh := range shapes {
		out[i] = make([]map[string]time.Duration, seeds)
		for j := range seeds {
			if sims == 0 {
				break
			}
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				s := sh // one copy a goroutine: the shape's seeds run at once
				s.Seed = uint64(first + j)
				out[i][j] = s.Ideal(replay.PinballQuantile, sims)
			})
		}
	}
	wg.Wait()
	return out
}

// idealTable sets the estimate beside the ideal estimator, shape by
// shape: the part of each target that any estimator could meet.
func idealTable(rows []sweepRow) string {
	var b strings.Builder
	b.WriteString("| shape | kept %: estimate / ideal | promise / oracle: estimate / ideal | promise / actual: estimate / ideal | pinball: estimate / ideal / best baseline | ideal / best baseline |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.1f–%.1f / %.1f–%.1f | ≤ %.2f / ≤ %.2f | ≤ %.2f / ≤ %.2f | %.2f / %.2f / %.2f | %.2f |\n",
			r.shape, 100*r.minKept, 100*r.maxKept, 100*r.ideal.minKept, 100*r.ideal.maxKept, r.maxVsOracle, r.ideal.maxVsOracle,
			r.maxVsAct, r.ideal.maxVsAct, r.pinball, r.ideal.pinball, r.best, r.ideal.pinball/r.best)
	}
	return b.String()
}

// sweepTable formats the rows as the Markdown table of
// docs/acknowledgements.md.
func sweepTable(rows []sweepRow) string {
	var b strings.Builder
	b.WriteString("| shape | seeds | tickets | kept % | promise / oracle | promise / actual (oracle's) | pinball: estimate / best baseline | late p50 / p90 | baselines kept % (median 7d, moving avg, by position) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %.1f–%.1f | ≤ %.2f | ≤ %.2f (%.2f) | %.2f / %.2f (%s) = %.2f | %s / %s | %.0f, %.0f, %.0f |\n",
			r.shape, r.seeds, r.tickets, 100*r.minKept, 100*r.maxKept, r.maxVsOracle, r.maxVsAct, r.oracleVsAct,
			r.pinball, r.best, r.bestName, r.pinball/r.best, short(r.lateP50), short(r.lateP90),
			100*r.baselineKept[0], 100*r.baselineKept[1], 100*r.baselineKept[2])
	}
	return b.String()
}

func short(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}
