package sla

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

// Alert kinds.
const (
	Warning    = "sla.warning"
	Breach     = "sla.breach"
	Escalation = "sla.escalation"
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
	return fmt.Sprintf("%s/%d/%s/%d", a.Metric, a.Cycle, a.Kind, a.Level)
}

// plan lists the alerts not yet fired for t's running clocks.
func plan(t *Ticket, p *policy.Policy) []Alert {
	if p == nil {
		return nil
	}
	var out []Alert
	for _, m := range []struct {
		name string
		m    *Metric
	}{{FirstResponse, t.FirstResponse}, {NextReply, t.NextReply}} {
		if !m.m.Running() || m.m.DueAt == nil {
			continue
		}
		due := *m.m.DueAt
		add := func(kind string, level int, at time.Time, notify []string) {
			a := Alert{Kind: kind, Metric: m.name, Cycle: m.m.Cycle, Level: level, At: at, DueAt: due, Notify: notify}
			if _, done := t.Fired[a.Key()]; !done {
				out = append(out, a)
			}
		}
		for i, at := range m.m.Warnings {
			add(Warning, i+1, at, nil)
		}
		add(Breach, 0, due, nil)
		for i, l := range p.Escalation {
			add(Escalation, i+1, due.Add(l.After), l.Notify)
		}
	}
	slices.SortStableFunc(out, func(a, b Alert) int { return a.At.Compare(b.At) })
	return out
}

// NextAlertAt returns when the ticket's next alert falls due, if any.
func (t *Ticket) NextAlertAt() (time.Time, bool) {
	if len(t.Pending) == 0 {
		return time.Time{}, false
	}
	return t.Pending[0].At, true
}

// Fire returns t with every alert due by now marked as fired, and the alerts
// to send. When several are due at once for the same clock (the checker was
// down, or a webhook arrived late), stale ones are dropped: a warning when
// anything later is due, an escalation when a higher level is. A breach is
// always sent.
func Fire(t Ticket, now time.Time) (Ticket, []Alert) {
	n := 0
	for n < len(t.Pending) && !t.Pending[n].At.After(now) {
		n++
	}
	if n == 0 {
		return t, nil
	}
	due := t.Pending[:n]
	t.Pending = slices.Clone(t.Pending[n:])
	t.Fired = maps.Clone(t.Fired)
	if t.Fired == nil {
		t.Fired = map[string]time.Time{}
	}
	var send []Alert
	for i, a := range due {
		t.Fired[a.Key()] = now
		superseded := a.Kind != Breach && slices.ContainsFunc(due[i+1:], func(b Alert) bool {
			return b.Metric == a.Metric && b.Cycle == a.Cycle && (a.Kind == Warning || b.Kind == a.Kind)
		})
		if !superseded {
			send = append(send, a)
		}
	}
	return t, send
}
