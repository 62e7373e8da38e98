package sla

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
)

// Policies matches a ticket to its SLA policy; *policy.Config is one.
type Policies interface {
	Match(policy.Ticket) *policy.Policy
}

// Apply returns t with ev applied and whether anything changed. An event
// whose id the ticket has already seen changes nothing, so redelivered
// webhooks are harmless. Apply never modifies t's slices or maps in place.
//
// When the log grows past a bound, Apply folds its oldest events into the
// ticket's Checkpoint (see compact.go); an event dated at or before the
// checkpoint is then refused with ErrTooLate, unless it is a redelivery.
func Apply(p Policies, t Ticket, ev event.Event) (Ticket, bool, error) {
	return apply(p, t, ev, defaultLimits)
}

func apply(p Policies, t Ticket, ev event.Event, lim limits) (Ticket, bool, error) {
	if err := ev.Validate(); err != nil {
		return t, false, fmt.Errorf("sla: %w", err)
	}
	if t.Source != ev.Source || t.ID != ev.TicketID {
		return t, false, fmt.Errorf("sla: event for %s/%s applied to ticket %s/%s", ev.Source, ev.TicketID, t.Source, t.ID)
	}
	if slices.ContainsFunc(t.Events, func(e event.Event) bool { return e.ID == ev.ID }) {
		return t, false, nil
	}
	if cp := t.Checkpoint; cp != nil {
		switch {
		case cp.seen(ev.ID) || cp.ID == ev.ID:
			return t, false, nil
		case compare(ev, cp.through()) <= 0:
			return t, false, fmt.Errorf("%w: dated %s, compacted through %s", ErrTooLate,
				ev.OccurredAt.UTC().Format(time.RFC3339), cp.At.UTC().Format(time.RFC3339))
		}
	}
	// A ticket settled under another configuration is retargeted first,
	// so that ev's replay does not settle its ended clocks again; unless ev
	// is late, dated before the log's last event: the fold would refuse
	// it, and losing it is worse (docs/sla-semantics.md).
	if rt, ok := retargeted(p, t); ok && (len(t.Events) == 0 || compare(ev, t.Events[len(t.Events)-1]) > 0) {
		t = rt
	}
	i, _ := slices.BinarySearchFunc(t.Events, ev, compare)
	events := slices.Insert(slices.Clip(t.Events), i, ev)
	if lim.over(events) {
		t = compact(p, t, events, lim)
		events = t.Events
	}
	next := evaluate(p, t.Source, t.ID, t.Checkpoint, events, t.Fired, t.Outbox, t.OnCall)
	// Neither do the events derive what was acknowledged or recorded in
	// the history: Unrecorded recomputes RecordAt for callers that record.
	next.Ack, next.Recorded, next.RecordAt = t.Ack, t.Recorded, t.RecordAt
	return next, true, nil
}

// New returns the state of a ticket with no events yet.
func New(source, id string) Ticket {
	return Ticket{Source: source, ID: id, Status: event.New}
}

// kindOrder breaks ties between events with the same occurred-at: a ticket is
// created before it is written to, and an agent's reply counts before a
// status change made in the same step solves the ticket.
var kindOrder = map[event.Kind]int{
	event.TicketCreated:   0,
	event.PriorityChanged: 1,
	event.TagsChanged:     1,
	event.CustomerMessage: 2,
	event.AgentReply:      3,
	event.InternalNote:    3,
	event.StatusChanged:   4,
}

func compare(a, b event.Event) int {
	return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]), cmp.Compare(a.ID, b.ID))
}

// Evaluate derives a ticket's state by replaying its events, which must be
// sorted (as Apply keeps them). fired lists alerts already sent, outbox the
// alerts claimed for sending.
func Evaluate(p Policies, source, id string, events []event.Event, fired map[string]time.Time, outbox []Claim) Ticket {
	return evaluate(p, source, id, nil, events, fired, outbox, nil)
}

// evaluate is Evaluate from a checkpoint (nil: from the beginning) with
// the clocks on-call acknowledged, which hold their escalations.
func evaluate(p Policies, source, id string, cp *Checkpoint, events []event.Event, fired map[string]time.Time, outbox []Claim, oncall map[string]OnCallAck) Ticket {
	r := resume(p, source, id, cp)
	r.t.Events, r.t.Fired, r.t.OnCall, r.t.Checkpoint = events, fired, oncall, cp
	r.t.ConfigVersion = VersionOf(p)
	for _, e := range events {
		r.apply(e)
	}
	if m := r.t.FirstResponse; m.Running() {
		settle(m, r.pol, FirstResponse)
	}
	if m := r.t.NextReply; m.Running() {
		settle(m, r.pol, NextReply)
	}
	if m := r.t.Resolution; m.Running() {
		settle(m, r.pol, Resolution)
	}
	r.t.Outbox = live(&r.t, outbox)
	r.t.Pending = plan(&r.t, r.pol)
	return r.t
}

