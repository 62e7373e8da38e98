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
	"cmp"
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
	// They make the promise while the team's pace is not yet known.
	Waits []time.Duration
	// Backlog is how many unanswered tickets are ahead in the queue.
	Backlog int
	// Leaving is the share of waiting tickets that leave without a first
	// response (closed at triage, solved by the customer): they take no
	// agent's time, so the backlog is worked off as Backlog·(1−Leaving)
	// services. 0 when not known.
	Leaving float64
	// Throughput is how many first responses the team gives per business
	// hour while busy, measured from PaceSamples recent replies.
	Throughput  float64
	PaceSamples int
	// Week is the pace while busy on each weekday (in the calendar's
	// zone, Sunday first), learnt over weeks; 0 where not known. A team
	// that covers its weekend hours with two of its twelve agents answers
	// at a sixth of its weekday pace then, which the recent Throughput
	// (the last few hours) cannot know on a Friday: such days are laid at
	// their own pace (see lay).
	Week [7]float64
	// Residuals are how far recent first responses fell from their
	// predictions, in units of the prediction's spread (see Residual).
	// They widen the margin when the model has lately been optimistic.
	Residuals []float64
	// Errors are the same residuals with where each ticket stood in the
	// queue and when it was answered. When set they replace Residuals:
	// the margin is learnt from tickets at a similar position, recent ones
	// weighing most (see margin).
	Errors     []Error
	Quantile   float64 // DefaultQuantile when 0
	MinSamples int     // DefaultMinSamples when 0
}

// Promise is a promised reply time.
type Promise struct {
	// By is the promised instant, rounded up to a time worth saying.
	By time.Time
	// Wait is the business time the estimate allows before rounding, and
	// Raw the instant it ends: what a predicted breach is judged on, since
	// rounding up is for the customer's reading, not the team's plan.
	Wait time.Duration
	Raw  time.Time
	// Mean and Spread are the queue model's expected business wait and its
	// standard deviation; zero when the promise did not come from the model
	// (cold start, or history alone). Residual compares a reply with them.
	Mean, Spread time.Duration
	// Position is the ticket's place in the queue (Backlog+1) for a
	// promise from the model, 0 otherwise: its residual is learnt per
	// position.
	Position int
	// ColdStart is set when the queue's history was too thin and the
	// policy target was promised.
	ColdStart bool
	// ClosedNow is set when the team is outside its hours; OpensAt is when
	// it is back.
	ClosedNow bool
	OpensAt   time.Time
}

// Estimate returns the promise for a ticket arriving at in.Now.
//
// Agents answer a queue roughly in arrival order, so the wait of a new
// ticket is the time to work off the Backlog tickets ahead of it and itself:
// n = Backlog+1 service times, less the share of the backlog that will
// leave without a reply (Leaving). At the recent pace the mean is n/Throughput;
// the spread combines the variation of n service times (√n of them) with the
// error of a pace measured from m replies (n/√m of them). The promise is
// the mean plus z spreads, z the normal q-quantile or, when the model has
// lately been optimistic, the q-quantile of its recent Residuals: the
// queue's own first-response times decide how much margin is needed.
//
// The n services, and the margin's, are laid onto the calendar day by day
// at the recent pace, or a weekday's own where it differs more than
// twofold (see lay); Mean and Spread are the business time they take.
//
// Until the pace is known from MinSamples replies, the q-quantile of recent
// Waits is promised, and until there are that many, the policy target.
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
	switch {
	case in.Throughput > 0 && in.PaceSamples >= minN:
		n, m := float64(in.Backlog)*(1-min(max(in.Leaving, 0), maxLeaving))+1, float64(in.PaceSamples)
		// In services: n of them expected, give or take sd. Mean and
		// Spread are said in business time, as residuals are measured.
		sd := math.Sqrt(n + n*n/m)
		p.Mean = in.lay(n)
		p.Spread = in.lay(n+sd) - p.Mean
		z := math.Sqrt2 * math.Erfinv(2*q-1)
		switch {
		case len(in.Errors) > 0:
			// A queue that answers a few tickets a day at a position has
			// too little fresh evidence there within a day's half-life:
			// then the residuals are remembered longer, up to four days'
			// half-life, rather than the normal z standing for a model
			// known to be optimistic there (a ticket with nobody ahead
			// waits a whole handling time; kept 72-80% at 2 agents and 8
			// tickets a day).
			for hl := HalfLife; hl <= 4*HalfLife; hl *= 2 {
				if zz, ok := margin(in.Errors, in.Backlog+1, in.Now, q, float64(minN), hl); ok {
					z = max(z, zz)
					break
				}
			}
		case len(in.Residuals) >= minN:
			z = max(z, quantile(in.Residuals, q))
		}
		p.Position = in.Backlog + 1
		p.Wait = max(in.lay(n+z*sd), time.Minute)
	case len(in.Waits) >= minN:
		p.Wait = Quantile(in.Waits, q)
	default:
		p.Wait, p.ColdStart = in.Target, true
	}
	return p.at(in.Now, in.Calendar)
}

// maxLeaving bounds the share of the backlog taken to need no reply: a
// queue whose recent tickets were nearly all closed unanswered (a spam
// wave) still answers the rest.
const maxLeaving = 0.9

// staffed is how many times faster or slower than the recent pace a
// weekday's own pace must be for lay to use it. Nearer, a weekday's figure
// is mostly the noise of last week's surge or absence: used for every day
// it raised the pinball loss of a 20-agent team with a surge by a third.
const staffed = 2.0

