package replay

import (
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
	var service []time.Duration // business time per reply while the team was busy
	var lastReply time.Time
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
				Backlog: len(open) - 1, Throughput: pace(service),
			})
			promised[e.TicketID] = p.By
		case e.CountsAsResponse() && open[e.TicketID]:
			delete(open, e.TicketID)
			c := created[e.TicketID]
			// The team was busy with this ticket since the later of its
			// arrival and the previous reply: that is one service time.
			if !lastReply.IsZero() {
				service = append(service, o.Calendar.Elapsed(later(c, lastReply), now))
				if len(service) > 50 {
					service = service[1:]
				}
			}
			lastReply = now
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

// pace is first responses per business hour while busy: the inverse of
// the mean recent service time. Counting idle hours, as replies per hour
// would, underrates a team with little to do.
func pace(service []time.Duration) float64 {
	if len(service) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range service {
		sum += d
	}
	if sum <= 0 {
		return 0
	}
	return float64(len(service)) / (sum.Hours())
}