type replay struct {
	t   Ticket
	p   Policies
	pol *policy.Policy
	// collect asks end to keep a history record of each clock it ends.
	collect bool
	ended   []history.Record
	// resolved: the replay ended the resolution clock (again), replacing
	// any record of it kept from before.
	resolved bool
}

func (r *replay) apply(e event.Event) {
	t, at := &r.t, e.OccurredAt
	if e.Channel != "" {
		t.Channel = e.Channel
	}
	if e.Priority != "" {
		t.Priority = e.Priority
	}
	if e.Tags != nil {
		t.Tags = e.Tags
	}
	if e.CustomerZone != "" && e.Author != event.Agent {
		t.CustomerZone = e.CustomerZone
	}
	r.customer(e)
	if t.Priority == "" {
		t.Priority = event.Normal // as the helpdesks do for tickets without one
	}
	// A priority, tag or channel change can move the ticket to another
	// policy; running clocks then take the new targets from their own start.
	r.pol = r.p.Match(t.policyTicket())
	t.Policy = ""
	if r.pol != nil {
		t.Policy = r.pol.Name
	}

	if e.CountsAsResponse() {
		switch {
		case t.FirstResponse.Running():
			r.end(t.FirstResponse, FirstResponse, func(m *Metric) { m.RespondedAt = &at })
		case t.NextReply.Running():
			r.end(t.NextReply, NextReply, func(m *Metric) { m.RespondedAt = &at })
		}
	}

	status := e.Status
	if e.Kind == event.CustomerMessage && status == "" && (t.Status.Done() || t.Status.Paused()) {
		status = event.Open // helpdesks reopen a ticket the customer writes to
	}
	if status != "" {
		r.setStatus(status, at)
	}

	switch e.Kind {
	case event.TicketCreated:
		if e.Author == event.Agent && e.Public {
			t.AgentCreated = true // outbound: the customer has heard from us
		} else if t.FirstResponse == nil && !t.AgentCreated && !t.Status.Done() {
			// (A later created event does not give an outbound ticket a
			// first-response clock next to its running next-reply cycle.)
			t.FirstResponse = &Metric{StartedAt: at}
		}
	case event.CustomerMessage:
		switch {
		case t.Status.Done():
			// An explicit status in the event keeps the ticket solved.
		case t.FirstResponse == nil && !t.AgentCreated:
			t.FirstResponse = &Metric{StartedAt: at}
		case !t.FirstResponse.Running() && !t.NextReply.Running():
			if m := t.NextReply; m != nil && m.Breach && m.RespondedAt != nil {
				t.LateCycles = append(t.LateCycles, *m)
			}
			t.NextReplyCycles++
			t.NextReply = &Metric{Cycle: t.NextReplyCycles, StartedAt: at}
			if t.Status.Paused() {
				t.NextReply.Pauses = []Pause{{From: at}}
			}
		}
	}
	// The resolution clock starts with the ticket, whoever opened it: an
	// outbound ticket, too, is work to finish (as Jira's time to
	// resolution starts at creation). It starts where the first response
	// would: the created event, else the first customer message.
	if t.Resolution == nil && !t.Status.Done() && (e.Kind == event.TicketCreated || e.Kind == event.CustomerMessage) {
		t.Resolution = &Metric{StartedAt: at}
		if t.Status.Paused() {
			t.Resolution.Pauses = []Pause{{From: at}}
		}
	}
}

func (r *replay) setStatus(s event.Status, at time.Time) {
	t := &r.t
	prev := t.Status
	t.Status = s
	if m := t.NextReply; m.Running() {
		switch {
		case s.Paused() && !m.Paused():
			m.pause(Pause{From: at})
		case !s.Paused() && m.Paused():
			m.Pauses[len(m.Pauses)-1].To = &at
		}
	}
	if m := t.Resolution; m.Running() {
		switch {
		case s.Paused() && !m.Paused():
			m.pause(Pause{From: at})
		case !s.Paused() && m.Paused():
			m.Pauses[len(m.Pauses)-1].To = &at
		}
	}
	// Reopening resumes the resolution clock, as Zendesk's agent work
	// time: the time it was solved counts as paused. A pause cannot move a
	// deadline already passed, so a breach stays a breach.
	if m := t.Resolution; prev.Done() && !s.Done() && m != nil && m.RespondedAt != nil {
		p := Pause{From: *m.RespondedAt}
		if !s.Paused() {
			p.To = &at
		}
		m.pause(p)
		m.RespondedAt, m.Breach = nil, false
	}
	// Solving or closing stops the clocks. Reopening does not restart them:
	// the customer's next message starts a next-reply cycle.
	if s.Done() && !prev.Done() {
		stop := func(m *Metric) { m.StoppedAt = &at }
		if t.FirstResponse.Running() {
			r.end(t.FirstResponse, FirstResponse, stop)
		}
		if t.NextReply.Running() {
			r.end(t.NextReply, NextReply, stop)
		}
		if t.Resolution.Running() {
			r.end(t.Resolution, Resolution, func(m *Metric) { m.RespondedAt = &at })
		}
	}
}

