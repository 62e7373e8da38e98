package replay

import (
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
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
// the same ticket state, queue bookkeeping and estimate production uses:
// each event goes through the SLA engine (sla.Apply), and each ticket it
// touches through promise.Track, as promise.Service.Observe does after a
// webhook. A ticket whose first-response clock starts gets a promise from
// what was known at that instant — earlier first responses, the tickets
// still waiting, the recent pace — and every first reply is checked
// against it. A ticket solved or closed without a reply (spam, a duplicate,
// a customer who found the answer) leaves the backlog then, as it does in
// production, instead of holding up every later promise.
//
// Each source has one queue (production's coarsest, queue.Keys): ticket
// ids are unique per source only.
func Run(events []event.Event, o Options) Result {
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	queues := map[string]*queue.Stats{}
	tickets := map[string]sla.Ticket{}
	promised := map[string]eta.Promise{}
	var promises, actuals []time.Duration
	res := Result{}
	for _, e := range events {
		now := e.OccurredAt
		id := e.Source + "/" + e.TicketID
		t, ok := tickets[id]
		if !ok {
			t = sla.New(e.Source, e.TicketID)
		}
		t, changed, err := sla.Apply(noPolicy{}, t, e)
		if err != nil || !changed {
			continue // ReadTrace validated the events; a repeat changes nothing
		}
		q := queues[e.Source]
		if q == nil {
			q = &queue.Stats{}
			queues[e.Source] = q
		}
		m := t.FirstResponse
		if _, done := promised[id]; !done && m.Running() && !t.AgentCreated {
			// The clock has just started: promise a time, as the
			// acknowledgement does.
			var p eta.Promise
			if o.Fixed > 0 {
				p = eta.Promise{By: m.StartedAt.Add(o.Fixed)}
			} else {
				in := q.Input(t.ID, m.StartedAt, o.Window)
				in.Calendar, in.Target, in.Quantile = o.Calendar, o.Target, o.Quantile
				p = eta.Estimate(in)
				// Recorded as sent, so the reply's residual feeds later
				// estimates; a canned promise has no model to correct.
				t.Ack = &sla.Acknowledgement{SentAt: &now, PromisedBy: p.By, Mean: p.Mean, Spread: p.Spread}
			}
			promised[id] = p
		}
		tickets[id] = t
		if _, answered := promise.Track(q, t, o.Calendar); !answered {
			continue
		}
		p, ok := promised[id]
		if !ok {
			continue
		}
		res.Tickets++
		if !m.RespondedAt.After(p.By) {
			res.Kept++
		}
		promises = append(promises, p.By.Sub(m.StartedAt))
		actuals = append(actuals, m.RespondedAt.Sub(m.StartedAt))
	}
	if res.Tickets > 0 {
		res.KeptRate = float64(res.Kept) / float64(res.Tickets)
		res.MedianPromise, res.MedianActual = eta.Quantile(promises, 0.5), eta.Quantile(actuals, 0.5)
	}
	return res
}

// noPolicy matches no ticket to a policy: the replay needs the engine's
// clocks (started, answered, stopped), not deadlines or alerts, and takes
// its target from Options.
type noPolicy struct{}

func (noPolicy) Match(policy.Ticket) *policy.Policy { return nil }
