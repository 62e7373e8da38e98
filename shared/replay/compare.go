package replay

import (
	"time"

	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
)

// The baselines: how other helpdesks tell customers when to expect a reply.
const (
	// Intercom-style: the median first reply in office hours over the last
	// 7 days ("the team typically replies in …").
	Median7d = iota
	// Salesforce-style: a moving average of waits, A = 0.9·A′ + 0.1·W,
	// updated with every first reply.
	MovingAverage
	// Zendesk-style: the average wait of recent tickets that arrived at
	// the same queue position.
	ByPosition
	numBaselines
)

// BaselineNames name the baselines in reports, by index.
var BaselineNames = [numBaselines]string{"median 7d", "moving average", "by position"}

// PinballQuantile is the quantile the promises are scored at: the
// estimate's default.
const PinballQuantile = eta.DefaultQuantile

// Score is how one way of promising fared on a trace.
type Score struct {
	Name     string
	Tickets  int
	Kept     int
	KeptRate float64
	// Medians over tickets of the promised and actual wall-clock wait.
	MedianPromise, MedianActual time.Duration
	// Pinball is the mean quantile (pinball) loss at PinballQuantile of the
	// promised wait against the actual, in hours: a promise broken by an
	// hour costs 0.9, one an hour too cautious 0.1. Lower is better, and
	// only the true 0.9-quantile of the wait minimises it.
	Pinball float64
	// LateP50 and LateP90 are how late the broken promises were answered:
	// a promise broken by five minutes is not one broken by a day.
	LateP50, LateP90 time.Duration
}

// Comparison is the estimate, the baselines and the oracle on one trace.
type Comparison struct {
	Estimate  Score
	Baselines [numBaselines]Score
	// Oracle promises each ticket the 0.9-quantile of the actual waits of
	// the tickets that arrived in the same hour: what a p90 promise could
	// at best have said, knowing the future. It is rounded up as every
	// promise is said ("within 2 hours", "by 10:00"). On light load or
	// long-tailed handling even it cannot stay within 2x the median actual.
	Oracle Score
	// Ideal scores Options.Ideal's promises, when given (Tickets is 0
	// otherwise): what an estimator knowing the team could promise.
	Ideal Score
}

// Best returns the baseline with the lowest pinball loss.
func (c Comparison) Best() Score {
	best := c.Baselines[0]
	for _, b := range c.Baselines[1:] {
		if b.Pinball < best.Pinball {
			best = b
		}
	}
	return best
}

// Compare replays events as Run does and scores, on the same tickets, the
// estimate, the three baselines (made from the same history: cold start on
// the target until ten replies, waits in business time laid onto the
// calendar and rounded as the estimate is) and the oracle. Options.Fixed
// is ignored.
func Compare(events []event.Event, o Options) Comparison {
	o.Fixed = 0
	cs := play(events, o, true)
	c := Comparison{Estimate: score("estimate", cs, func(c outcome) time.Time { return c.promise.By })}
	for i := range c.Baselines {
		c.Baselines[i] = score(BaselineNames[i], cs, func(c outcome) time.Time { return c.base[i] })
	}
	// The oracle: tickets grouped by the hour they arrived in, on the
	// team's clock (Truncate alone cuts hours at the UTC hour, at half
	// past in Kolkata).
	hour := func(t time.Time) time.Time {
		lt := t.In(o.Calendar.Location())
		return time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), 0, 0, 0, lt.Location())
	}
	hours := map[time.Time][]time.Duration{}
	for _, c := range cs {
		h := hour(c.start)
		hours[h] = append(hours[h], c.replied.Sub(c.start))
	}
	p90 := map[time.Time]time.Duration{}
	for h, ws := range hours {
		p90[h] = eta.Quantile(ws, PinballQuantile)
	}
	c.Oracle = score("oracle", cs, func(c outcome) time.Time {
		return eta.Round(c.start, c.start.Add(p90[hour(c.start)]), o.Calendar)
	})
	if o.Ideal != nil {
		c.Ideal = score("ideal", cs, func(c outcome) time.Time {
			return eta.Round(c.start, c.start.Add(o.Ideal[c.ticket]), o.Calendar)
		})
	}
	return c
}

func score(name string, cs []outcome, by func(outcome) time.Time) Score {
	s := Score{Name: name, Tickets: len(cs)}
	if len(cs) == 0 {
		return s
	}
	var promises, actuals, late []time.Duration
	for _, c := range cs {
		p, a := by(c).Sub(c.start), c.replied.Sub(c.start)
		promises, actuals = append(promises, p), append(actuals, a)
		s.Pinball += Pinball(PinballQuantile, p, a)
		if a <= p {
			s.Kept++
		} else {
			late = append(late, a-p)
		}
	}
	s.KeptRate = float64(s.Kept) / float64(s.Tickets)
	s.Pinball /= float64(s.Tickets)
	s.MedianPromise, s.MedianActual = eta.Quantile(promises, 0.5), eta.Quantile(actuals, 0.5)
	s.LateP50, s.LateP90 = eta.Quantile(late, 0.5), eta.Quantile(late, 0.9)
	return s
}

// Pinball is the quantile loss at q of predicting p when the outcome was
// a, in hours.
func Pinball(q float64, p, a time.Duration) float64 {
	d := (a - p).Hours()
	if d >= 0 {
		return q * d
	}
	return (q - 1) * d
}

// baseline is the history the baselines promise from, for one queue.
type baseline struct {
	recent []answered // first replies within the last 7 days, oldest first
	avg    time.Duration
	n      int // replies averaged into avg
}

type answered struct {
	at    time.Time
	wait  time.Duration // business time
	ahead int           // tickets waiting when it arrived
}

const (
	baselineWindow     = 7 * 24 * time.Hour
	baselineMinSamples = eta.DefaultMinSamples
	// positionMinSamples is how many tickets at the same position the
	// position average needs; below it, the average of all recent waits.
	positionMinSamples = 3
)

func (b *baseline) answer(at time.Time, wait time.Duration, ahead int) {
	b.recent = append(b.recent, answered{at, wait, ahead})
	if b.n == 0 {
		b.avg = wait
	} else {
		b.avg = time.Duration(0.9*float64(b.avg) + 0.1*float64(wait))
	}
	b.n++
}

// promise returns each baseline's promise for a ticket arriving at now
// with ahead tickets waiting.
func (b *baseline) promise(now time.Time, ahead int, o Options) [numBaselines]time.Time {
	i := 0
	for i < len(b.recent) && now.Sub(b.recent[i].at) > baselineWindow {
		i++
	}
	b.recent = b.recent[i:]
	var waits, same []time.Duration
	var sum, sameSum time.Duration
	for _, r := range b.recent {
		if r.at.After(now) {
			continue
		}
		waits, sum = append(waits, r.wait), sum+r.wait
		if r.ahead == ahead {
			same, sameSum = append(same, r.wait), sameSum+r.wait
		}
	}
	w := [numBaselines]time.Duration{o.Target, o.Target, o.Target}
	if len(waits) >= baselineMinSamples {
		w[Median7d] = eta.Quantile(waits, 0.5)
		w[ByPosition] = sum / time.Duration(len(waits))
		if len(same) >= positionMinSamples {
			w[ByPosition] = sameSum / time.Duration(len(same))
		}
	}
	if b.n >= baselineMinSamples {
		w[MovingAverage] = b.avg
	}
	var out [numBaselines]time.Time
	for i, d := range w {
		out[i] = eta.At(now, o.Calendar, d).By
	}
	return out
}
