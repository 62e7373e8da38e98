// Package replay generates realistic synthetic helpdesk traces and replays
// traces against the promise estimator on a virtual clock, to measure how
// well promised reply times are kept.
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

// Scenario describes a synthetic support team and its customers.
type Scenario struct {
	Start time.Time // first day, midnight in the calendar's zone
	Days  int
	// Calendar is when agents work; customers write at any hour.
	Calendar *calendar.Calendar
	// ArrivalsPerDay is the mean number of new tickets on a weekday;
	// weekends get a quarter of it. Within a day arrivals follow a daily
	// curve peaking late morning and early afternoon (local time).
	ArrivalsPerDay float64
	// Burst multiplies arrivals on the days [BurstDay, BurstDay+BurstDays).
	BurstDay, BurstDays int
	BurstFactor         float64
	// AgentsPerHour is how many first responses the team gives per open
	// hour; each takes an exponentially distributed time of 60/AgentsPerHour
	// minutes on average.
	AgentsPerHour float64
	Channel       event.Channel
	Seed          uint64
	// ClosedUnanswered is the share of tickets, between 0 and 1, closed
	// without any reply: spam, duplicates, a customer who found the answer.
	// Agents close them at triage, when they reach them in arrival order,
	// taking no service time; each gets a status change to closed instead
	// of a reply.
	ClosedUnanswered float64
}

// hourly is the share of a day's arrivals in each local hour: quiet nights,
// a morning peak and an afternoon peak.
var hourly = func() [24]float64 {
	w := [24]float64{1, 0.5, 0.3, 0.3, 0.4, 0.8, 1.5, 3, 5, 7, 8, 7.5, 6, 6.5, 7, 6.5, 5.5, 4, 3, 2.5, 2.2, 2, 1.6, 1.2}
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}()

// Generate returns the trace: for each ticket, its created event and the
// agent's first public reply (or, for the ClosedUnanswered share, its
// closing), sorted by time. Agents answer in arrival order, only during the
// calendar's hours, at the scenario's pace.
func Generate(s Scenario) []event.Event {
	r := rand.New(rand.NewPCG(s.Seed, 0x5eed))
	closes := rand.New(rand.NewPCG(s.Seed, 0xc105ed))
	loc := s.Calendar.Location()
	var arrivals []time.Time
	for d := range s.Days {
		day := time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day()+d, 0, 0, 0, 0, loc)
		mean := s.ArrivalsPerDay
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			mean /= 4
		}
		if d >= s.BurstDay && d < s.BurstDay+s.BurstDays {
			mean *= s.BurstFactor
		}
		for h := range 24 {
			for range poisson(r, mean*hourly[h]) {
				at := day.Add(time.Duration(h)*time.Hour + time.Duration(r.Int64N(int64(time.Hour))))
				arrivals = append(arrivals, at.Truncate(time.Second))
			}
		}
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })

	var out []event.Event
	free := s.Calendar.NextOpen(s.Start) // when the team can take the next ticket
	for i, at := range arrivals {
		id := fmt.Sprintf("t%05d", i)
		out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-c", Kind: event.TicketCreated,
			OccurredAt: at, Channel: s.Channel, Priority: event.Normal, Author: event.Customer})
		start := s.Calendar.NextOpen(later(free, at))
		// A separate stream decides closures, so that a scenario without
		// any gives the same trace as before the option existed.
		if s.ClosedUnanswered > 0 && closes.Float64() < s.ClosedUnanswered {
			out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-x", Kind: event.StatusChanged,
				OccurredAt: start, Status: event.Closed, Author: event.Agent})
			continue
		}
		work := time.Duration(r.ExpFloat64() * float64(time.Hour) / s.AgentsPerHour).Truncate(time.Second)
		reply := s.Calendar.Add(start, max(work, time.Minute))
		free = reply
		out = append(out, event.Event{Source: "sim", TicketID: id, ID: id + "-r", Kind: event.AgentReply,
			OccurredAt: reply, Author: event.Agent, Public: true})
	}
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// poisson draws from a Poisson distribution with mean m (Knuth's method;
// the means here are small).
func poisson(r *rand.Rand, m float64) int {
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
