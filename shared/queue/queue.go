// Package queue keeps a support queue's recent history — the tickets still
// waiting for a first response and the last first responses — as the small
// state the reply-time estimate (package eta) needs, updated one ticket
// event at a time.
//
// Every update names its ticket, so applying one twice changes nothing:
// helpdesks redeliver webhooks, and a queue's stats are updated after the
// ticket's, outside its transaction.
package queue

import (
	"maps"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/event"
)

// Limits on the state kept per queue, so that it fits one DynamoDB item
// (400 KB) with room to spare.
const (
	MaxReplies = 200  // first responses kept, newest
	MaxOpen    = 5000 // waiting tickets tracked; beyond, the oldest are forgotten
	// MaxPaceSamples is how many recent service times set the pace.
	MaxPaceSamples = 50
	// DefaultWindow is how far back replies count in estimates and reports.
	DefaultWindow = 7 * 24 * time.Hour
	// StaleOpen is how long a waiting ticket counts in the backlog: one
	// whose answer never reached slawatch must not inflate it for ever.
	StaleOpen = 30 * 24 * time.Hour
)

// Key names a queue: a source, and optionally a channel and a priority.
// Estimates use the finest queue with enough history (see Keys).
type Key struct {
	Source   string
	Channel  event.Channel
	Priority event.Priority
}

// String is the queue's name in reports and storage: "zendesk/chat/high",
// "zendesk/chat", "zendesk".
func (k Key) String() string {
	s := k.Source
	if k.Channel == "" && k.Priority != "" {
		k.Channel = "any"
	}
	if k.Channel != "" {
		s += "/" + string(k.Channel)
		if k.Priority != "" {
			s += "/" + string(k.Priority)
		}
	}
	return s
}

// Keys returns the queues a ticket belongs to, finest first: source +
// channel + priority, source + channel, source. Unknown channel or priority
// count as "any".
func Keys(source string, ch event.Channel, pr event.Priority) []Key {
	if ch == "" {
		ch = "any"
	}
	if pr == "" {
		pr = "any"
	}
	return []Key{{source, ch, pr}, {source, ch, ""}, {source, "", ""}}
}

// Stats is a queue's recent history. The zero value is an empty queue.
type Stats struct {
	// Open maps each ticket waiting for its first response to when its
	// clock started.
	Open map[string]time.Time `json:"open,omitempty"`
	// Replies are the recent first responses, in the order they came.
	Replies []Reply `json:"replies,omitempty"`
	// LastReply is the latest first response: the end of the team's last
	// service, from which the next one is measured.
	LastReply time.Time `json:"last_reply,omitzero"`
	// Week is the pace on each weekday of the calendar's zone (see
	// eta.Input.Week): recent replies last only a few days on a busy
	// queue, so a weekend staffed by a few agents is forgotten by Friday.
	Week [7]DayPace `json:"-"` // stored by MarshalJSON
	// Left is how many recent tickets left the queue without a first
	// response (Drop: closed or solved unanswered, spam, a duplicate) and
	// Ended how many left it at all, answered or not; both decayed by
	// leaveDecay per ticket, so about the last leaveMemory count. Their
	// ratio is the share of the backlog that will take no agent's time
	// (eta.Input.Leaving).
	Left, Ended float64 `json:"-"` // stored by MarshalJSON
}

// DayPace is one weekday's service times, each decayed by weekDecay per
// later service on that weekday: about the last weekMemory of them count.
type DayPace struct {
	N    float64       // services, decayed
	Busy time.Duration // their business time, decayed
}

const (
	leaveMemory = 200
	leaveDecay  = 1 - 1.0/leaveMemory
	// leaveMinSamples is how many tickets must have ended for the share
	// that left unanswered to count.
	leaveMinSamples = 20
)

// ended counts a ticket leaving the queue, left when without a reply.
func (s *Stats) ended(left bool) {
	s.Left, s.Ended = s.Left*leaveDecay, s.Ended*leaveDecay+1
	if left {
		s.Left++
	}
}

const (
	weekMemory = 60
	weekDecay  = 1 - 1.0/weekMemory
	// weekMinSamples is the evidence a weekday's pace needs to be used.
	weekMinSamples = 5
)

