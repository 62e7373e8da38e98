package replay

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/slawatch/slawatch/shared/eta"
)

// Ideal returns, for each ticket of the shape's trace (by ticket id), the
// wall-clock wait an estimator that knows the team would promise: the
// q-quantile of the ticket's wait over sims simulations of the queue from
// the team's state at its arrival — the agents, their rota (lunch gaps,
// days away, weekend cover) and the handling-time distribution all known,
// the draws to come not. Agents answer in arrival order, so tickets
// arriving later cannot change the wait.
//
// It is the best any promise from the queue's state can do on the shape.
// Compare's oracle knows the draws too (each hour's actual waits), and on
// a small team no estimator comes near it: an hour's two or three tickets
// share the same luck.
func (s Shape) Ideal(q float64, sims int) map[string]time.Duration {
	r := rand.New(rand.NewPCG(s.Seed, 0x1dea1))
	out := map[string]time.Duration{}
	waits := make([]time.Duration, sims)
	s.generate(func(id string, at time.Time, st state) {
		for i := range waits {
			waits[i] = s.simulate(r, at, st)
		}
		out[id] = eta.Quantile(waits, q)
	})
	return out
}

// simulate draws one future of the queue from st at at and returns the
// wait of a ticket arriving then, answered (not closed) in its turn.
func (s Shape) simulate(r *rand.Rand, at time.Time, st state) time.Duration {
	start := make([]time.Time, s.Agents) // when each agent can take the next ticket
	for i, began := range st.handling {
		free := at
		if !began.IsZero() {
			free = s.Calendar.Add(at, s.remaining(r, s.Calendar.Elapsed(began, at)))
		}
		start[i] = s.next(i, free)
	}
	first := func() int {
		a := 0
		for i := range start {
			if start[i].Before(start[a]) {
				a = i
			}
		}
		return a
	}
	for range st.waiting {
		a := first()
		if r.Float64() < s.ClosedUnanswered {
			continue // closed at triage: no time taken
		}
		start[a] = s.next(a, s.Calendar.Add(start[a], s.handle(r)))
	}
	a := first()
	return s.Calendar.Add(start[a], s.handle(r)).Sub(at)
}

// remaining draws the rest of a handling time that has run for elapsed
// (business time): for exponential handling, a fresh one (it has no
// memory); for log-normal, one drawn beyond elapsed.
func (s Shape) remaining(r *rand.Rand, elapsed time.Duration) time.Duration {
	if s.LongTail <= 0 {
		return s.handle(r)
	}
	// log(work) is normal with mean mu and deviation LongTail; draw it
	// above log(elapsed/Handle) by inverting the normal CDF on (Φ(z0), 1).
	sigma := s.LongTail
	mu := -sigma * sigma / 2
	z0 := (math.Log(max(float64(elapsed), 1)/float64(s.Handle)) - mu) / sigma
	lo := 0.5 * math.Erfc(-z0/math.Sqrt2)
	u := lo + (1-lo)*r.Float64()
	if u >= 1 {
		return time.Minute
	}
	z := math.Sqrt2 * math.Erfinv(2*u-1)
	total := time.Duration(math.Exp(mu+sigma*z) * float64(s.Handle))
	return max(total-elapsed, time.Minute)
}