// lay returns the business time from in.Now the team needs for work
// services, laid day by day on the calendar: each day at the recent
// Throughput, except a weekday whose own pace (in.Week) is more than
// staffed times faster or slower — weekend hours covered by two agents of
// twelve — which is laid at that pace. Today included: on Saturday the
// recent pace is still Friday's. Without such a day, or a calendar, it is
// work/Throughput.
func (in Input) lay(work float64) time.Duration {
	hour := float64(time.Hour)
	cal, loc := in.Calendar, in.Calendar.Location()
	rate := func(wd time.Weekday) float64 {
		if w := in.Week[wd]; w > 0 && math.Abs(math.Log(w/in.Throughput)) > math.Log(staffed) {
			return w
		}
		return in.Throughput
	}
	same := true
	for wd := range time.Weekday(7) {
		same = same && rate(wd) == in.Throughput
	}
	if cal == nil || same {
		return time.Duration(work / in.Throughput * hour)
	}
	var spent time.Duration
	t := in.Now
	for range 400 {
		lt := t.In(loc)
		end := time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
		open := cal.Elapsed(t, end)
		r := rate(lt.Weekday())
		done := open.Hours() * r
		if done >= work {
			return spent + time.Duration(work/r*hour)
		}
		work, spent, t = work-done, spent+open, end
	}
	return spent + time.Duration(work/in.Throughput*hour)
}

// At lays a business-time wait from now onto the calendar and rounds it as
// Estimate does: the promise any other model of the wait would make, so
// that models compare on what the customer is told.
func At(now time.Time, cal *calendar.Calendar, wait time.Duration) Promise {
	return Promise{Wait: wait}.at(now, cal)
}

func (p Promise) at(now time.Time, cal *calendar.Calendar) Promise {
	open := cal.NextOpen(now)
	if open.After(now) {
		p.ClosedNow, p.OpensAt = true, open
	}
	p.Raw = cal.Add(now, p.Wait)
	p.By = say(now, p.Raw, p.ClosedNow, cal.Location())
	return p
}

// Round returns the instant a promise made at now to answer by raw is
// said as (see Estimate): the oracle a replay compares promises with is
// said so too, or the comparison would measure the phrasing, not the
// model.
func Round(now, raw time.Time, cal *calendar.Calendar) time.Time {
	return say(now, raw, cal.NextOpen(now).After(now), cal.Location())
}

func say(now, raw time.Time, closed bool, loc *time.Location) time.Time {
	if d := raw.Sub(now); within(closed, d) {
		// Said as "within <span>": the promise is exactly that span.
		return now.Add(ceilSpan(d))
	}
	// Said as a clock time: the next full hour in the team's zone.
	return roundUp(raw, loc)
}

// Error is one recent first response's residual (see Residual): Z
// spreads late, for a ticket that was at Position in the queue when
// promised (0 when unknown), answered At.
type Error struct {
	Z        float64
	Position int
	At       time.Time
}

// Margin tuning; see margin.
const (
	// HalfLife is how fast a residual is forgotten: a bad day weighs half
	// as much a day later, a sixteenth four days later.
	HalfLife = 24 * time.Hour
	// positionDecay is the weight of a residual per doubling of position
	// between it and the ticket promised.
	positionDecay = 0.25
)

// margin is the q-quantile of recent residuals, each weighted by how
// recent it is and how near its ticket's position was to position (both
// decaying exponentially: in time by HalfLife, in position by
// positionDecay per doubling). ok is false when the weights add up to
// fewer than minN residuals' worth of evidence (Kish's effective sample
// size), and the normal quantile stands.
//
// Why per position: the model's mean, n/pace, is right for a long queue,
// where the whole team works it off, but a ticket with nobody ahead waits
// one agent's handling time, which for a team of c agents is about c
// times 1/pace. Pooled, the residuals of those tickets (many spreads late)
// set the margin of every promise, and after a quiet spell a surge was
// promised several times what it got. Why decaying: a day with an agent
// away leaves residuals that say nothing about the week after.
func margin(errs []Error, position int, now time.Time, q, minN float64, halfLife time.Duration) (z float64, ok bool) {
	type wz struct{ w, z float64 }
	ws := make([]wz, 0, len(errs))
	var sum, sq float64
	lp := math.Log2(float64(max(position, 1)))
	for _, e := range errs {
		w := math.Exp2(-max(now.Sub(e.At), 0).Hours() / halfLife.Hours())
		if e.Position > 0 {
			w *= math.Pow(positionDecay, math.Abs(math.Log2(float64(e.Position))-lp))
		}
		ws = append(ws, wz{w, e.Z})
		sum, sq = sum+w, sq+w*w
	}
	// Evidence counted absolutely: a fresh residual at the same position
	// weighs 1, so far or old ones cannot stand in for near ones.
	if sum < minN || sum*sum/sq < minN {
		return 0, false
	}
	slices.SortFunc(ws, func(a, b wz) int { return cmp.Compare(a.z, b.z) })
	acc := 0.0
	for _, x := range ws {
		if acc += x.w; acc >= q*sum {
			return x.z, true
		}
	}
	return ws[len(ws)-1].z, true
}

// Residual is how far a first response that took wait (business time) fell
// from the promise's model, in spreads: positive when it took longer than
// expected. ok is false for a promise that did not come from the model.
func Residual(p Promise, wait time.Duration) (r float64, ok bool) {
	if p.Spread <= 0 {
		return 0, false
	}
	return float64(wait-p.Mean) / float64(p.Spread), true
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
	return quantile(ds, q)
}

func quantile[T time.Duration | float64](xs []T, q float64) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
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
