package replay

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// Shape describes a support team unlike Scenario's single fast server: a
// number of agents working in parallel, each answering the oldest waiting
// ticket when free, with agents away, surges, weekend cover, long-tailed
// handling times and the noise real streams carry (bot replies, internal
// notes, tickets closed unanswered). The promise's calibration is judged
// over a sweep of shapes (TestPromiseSweep), because a model tuned on one
// generator can fail on the next team.
type Shape struct {
	Name  string
	Start time.Time // first day, midnight in the calendar's zone
	Days  int
	// Calendar is when the team works: a lunch gap or split shifts are
	// gaps in its days; weekend hours are cover (see WeekendAgents).
	Calendar *calendar.Calendar
	// Agents is the team; WeekendAgents of them work the calendar's
	// Saturday and Sunday hours (the others are off).
	Agents, WeekendAgents int
	// ArrivalsPerDay is the mean of new tickets on a weekday; weekends get a
	// quarter. Arrivals follow the same daily curve as Scenario's.
	ArrivalsPerDay float64
	// Handle is an agent's mean handling time for one ticket; exponential,
	// or log-normal with standard deviation LongTail of the log when
	// LongTail > 0 (a few tickets take many times the mean).
	Handle   time.Duration
	LongTail float64
	Surges   []Surge
	Away     []Away
	// ClosedUnanswered is the share of tickets closed at triage without a
	// reply; Bots the share that get an automated public reply at once
	// (not a first response); Notes the share with an internal note
	// before the reply (not a first response either).
	ClosedUnanswered, Bots, Notes float64
	Seed                          uint64
}

// Surge multiplies arrivals on days [Day, Day+Days).
type Surge struct {
	Day, Days int
	Factor    float64
}

// Away takes Agents of the team off on days [Day, Day+Days).
type Away struct{ Day, Days, Agents int }

// Generate returns the shape's trace sorted by time: each ticket's created
// event, a bot reply or internal note for some, and the first public reply
// by the agent who took it (or, for the closed share, its closing).
func (s Shape) Generate() []event.Event { return s.generate(nil) }

// state is the team when a ticket arrives, as an estimator that knows the
// team but not the draws to come would see it: when each agent started the
// ticket in hand (zero when free), and how many earlier tickets wait.
type state struct {
	handling []time.Time
	waiting  int
}

// job is a ticket an agent took: closed ones take no time (reply = start).
type job struct {
	agent        int
	start, reply time.Time
}

// generate is Generate; before each ticket's own draws it calls arrive, if
// set, with the ticket's id, arrival and the team's state then.
func (s Shape) generate(arrive func(id string, at time.Time, st state)) []event.Event {
	r := rand.New(rand.NewPCG(s.Seed, 0x5ba9e))
	loc := s.Calendar.Location()
	day0 := time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day(), 0, 0, 0, 0, loc)
	var arrivals []time.Time
	for d := range s.Days {
		day := day0.AddDate(0, 0, d)
		mean := s.ArrivalsPerDay
		if weekend(day) {
			mean /= 4
		}
		for _, b := range s.Surges {
			if d >= b.Day && d < b.Day+b.Days {
				mean *= b.Factor
			}
		}
		for h := range 24 {
			for range poisson(r, mean*hourly[h]) {
				// Hours by the wall clock: on a DST change day the hour
				// that does not exist lands in the next one.
				at := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, loc).Add(time.Duration(r.Int64N(int64(time.Hour))))
				arrivals = append(arrivals, at.Truncate(time.Second))
			}
		}
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })

	free := make([]time.Time, s.Agents)
	var jobs []job // kept only for arrive
	var out []event.Event
	for n, at := range arrivals {
		id := fmt.Sprintf("%s-%05d", s.Name, n)
		if arrive != nil {
			arrive(id, at, s.stateAt(jobs, at))
		}
		out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-c", Kind: event.TicketCreated,
			OccurredAt: at, Channel: event.Email, Priority: event.Normal, Author: event.Customer})
		if r.Float64() < s.Bots {
			out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-b", Kind: event.AgentReply,
				OccurredAt: at.Add(time.Minute), Author: event.Bot, Public: true})
		}
		agent, start := 0, time.Time{}
		for i := range free {
			if t := s.next(i, later(free[i], at)); start.IsZero() || t.Before(start) {
				agent, start = i, t
			}
		}
		if r.Float64() < s.ClosedUnanswered {
			out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-x", Kind: event.StatusChanged,
				OccurredAt: start, Status: event.Closed, Author: event.Agent})
			if arrive != nil {
				jobs = append(jobs, job{agent, start, start})
			}
			continue
		}
		reply := s.Calendar.Add(start, s.handle(r))
		free[agent] = reply
		if arrive != nil {
			jobs = append(jobs, job{agent, start, reply})
		}
		if r.Float64() < s.Notes {
			out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-n", Kind: event.InternalNote,
				OccurredAt: start, Author: event.Agent})
		}
		out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-r", Kind: event.AgentReply,
			OccurredAt: reply, Author: event.Agent, Public: true})
	}
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out
}

// handle draws one ticket's handling time, in business time: exponential
// with mean Handle, or log-normal with LongTail.
func (s Shape) handle(r *rand.Rand) time.Duration {
	work := r.ExpFloat64()
	if s.LongTail > 0 {
		work = math.Exp(s.LongTail*r.NormFloat64() - s.LongTail*s.LongTail/2)
	}
	return max(time.Duration(work*float64(s.Handle)).Truncate(time.Second), time.Minute)
}

// works reports whether agent i works on the local day of t.
func (s Shape) works(i int, t time.Time) bool {
	lt := t.In(s.Calendar.Location())
	if weekend(lt) && i >= s.WeekendAgents {
		return false
	}
	// Days counted on dates, not hours: a DST day has 23 or 25.
	d := int(time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC).Sub(
		time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day(), 0, 0, 0, 0, time.UTC)).Hours()) / 24
	for _, a := range s.Away {
		// The last agents go away: weekend cover is the first.
		if d >= a.Day && d < a.Day+a.Days && i >= s.Agents-a.Agents {
			return false
		}
	}
	return true
}

// next is when agent i can start work at or after t.
func (s Shape) next(i int, t time.Time) time.Time {
	loc := s.Calendar.Location()
	for range 400 {
		t = s.Calendar.NextOpen(t)
		if s.works(i, t) {
			return t
		}
		lt := t.In(loc)
		t = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
	}
	return t
}

// stateAt is the team at at, from the jobs taken so far (in arrival
// order). An agent takes its tickets in order, so once one of its jobs
// started by at, all its earlier ones did.
func (s Shape) stateAt(jobs []job, at time.Time) state {
	st := state{handling: make([]time.Time, s.Agents)}
	seen := make([]bool, s.Agents)
	left := s.Agents
	for k := len(jobs) - 1; k >= 0 && left > 0; k-- {
		j := jobs[k]
		if j.start.After(at) {
			st.waiting++
			continue
		}
		if seen[j.agent] {
			continue
		}
		seen[j.agent], left = true, left-1
		if j.reply.After(at) {
			st.handling[j.agent] = j.start
		}
	}
	return st
}

func weekend(t time.Time) bool { wd := t.Weekday(); return wd == time.Saturday || wd == time.Sunday }
