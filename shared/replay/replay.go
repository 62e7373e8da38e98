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
	// Ideal, for Compare, are promised waits by ticket id (Shape.Ideal),
	// scored beside the estimate and rounded as it is.
	Ideal map[string]time.Duration
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
	res := Result{}
	var promises, actuals []time.Duration
	for _, c := range play(events, o, false) {
		res.Tickets++
		if !c.replied.After(c.promise.By) {
			res.Kept++
		}
		promises = append(promises, c.promise.By.Sub(c.start))
		actuals = append(actuals, c.replied.Sub(c.start))
	}
	if res.Tickets > 0 {
		res.KeptRate = float64(res.Kept) / float64(res.Tickets)
		res.MedianPromise, res.MedianActual = eta.Quantile(promises, 0.5), eta.Quantile(actuals, 0.5)
	}
	return res
}

// outcome is a ticket that was promised a time and answered.
type outcome struct {
	ticket         string
	start, replied time.Time
	promise        eta.Promise
	// base are the baselines' promises (see Compare), when asked for.
	base [numBaselines]time.Time
}

// play replays events as Run describes and returns the promised, answered
// tickets in the order they were answered; with baselines, each also gets
// the baselines' promises, made from the same history.
func play(events []event.Event, o Options, baselines bool) []outcome {
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	queues := map[string]*queue.Stats{}
	bases := map[string]*baseline{}
	tickets := map[string]sla.Ticket{}
	promised := map[string]outcome{}
	ahead := map[string]int{}
	var out []outcome
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
			bases[e.Source] = &baseline{}
		}
		m := t.FirstResponse
		if _, done := promised[id]; !done && m.Running() && !t.AgentCreated {
			// The clock has just started: promise a time, as the
			// acknowledgement does.
			var c outcome
			in := q.Input(t.ID, m.StartedAt, o.Window)
			if o.Fixed > 0 {
				c.promise = eta.Promise{By: m.StartedAt.Add(o.Fixed)}
			} else {
				in.Calendar, in.Target, in.Quantile = o.Calendar, o.Target, o.Quantile
				c.promise = eta.Estimate(in)
				// Recorded as sent, so the reply's residual feeds later
				// estimates; a canned promise has no model to correct.
				t.Ack = &sla.Acknowledgement{SentAt: &now, PromisedBy: c.promise.By, Mean: c.promise.Mean, Spread: c.promise.Spread,
					Position: c.promise.Position}
			}
			if baselines {
				c.base = bases[e.Source].promise(m.StartedAt, in.Backlog, o)
				ahead[id] = in.Backlog
			}
			c.ticket, c.start = e.TicketID, m.StartedAt
			promised[id] = c
		}
		tickets[id] = t
		if _, answered := promise.Track(q, t, o.Calendar); !answered {
			continue
		}
		if baselines {
			bases[e.Source].answer(*m.RespondedAt, o.Calendar.Elapsed(m.StartedAt, *m.RespondedAt), ahead[id])
			delete(ahead, id)
		}
		c, ok := promised[id]
		if !ok {
			continue
		}
		c.replied = *m.RespondedAt
		out = append(out, c)
	}
	return out
}

// noPolicy matches no ticket to a policy: the replay needs the engine's
// clocks (started, answered, stopped), not deadlines or alerts, and takes
// its target from Options.
type noPolicy struct{}

func (noPolicy) Match(policy.Ticket) *policy.Policy { return nil }