// Reply is one first response.
type Reply struct {
	Ticket string    `json:"ticket"`
	At     time.Time `json:"at"`
	// Wait is the first-response time in business time.
	Wait time.Duration `json:"wait"`
	// Service is the business time the team was busy with this ticket:
	// since the later of its arrival and the previous reply. Zero when
	// unknown (the first reply seen, or one delivered out of order).
	Service time.Duration `json:"service,omitempty"`
	// Residual is the estimate's error for this ticket, in spreads (see
	// eta.Residual); nil when its promise did not come from the model.
	Residual *float64 `json:"residual,omitempty"`
	// Position is the ticket's place in the queue when it was promised, for
	// a promise from the model (see eta.Error); 0 when unknown.
	Position int `json:"position,omitempty"`
	// Promised is set when the customer was promised a time; Kept when the
	// reply came by it.
	Promised bool `json:"promised,omitempty"`
	Kept     bool `json:"kept,omitempty"`
}

// Arrive records a ticket now waiting for its first response since at. It
// reports whether the stats changed. A ticket answered so long ago that its
// reply is no longer kept would count as waiting again: callers arrive a
// ticket only while its first-response clock runs.
func (s *Stats) Arrive(ticket string, at time.Time) bool {
	if _, ok := s.Open[ticket]; ok || s.answered(ticket) {
		return false
	}
	s.Open = maps.Clone(s.Open)
	if s.Open == nil {
		s.Open = map[string]time.Time{}
	}
	s.Open[ticket] = at
	s.prune(at)
	return true
}

// Answer is a ticket's first response.
type Answer struct {
	Ticket  string
	Started time.Time // when its first-response clock started
	At      time.Time
	// Calendar measures waits and service times; nil is calendar time.
	Calendar *calendar.Calendar
	// Promise is what the customer was promised, if anything.
	Promise *eta.Promise
}

// Answer records a first response. It reports whether the stats changed:
// not for a ticket already answered, nor for a reply older than every reply
// kept once MaxReplies are — it would be dropped at once, and it may be one
// already counted whose record has aged out.
func (s *Stats) Answer(a Answer) bool {
	if s.answered(a.Ticket) {
		return false
	}
	if len(s.Replies) >= MaxReplies && !slices.ContainsFunc(s.Replies, func(r Reply) bool { return !r.At.After(a.At) }) {
		return false
	}
	if _, ok := s.Open[a.Ticket]; ok {
		s.Open = maps.Clone(s.Open)
		delete(s.Open, a.Ticket)
	}
	r := Reply{Ticket: a.Ticket, At: a.At, Wait: a.Calendar.Elapsed(a.Started, a.At)}
	if !s.LastReply.IsZero() && a.At.After(s.LastReply) {
		r.Service = a.Calendar.Elapsed(later(a.Started, s.LastReply), a.At)
	}
	if r.Service > 0 {
		d := &s.Week[a.At.In(a.Calendar.Location()).Weekday()]
		d.N, d.Busy = d.N*weekDecay+1, time.Duration(float64(d.Busy)*weekDecay)+r.Service
	}
	if a.Promise != nil {
		r.Promised, r.Kept = true, !a.At.After(a.Promise.By)
		if res, ok := eta.Residual(*a.Promise, r.Wait); ok {
			r.Residual, r.Position = &res, a.Promise.Position
		}
	}
	s.LastReply = later(s.LastReply, a.At)
	s.ended(false)
	s.Replies = append(slices.Clone(s.Replies), r)
	if n := len(s.Replies) - MaxReplies; n > 0 {
		s.Replies = s.Replies[n:]
	}
	return true
}

// Drop removes a waiting ticket that will get no first response (solved or
// closed unanswered, or its clock stopped). It reports whether the stats
// changed.
func (s *Stats) Drop(ticket string) bool {
	if _, ok := s.Open[ticket]; !ok {
		return false
	}
	s.Open = maps.Clone(s.Open)
	delete(s.Open, ticket)
	s.ended(true)
	return true
}

// Holds reports whether the ticket is in s: waiting, or answered and its
// reply still kept.
func (s *Stats) Holds(ticket string) bool {
	_, ok := s.Open[ticket]
	return ok || s.answered(ticket)
}

// MinHistory is how many recent first responses, or service times, a
// queue needs for an estimate to use it rather than a coarser one.
const MinHistory = eta.DefaultMinSamples

// Enough reports whether an estimate's input from a queue has history
// enough (MinHistory) to use that queue. It is the one rule for both sides
// of the queue levels: estimates read the finest queue with enough, and
// so tickets are recorded in a coarser queue only while every finer one
// lacks it — the coarser one is never read for them.
func Enough(in eta.Input) bool {
	return len(in.Waits) >= MinHistory || in.PaceSamples >= MinHistory
}

