// Package eta computes the reply time an acknowledgement promises: from the
// queue's recent first-response times (in business time), the backlog ahead
// of the ticket and recent throughput, laid onto the business calendar and
// rounded up into terms a customer reads at a glance.
//
// The promise is a high quantile (default p90) of what the data supports,
// never earlier: a promise the team keeps is worth more than a fast one it
// breaks. Without enough history it falls back to the policy's target.
package eta

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
)

// Defaults.
const (
	DefaultQuantile   = 0.9
	DefaultMinSamples = 10
)

// Input is what the estimate is made from.
type Input struct {
	Now time.Time
	// Calendar is the team's business calendar; nil means always open.
	Calendar *calendar.Calendar
	// Target is the policy's first-response target, promised while the
	// queue has too little history (cold start).
	Target time.Duration
	// Waits are the queue's recent first-response times, in business time.
	Waits []time.Duration
	// Backlog is how many unanswered tickets are ahead in the queue, and
	// Throughput how many first responses the team gives per business hour
	// lately; together they say how long the queue ahead takes to clear.
	Backlog    int
	Throughput float64
	Quantile   float64 // DefaultQuantile when 0
	MinSamples int     // DefaultMinSamples when 0
}

// Promise is a promised reply time.
type Promise struct {
	// By is the promised instant, rounded up to a time worth saying.
	By time.Time
	// Wait is the business time the estimate allows before rounding.
	Wait time.Duration
	// ColdStart is set when the queue's history was too thin and the
	// policy target was promised.
	ColdStart bool
	// ClosedNow is set when the team is outside its hours; OpensAt is when
	// it is back.
	ClosedNow bool
	OpensAt   time.Time
}

// Estimate returns the promise for a ticket arriving at in.Now.
func Estimate(in Input) Promise {
	q := in.Quantile
	if q <= 0 || q >= 1 {
		q = DefaultQuantile
	}
	minN := in.MinSamples
	if minN <= 0 {
		minN = DefaultMinSamples
	}
	p := Promise{}
	if len(in.Waits) < minN {
		p.Wait, p.ColdStart = in.Target, true
	} else {
		p.Wait = Quantile(in.Waits, q)
		// A backlog larger than usual has to be worked off first. At the
		// recent pace the n tickets up to and including this one take
		// n/Throughput hours on average; their total varies like a sum of n
		// service times, so the q-quantile adds z(q)·√n of them.
		if in.Backlog > 0 && in.Throughput > 0 {
			n := float64(in.Backlog + 1)
			z := math.Sqrt2 * math.Erfinv(2*q-1)
			drain := time.Duration((n + z*math.Sqrt(n)) / in.Throughput * float64(time.Hour))
			p.Wait = max(p.Wait, drain)
		}
	}
	open := in.Calendar.NextOpen(in.Now)
	if open.After(in.Now) {
		p.ClosedNow, p.OpensAt = true, open
	}
	raw := in.Calendar.Add(in.Now, p.Wait)
	if d := raw.Sub(in.Now); within(p.ClosedNow, d) {
		// Said as "within <span>": the promise is exactly that span.
		p.By = in.Now.Add(ceilSpan(d))
	} else {
		// Said as a clock time: the next full hour in the team's zone.
		p.By = roundUp(raw, in.Calendar.Location())
	}
	return p
}

// within reports whether a promise is said as a span rather than a clock
// time: when the team is open and the wait is a few hours at most.
func within(closed bool, d time.Duration) bool { return !closed && d <= 4*time.Hour }

// ceilSpan rounds a wait up to quarter hours up to an hour, whole hours
// beyond.
func ceilSpan(d time.Duration) time.Duration {
	step := time.Hour
	if d <= time.Hour {
		step = 15 * time.Minute
	}
	r := d.Truncate(step)
	if r < d || r == 0 {
		r += step
	}
	return r
}

// Quantile returns the q-quantile of ds by the nearest-rank method rounded
// up, so the promise is never below what the share q of recent tickets got.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// roundUp moves t up to the next full hour of its zone's wall clock (the
// zone's offset may not be whole hours).
func roundUp(t time.Time, loc *time.Location) time.Time {
	local := t.In(loc)
	_, off := local.Zone()
	shift := time.Duration(off) * time.Second
	r := local.Add(shift).Truncate(time.Hour).Add(-shift)
	if r.Before(t) {
		r = r.Add(time.Hour)
	}
	return r
}

// Text says the promise as a customer reads it, relative to now: "within 45
// minutes", "within 3 hours", or "by Tuesday 11:00 (your time)". A known
// customer zone is used for clock times; otherwise the team's, named.
func Text(p Promise, now time.Time, customer, team *time.Location) string {
	if d := p.By.Sub(now); within(p.ClosedNow, d) {
		return "within " + span(d)
	}
	loc, suffix := team, ""
	if customer != nil {
		loc, suffix = customer, " (your time)"
	}
	if loc == nil {
		loc = time.UTC
	}
	by := p.By.In(loc)
	if suffix == "" {
		suffix = " " + by.Format("MST")
	}
	n := now.In(loc)
	day := by.Format("Monday")
	switch {
	case sameDay(by, n):
		day = "today"
	case sameDay(by, n.AddDate(0, 0, 1)):
		day = "tomorrow"
	case by.Sub(n) > 6*24*time.Hour:
		day = by.Format("Monday 2 January")
	}
	return fmt.Sprintf("by %s %s%s", day, by.Format("15:04"), suffix)
}

// OpensText says when a closed team is back, in its posted hours.
func OpensText(p Promise, team *time.Location) string {
	if !p.ClosedNow {
		return ""
	}
	if team == nil {
		team = time.UTC
	}
	return p.OpensAt.In(team).Format("Monday 15:04 MST")
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// span says a promised span, already rounded by ceilSpan: "15 minutes",
// "1 hour", "3 hours".
func span(d time.Duration) string {
	switch d = ceilSpan(d); {
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d == time.Hour:
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}