// end finishes a clock under the policy in force at that moment, so a later
// priority change does not rewrite a result already decided.
func (r *replay) end(m *Metric, metric string, set func(*Metric)) {
	set(m)
	endAt := m.RespondedAt
	if endAt == nil {
		endAt = m.StoppedAt
	}
	if n := len(m.Pauses); n > 0 && m.Pauses[n-1].To == nil {
		m.Pauses[n-1].To = endAt
	}
	settle(m, r.pol, metric)
	m.Breach = m.DueAt != nil && endAt.After(*m.DueAt)
	if metric == NextReply && m.Breach {
		r.t.NextReplyBreaches++
	}
	r.record(m, metric)
}

func target(p *policy.Policy, metric string) *policy.Target {
	if p == nil {
		return nil
	}
	if metric == FirstResponse {
		return p.FirstResponse
	}
	if metric == Resolution {
		return p.Resolution
	}
	return p.NextReply
}

// settle sets the metric's target, deadline and warning instants from the
// policy's target for it.
func settle(m *Metric, p *policy.Policy, metric string) {
	m.Target, m.Calendar, m.DueAt, m.Warnings = 0, "", nil, nil
	tg := target(p, metric)
	if tg == nil {
		return
	}
	m.Target, m.Calendar = tg.Within, tg.CalendarName
	m.DueAt = deadline(tg.Calendar, m.StartedAt, m.Pauses, tg.Within)
	for _, w := range p.Warnings {
		if lead := w.Lead(tg); lead > 0 && lead < tg.Within {
			if at := deadline(tg.Calendar, m.StartedAt, m.Pauses, tg.Within-lead); at != nil {
				m.Warnings = append(m.Warnings, *at)
			}
		}
	}
}

// deadline returns when d of clock time has run from start, skipping pauses;
// nil if a pause still open stops the clock before that.
func deadline(cal *calendar.Calendar, start time.Time, pauses []Pause, d time.Duration) *time.Time {
	cursor, left := start, d
	for _, p := range pauses {
		if ran := cal.Elapsed(cursor, p.From); ran >= left {
			break
		} else if ran > 0 {
			left -= ran
		}
		if p.To == nil {
			return nil
		}
		if p.To.After(cursor) {
			cursor = *p.To
		}
	}
	due := cal.Add(cursor, left)
	return &due
}

// live keeps the claims that still matter: a reply or a solve cancels the
// warnings, breach and escalations of the clock it ended, even if a checker
// run had already claimed them; a recovered alert stands.
func live(t *Ticket, outbox []Claim) []Claim {
	var out []Claim
	for _, c := range outbox {
		m := t.metric(c.Metric, c.Cycle)
		// A claim stays while its clock runs; a breach's also once the
		// clock was answered late (it is still to be sent), and
		// recovered's.
		if c.Kind == Recovered || (m != nil && (m.Running() || (c.Kind == Breach && m.Breach && m.RespondedAt != nil))) {
			out = append(out, c)
		}
	}
	return out
}

// metric returns the clock of a metric and cycle: the first response, the
// current next-reply cycle, or an earlier one answered late; nil if none.
func (t *Ticket) metric(name string, cycle int) *Metric {
	if name == FirstResponse {
		return t.FirstResponse
	}
	if name == Resolution {
		return t.Resolution
	}
	if t.NextReply != nil && t.NextReply.Cycle == cycle {
		return t.NextReply
	}
	for i := range t.LateCycles {
		if t.LateCycles[i].Cycle == cycle {
			return &t.LateCycles[i]
		}
	}
	return nil
}

// Build returns the state of ticket source/id after events, given in any
// order: the state Apply gives when they are applied one by one, in the
// order given, without replaying the ticket once per event, and keeping
// the whole log (Apply compacts it when the next event comes). As with Apply,
// the first of several events with one id is the one kept. Each event must
// belong to the ticket and be valid.
func Build(p Policies, source, id string, events []event.Event) (Ticket, error) {
	seen := make(map[string]bool, len(events))
	log := make([]event.Event, 0, len(events))
	for _, e := range events {
		if err := e.Validate(); err != nil {
			return Ticket{}, fmt.Errorf("sla: %w", err)
		}
		if e.Source != source || e.TicketID != id {
			return Ticket{}, fmt.Errorf("sla: event for %s/%s built into ticket %s/%s", e.Source, e.TicketID, source, id)
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			log = append(log, e)
		}
	}
	// compare orders distinct ids totally, so the sort needs no stability.
	slices.SortFunc(log, compare)
	return Evaluate(p, source, id, log, nil, nil), nil
}