// EnoughAt is Enough(s.Input(ticket, at, window)), for any ticket, without
// building the input: it counts the replies within window before at and
// stops at MinHistory, where Input also walks every waiting ticket (up to
// MaxOpen) and collects waits and residuals. Queue tracking asks it of
// every queue on every webhook. Only the waits need counting: Input's pace
// samples are some of the same replies, never more than its waits.
func (s *Stats) EnoughAt(at time.Time, window time.Duration) bool {
	waits := 0
	for _, r := range s.Replies {
		if at.Sub(r.At) > window || r.At.After(at) {
			continue
		}
		if waits++; waits >= MinHistory {
			return true
		}
	}
	return false
}

func (s *Stats) answered(ticket string) bool {
	return slices.ContainsFunc(s.Replies, func(r Reply) bool { return r.Ticket == ticket })
}

// prune forgets waiting tickets older than StaleOpen, and the oldest beyond
// MaxOpen.
func (s *Stats) prune(now time.Time) {
	for id, at := range s.Open {
		if now.Sub(at) > StaleOpen {
			delete(s.Open, id)
		}
	}
	if len(s.Open) <= MaxOpen {
		return
	}
	ids := slices.Collect(maps.Keys(s.Open))
	slices.SortFunc(ids, func(a, b string) int { return s.Open[a].Compare(s.Open[b]) })
	for _, id := range ids[:len(ids)-MaxOpen] {
		delete(s.Open, id)
	}
}

// Input returns the estimate's input for a ticket whose clock started at
// (now): the replies within window before now, the tickets that started
// waiting before it, and the recent pace. The caller sets Calendar, Target
// and the quantile.
func (s *Stats) Input(ticket string, at time.Time, window time.Duration) eta.Input {
	in := eta.Input{Now: at}
	for id, t := range s.Open {
		if id != ticket && t.Before(at) && at.Sub(t) <= StaleOpen {
			in.Backlog++
		}
	}
	var service []time.Duration
	for _, r := range slices.Backward(s.Replies) {
		if at.Sub(r.At) > window || r.At.After(at) {
			continue
		}
		in.Waits = append(in.Waits, r.Wait)
		if r.Residual != nil {
			in.Residuals = append(in.Residuals, *r.Residual)
			in.Errors = append(in.Errors, eta.Error{Z: *r.Residual, Position: r.Position, At: r.At})
		}
		if r.Service > 0 && len(service) < MaxPaceSamples {
			service = append(service, r.Service)
		}
	}
	in.Throughput, in.PaceSamples = pace(service), len(service)
	if s.Ended >= leaveMinSamples {
		in.Leaving = s.Left / s.Ended
	}
	for i, d := range s.Week {
		if d.N >= weekMinSamples && d.Busy > 0 {
			in.Week[i] = d.N / d.Busy.Hours()
		}
	}
	return in
}

// pace is first responses per business hour while busy: the inverse of the
// mean service time. Counting idle hours, as replies per hour would,
// underrates a team with little to do.
func pace(service []time.Duration) float64 {
	var sum time.Duration
	for _, d := range service {
		sum += d
	}
	if sum <= 0 {
		return 0
	}
	return float64(len(service)) / sum.Hours()
}

// Report summarises a queue over the replies within window before now.
type Report struct {
	Queue    string  `json:"queue"`
	Waiting  int     `json:"waiting"`
	Replies  int     `json:"replies"`
	Promised int     `json:"promised"`
	Kept     int     `json:"kept"`
	KeptRate float64 `json:"kept_rate"` // Kept / Promised; 0 when none
	// First-response times in business time, as Go durations ("1h20m0s").
	P50Wait Duration `json:"p50_wait"`
	P90Wait Duration `json:"p90_wait"`
}

// Duration is a time.Duration that reads and writes as its string form in
// JSON.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Report summarises s as queue name over the window before now.
func (s *Stats) Report(name string, now time.Time, window time.Duration) Report {
	rep := Report{Queue: name}
	for _, at := range s.Open {
		if !at.After(now) && now.Sub(at) <= StaleOpen {
			rep.Waiting++
		}
	}
	var waits []time.Duration
	for _, r := range s.Replies {
		if now.Sub(r.At) > window || r.At.After(now) {
			continue
		}
		rep.Replies++
		waits = append(waits, r.Wait)
		if r.Promised {
			rep.Promised++
			if r.Kept {
				rep.Kept++
			}
		}
	}
	if rep.Promised > 0 {
		rep.KeptRate = float64(rep.Kept) / float64(rep.Promised)
	}
	rep.P50Wait, rep.P90Wait = Duration(eta.Quantile(waits, 0.5)), Duration(eta.Quantile(waits, 0.9))
	return rep
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
