package replay

import (
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/queue"
)

// Options configure a replay.
type Options struct {
	Calendar *calendar.Calendar
	Target   time.Duration // the policy's first-response target: the cold-start promise
	Quantile float64       // eta.DefaultQuantile when 0
	// Window is how far back first-response times count (default 7 days);
	// at most queue.MaxReplies of them are kept.
	Window time.Duration
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

// Run replays a trace (sorted by occurred-at) on a virtual clock through
// the same queue state and estimate production uses: every new ticket gets
// a promise from what was known at that instant — earlier first responses,
// the tickets still waiting, the recent pace — and every first reply is
// checked against it.
func Run(events []event.Event, o Options) Result {
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	var q queue.Stats
	created := map[string]time.Time{}
	promised := map[string]eta.Promise{}
	var promises, actuals []time.Duration
	res := Result{}
	for _, e := range events {
		now := e.OccurredAt
		id := e.Source + "/" + e.TicketID // ticket ids are unique per source
		switch {
		case e.Kind == event.TicketCreated:
			if _, seen := created[id]; seen {
				continue
			}
			created[id] = now
			if o.Fixed > 0 {
				promised[id] = eta.Promise{By: now.Add(o.Fixed)}
			} else {
				in := q.Input(id, now, o.Window)
				in.Calendar, in.Target, in.Quantile = o.Calendar, o.Target, o.Quantile
				promised[id] = eta.Estimate(in)
			}
			q.Arrive(id, now)
		case e.CountsAsResponse():
			c, ok := created[id]
			if !ok {
				continue
			}
			p := promised[id]
			var pp *eta.Promise
			if o.Fixed == 0 {
				pp = &p
			}
			if !q.Answer(queue.Answer{Ticket: id, Started: c, At: now, Calendar: o.Calendar, Promise: pp}) {
				continue
			}
			res.Tickets++
			if !now.After(p.By) {
				res.Kept++
			}
			promises = append(promises, p.By.Sub(c))
			actuals = append(actuals, now.Sub(c))
		}
	}
	if res.Tickets > 0 {
		res.KeptRate = float64(res.Kept) / float64(res.Tickets)
		res.MedianPromise, res.MedianActual = eta.Quantile(promises, 0.5), eta.Quantile(actuals, 0.5)
	}
	return res
}
