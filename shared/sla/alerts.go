package sla

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
)

// Alert kinds.
const (
	Warning    = "sla.warning"
	Breach     = "sla.breach"
	Escalation = "sla.escalation"
	// Recovered tells on-call that a breached clock got its reply.
	Recovered = "sla.recovered"
)

// Alert is a notification a running clock calls for at a given instant.
type Alert struct {
	Kind   string    `json:"kind"`
	Metric string    `json:"metric"`
	Cycle  int       `json:"cycle,omitempty"`
	Level  int       `json:"level,omitempty"` // warning number or escalation level, from 1
	At     time.Time `json:"at"`
	DueAt  time.Time `json:"due_at"`
	Notify []string  `json:"notify,omitempty"`
}

// Key identifies the alert across re-evaluations: one per ticket, metric,
// clock cycle, kind and level. A reply ends the cycle, so its pending
// warnings and escalations disappear with it.
func (a Alert) Key() string {
	// Built by hand, not with fmt: plan computes it for every alert of
	// every clock on every event.
	return a.Metric + "/" + strconv.Itoa(a.Cycle) + "/" + a.Kind + "/" + strconv.Itoa(a.Level)
}

// plan lists the alerts not yet fired or claimed for t's clocks: warnings,
// breach and escalations of running clocks, and recovered for a breached
// clock that got its reply after the breach was sent. Under quiet hours a
// non-urgent alert waits for the calendar to open.
func plan(t *Ticket, p *policy.Policy) []Alert {
	if p == nil {
		return nil
	}
	var claimed map[string]bool // nil, as on most events, reads as empty
	for _, c := range t.Outbox {
		if claimed == nil {
			claimed = make(map[string]bool, len(t.Outbox))
		}
		claimed[c.Key()] = true
	}
	quiet := p.QuietHours && p.Calendar != nil && t.Priority != event.Urgent
	type clock struct {
		name string
		m    *Metric
	}
	clocks := []clock{{FirstResponse, t.FirstResponse}, {NextReply, t.NextReply}, {Resolution, t.Resolution}}
	for i := range t.LateCycles {
		clocks = append(clocks, clock{NextReply, &t.LateCycles[i]})
	}
	var out []Alert
	for _, m := range clocks {
		if m.m == nil || m.m.DueAt == nil {
			continue
		}
		due := *m.m.DueAt
		add := func(kind string, level int, at time.Time, notify []string) {
			a := Alert{Kind: kind, Metric: m.name, Cycle: m.m.Cycle, Level: level, At: at, DueAt: due, Notify: notify}
			if quiet {
				a.At = p.Calendar.NextOpen(at)
			}
			if len(t.Fired) > 0 || len(claimed) > 0 { // else nothing is done or claimed: no key to look up
				key := a.Key()
				if _, done := t.Fired[key]; done || claimed[key] {
					return
				}
			}
			if out == nil {
				// Room for a clock's warnings, breach and escalations at
				// once; still nil when there are none.
				out = make([]Alert, 0, 8)
			}
			out = append(out, a)
		}
		if !m.m.Running() {
			breach := Alert{Kind: Breach, Metric: m.name, Cycle: m.m.Cycle}
			_, sent := t.Fired[breach.Key()]
			// Answered past its deadline before its breach went out (the
			// reply reached slawatch before the checker did, or the checker
			// was down): the breach still goes, then recovered. A solved or
			// closed ticket gets no alerts, as when solving stops a clock.
			late := m.m.Breach && !sent && m.m.RespondedAt != nil && !t.Status.Done()
			if late {
				add(Breach, 0, due, nil)
			}
			if m.m.RespondedAt != nil && (sent || late) {
				add(Recovered, 0, *m.m.RespondedAt, nil)
			}
			continue
		}
		for i, at := range m.m.Warnings {
			add(Warning, i+1, at, nil)
		}
		add(Breach, 0, due, nil)
		if _, held := t.OnCall[ClockKey(m.name, m.m.Cycle)]; held {
			continue // acknowledged: someone has it, so no one above is woken
		}
		for i, l := range p.Escalation {
			add(Escalation, i+1, due.Add(l.After), l.Notify)
		}
	}
	slices.SortStableFunc(out, func(a, b Alert) int { return a.At.Compare(b.At) })
	return out
}

// Claim is an alert taken for sending by one checker run. Until the lease
// ends no other run sends it; if the sender fails or crashes before Record,
// a later run takes it over, so an alert is never lost (it may, rarely, be
// sent twice: subscribers de-duplicate on its id).
type Claim struct {
	Alert
	Until time.Time `json:"until"`
	// By is the claimant's token: a claim whose write was applied but
	// whose answer was lost (a dropped connection) is recognised by its
	// claimant on a re-read, instead of being waited out to its lease's end.
	By string `json:"by,omitempty"`
}

// NextAlertAt returns when the ticket next needs the checker: NextSendAt,
// or RecordAt if earlier. The store's due index is kept by it.
func (t *Ticket) NextAlertAt() (time.Time, bool) {
	next, ok := t.NextSendAt()
	if at := t.RecordAt; at != nil && (!ok || at.Before(next)) {
		next, ok = *at, true
	}
	return next, ok
}

