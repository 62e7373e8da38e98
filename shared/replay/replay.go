package replay

import (
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
)

// Options configure a replay.
type Options struct {
	Calendar *calendar.Calendar
	Target   time.Duration // the policy's first-response target: the cold-start promise
	Quantile float64       // eta.DefaultQuantile when 0
	// Window is how far back first-response times count; samples beyond
	// MaxSamples are dropped oldest first.
	Window     time.Duration
	MaxSamples int
	// Fixed, when set, replaces the estimate with a canned promise of this
	// long after creation ("within 24 hours"), for comparison.
	Fixed time.Duration
}

// Result measures how the promises fared.
type Result struct {
	Tickets  int     // tickets with a promise and a reply
	Kept     int     // replied by the promised time
	KeptRate float64 // Kept / Tickets
	// Medians over tickets of the promised and the actual wait, from
	// creation, in wall-clock time (what the customer lives through).
	MedianPromise, MedianActual time.Duration
}

type sample struct {
	at   time.Time
	wait time.Duration // business time
}

// Run replays a trace (sorted by occurred-at) on a virtual clock: every
// new ticket gets a promise from what was known at that instant — earlier
// first responses, the tickets still waiting, the recent pace — and every
// first reply is checked against it.
func Run(events []event.Event, o Options) Result {
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = 200
	}
	created := map[string]time.Time{}
	promised := map[string]time.Time{}
	open := map[string]bool{}
	var window []sample
	var promises, actuals []time.Duration
	res := Result{}
	for _, e := range events {
		now := e.OccurredAt
		switch {
		case e.Kind == event.TicketCreated:
			created[e.TicketID], open[e.TicketID] = now, true
			if o.Fixed > 0 {
				promised[e.TicketID] = now.Add(o.Fixed)
				continue
			}
			// Forget samples that have left the window.
			cut := 0
			for cut < len(window) && now.Sub(window[cut].at) > o.Window {
				cut++
			}
			window = window[cut:]
			waits := make([]time.Duration, len(window))
			for i, s := range window {
				waits[i] = s.wait
			}
			p := eta.Estimate(eta.Input{
				Now: now, Calendar: o.Calendar, Target: o.Target, Waits: waits, Quantile: o.Quantile,
				Backlog: len(open) - 1, Throughput: throughput(window, now, o.Calendar),
			})
			promised[e.TicketID] = p.By
		case e.CountsAsResponse() && open[e.TicketID]:
			delete(open, e.TicketID)
			c := created[e.TicketID]
			window = append(window, sample{at: now, wait: o.Calendar.Elapsed(c, now)})
			if len(window) > o.MaxSamples {
				window = window[len(window)-o.MaxSamples:]
			}
			by, ok := promised[e.TicketID]
			if !ok {
				continue
			}
			res.Tickets++
			if !now.After(by) {
				res.Kept++
			}
			promises = append(promises, by.Sub(c))
			actuals = append(actuals, now.Sub(c))
		}
	}
	if res.Tickets > 0 {
		res.KeptRate = float64(res.Kept) / float64(res.Tickets)
		res.MedianPromise, res.MedianActual = eta.Quantile(promises, 0.5), eta.Quantile(actuals, 0.5)
	}
	return res
}

// throughput is first responses per business hour over the last day of
// business time seen (at least 8 business hours back), from the window.
func throughput(window []sample, now time.Time, cal *calendar.Calendar) float64 {
	if len(window) == 0 {
		return 0
	}
	from := now.Add(-24 * time.Hour)
	for cal.Elapsed(from, now) < 8*time.Hour && now.Sub(from) < 14*24*time.Hour {
		from = from.Add(-24 * time.Hour)
	}
	n := 0
	for _, s := range slices.Backward(window) {
		if s.at.Before(from) {
			break
		}
		n++
	}
	hours := cal.Elapsed(from, now).Hours()
	if hours <= 0 {
		return 0
	}
	return float64(n) / hours
}