// NextSendAt returns when the ticket next has an alert to send: its next
// planned alert, or the end of a claim's lease (an alert's or the
// acknowledgement's).
func (t *Ticket) NextSendAt() (time.Time, bool) {
	var next time.Time
	if len(t.Pending) > 0 {
		next = t.Pending[0].At
	}
	if a := t.Ack; a != nil && !a.Done() && !a.ClaimedUntil.IsZero() && (next.IsZero() || a.ClaimedUntil.Before(next)) {
		next = a.ClaimedUntil
	}
	for _, c := range t.Outbox {
		if next.IsZero() || c.Until.Before(next) {
			next = c.Until
		}
	}
	return next, !next.IsZero()
}

// ClaimDue returns t with the alerts due by now claimed for lease, and the
// alerts to send: newly due ones and claims whose lease has run out. When
// several are due at once for the same clock (the checker was down, or a
// webhook arrived late), stale ones are dropped: a warning when anything
// later is due, an escalation when a higher level is. A breach is always
// sent. changed reports whether t must be written.
func ClaimDue(t Ticket, now time.Time, lease time.Duration) (next Ticket, send []Alert, changed bool) {
	n := 0
	for n < len(t.Pending) && !t.Pending[n].At.After(now) {
		n++
	}
	expired := slices.ContainsFunc(t.Outbox, func(c Claim) bool { return !c.Until.After(now) })
	if n == 0 && !expired {
		return t, nil, false
	}
	due := t.Pending[:n]
	t.Pending = slices.Clone(t.Pending[n:])
	t.Fired = maps.Clone(t.Fired)
	if t.Fired == nil {
		t.Fired = map[string]time.Time{}
	}
	t.Outbox = slices.Clone(t.Outbox)
	for i := range t.Outbox {
		if !t.Outbox[i].Until.After(now) {
			t.Outbox[i].Until = now.Add(lease)
			send = append(send, t.Outbox[i].Alert)
		}
	}
	for i, a := range due {
		superseded := a.Kind != Breach && slices.ContainsFunc(due[i+1:], func(b Alert) bool {
			return b.Metric == a.Metric && b.Cycle == a.Cycle && (a.Kind == Warning || b.Kind == a.Kind)
		})
		if superseded {
			t.Fired[a.Key()] = now
			continue
		}
		t.Outbox = append(t.Outbox, Claim{Alert: a, Until: now.Add(lease)})
		send = append(send, a)
	}
	return t, send, true
}

// Record marks claimed alerts as sent.
func Record(t Ticket, keys []string, now time.Time) (Ticket, bool) {
	t.Outbox = slices.DeleteFunc(slices.Clone(t.Outbox), func(c Claim) bool { return slices.Contains(keys, c.Key()) })
	t.Fired = maps.Clone(t.Fired)
	if t.Fired == nil {
		t.Fired = map[string]time.Time{}
	}
	changed := false
	for _, k := range keys {
		if _, ok := t.Fired[k]; !ok {
			t.Fired[k], changed = now, true
		}
	}
	return t, changed
}

// ErrNoClock: the ticket has no such clock to acknowledge.
var ErrNoClock = errors.New("sla: no such clock")

// Acknowledge records that an on-call person took charge of t's clock
// (metric, cycle): its escalation levels not yet sent are held, while its
// breach and recovered still go. The first acknowledgement of a clock
// stands; repeating it (a tool's retried webhook) changes nothing, and so
// does acknowledging a clock that has ended. changed reports whether t
// must be written. ErrNoClock: t never had that clock.
func Acknowledge(p Policies, t Ticket, metric string, cycle int, ack OnCallAck) (next Ticket, changed bool, err error) {
	var m *Metric
	switch {
	case metric == FirstResponse && cycle == 0:
		m = t.FirstResponse
	case metric == Resolution && cycle == 0:
		m = t.Resolution
	case metric == NextReply && t.NextReply != nil && t.NextReply.Cycle == cycle:
		m = t.NextReply
	case metric == NextReply:
		for i := range t.LateCycles {
			if t.LateCycles[i].Cycle == cycle {
				m = &t.LateCycles[i]
			}
		}
	}
	if m == nil {
		return t, false, fmt.Errorf("%w: %s cycle %d of %s/%s", ErrNoClock, metric, cycle, t.Source, t.ID)
	}
	key := ClockKey(metric, cycle)
	if _, done := t.OnCall[key]; done || !m.Running() {
		return t, false, nil
	}
	t.OnCall = maps.Clone(t.OnCall)
	if t.OnCall == nil {
		t.OnCall = map[string]OnCallAck{}
	}
	ack.At = ack.At.UTC()
	t.OnCall[key] = ack
	pol := p.Match(t.policyTicket())
	t.Pending = plan(&t, pol)
	return t, true, nil
}

// Fire claims and records at once: every alert due by now is marked sent.
// It suits callers that cannot fail between the two (tests, replays).
func Fire(t Ticket, now time.Time) (Ticket, []Alert) {
	t, send, _ := ClaimDue(t, now, 0)
	keys := make([]string, len(send))
	for i, a := range send {
		keys[i] = a.Key()
	}
	t, _ = Record(t, keys, now)
	return t, send
}
