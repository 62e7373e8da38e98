package sla

import (
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/history"
)

// When the configuration changes (docs/sla-semantics.md, "When the
// configuration changes"). A ticket's state is the replay of its events
// under the configuration, so a new configuration would, on the next
// replay, settle again every clock the log holds: the running ones, which
// should take the new targets, but also the ended ones, whose verdicts
// were already decided, recorded in the history and alerted on. Retarget
// separates the two: it folds the log into the ticket's checkpoint with the
// ended clocks exactly as stored, so that only the clocks still running
// settle again under the new configuration, from their own start and with
// their pauses. Alerts already sent stay in Fired and are not sent again.

// Versioned is a configuration that knows its version (policy.Config's
// Version). The engine stamps each ticket with the version of the
// configuration that settled it (Ticket.ConfigVersion).
type Versioned interface {
	Version() string
}

// VersionOf returns p's version, "" when p has none.
func VersionOf(p Policies) string {
	if v, ok := p.(Versioned); ok {
		return v.Version()
	}
	return ""
}

// Change is what retargeting did to a ticket: the running clocks whose
// deadline or target moved.
type Change struct {
	Source string `json:"source"`
	ID     string `json:"ticket_id"`
	// From and To are the configuration versions before and after.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Folded: the log was folded into the checkpoint to keep ended clocks
	// as they were (events dated before it are then too late: ErrTooLate).
	Folded bool          `json:"folded,omitempty"`
	Clocks []ClockChange `json:"clocks,omitempty"`
}

// Moved reports whether any running clock's deadline or target moved.
func (c Change) Moved() bool { return len(c.Clocks) > 0 }

// ClockChange is one running clock's move.
type ClockChange struct {
	Metric    string        `json:"metric"`
	Cycle     int           `json:"cycle,omitempty"`
	OldPolicy string        `json:"old_policy"`
	NewPolicy string        `json:"new_policy"`
	OldTarget time.Duration `json:"old_target"`
	NewTarget time.Duration `json:"new_target"`
	// OldDue and NewDue are nil while the clock is paused before its
	// deadline or no policy sets a target.
	OldDue *time.Time `json:"old_due"`
	NewDue *time.Time `json:"new_due"`
	// BreachesAtOnce: the new deadline is already past at now and the old
	// one was not; the breach goes out at the checker's next run.
	BreachesAtOnce bool `json:"breaches_at_once,omitempty"`
}

// Direction says how the deadline moved: "earlier", "later", "set" (it had
// none), "unset" (it has none now) or "same" (only the target or policy
// changed, as for a clock paused before its deadline).
func (c ClockChange) Direction() string {
	switch {
	case c.OldDue == nil && c.NewDue == nil, c.OldDue != nil && c.NewDue != nil && c.OldDue.Equal(*c.NewDue):
		return "same"
	case c.OldDue == nil:
		return "set"
	case c.NewDue == nil:
		return "unset"
	case c.NewDue.Before(*c.OldDue):
		return "earlier"
	default:
		return "later"
	}
}

// Retarget returns t settled under the configuration next, and what moved.
// Running clocks take next's targets from their own start, pauses kept;
// ended clocks, their history records and the alerts already sent
// (Fired) stay as they are. A deadline moved into the past is breached:
// the breach is pending at once (Pending) and the checker's next run sends
// it, once, like any other.
//
// prev is the configuration t was settled under, when known: the history
// records of the clocks folded in are derived under it, exactly as they
// were. nil means unknown (a ticket stamped with a version no longer at
// hand): the records are then derived under next, and those already
// written to the history are marked as recorded as they stand, so that the
// history is not rewritten.
//
// Retargeting is idempotent: a ticket already at next's version (or
// retargeted again under the same unversioned policies) is unchanged.
func Retarget(prev, next Policies, t Ticket, now time.Time) (Ticket, Change) {
	ch := Change{Source: t.Source, ID: t.ID, From: t.ConfigVersion, To: VersionOf(next)}
	if ch.To != "" && ch.From == ch.To {
		return t, ch
	}
	if len(t.Events) == 0 && t.Checkpoint == nil {
		t.ConfigVersion = ch.To
		return t, ch
	}
	before := t
	rp := prev
	if rp == nil {
		rp = next
	}
	if len(t.Events) > 0 && hasEnded(&t) && endedMoves(rp, next, t) {
		t, ch.Folded = fold(rp, t), true
	}
	out := evaluate(next, t.Source, t.ID, t.Checkpoint, t.Events, t.Fired, t.Outbox, t.OnCall)
	out.Ack, out.Recorded, out.RecordAt = t.Ack, t.Recorded, t.RecordAt
	if len(out.Recorded) > 0 {
		// No event came: a record that changes now changes only because
		// the configuration did. What the history holds stands.
		cloned := false
		for _, rec := range Ended(next, out) {
			id := rec.ID()
			if d, ok := out.Recorded[id]; ok && d != Digest(rec) {
				if !cloned {
					out.Recorded, cloned = maps.Clone(out.Recorded), true
				}
				out.Recorded[id] = Digest(rec)
			}
		}
	}
	out.ConfigVersion = ch.To
	ch.Clocks = clockChanges(&before, &out, now)
	return out, ch
}

// retargeted reports whether t must be retargeted before an event is
// applied under p: it was settled under another version. A ticket with
// no version (stored before tickets had one) is taken to be p's.
func retargeted(p Policies, t Ticket) (Ticket, bool) {
	v := VersionOf(p)
	if v == "" || t.ConfigVersion == "" || t.ConfigVersion == v {
		return t, false
	}
	next, _ := Retarget(nil, p, t, time.Time{})
	return next, true
}

// hasEnded reports whether any of t's clocks has ended.
func hasEnded(t *Ticket) bool {
	ended := func(m *Metric) bool { return m != nil && !m.Running() }
	return ended(t.FirstResponse) || ended(t.NextReply) || t.NextReplyCycles > 1 ||
		len(t.LateCycles) > 0 || ended(t.Resolution)
}

// endedMoves reports whether replaying t's log under next would settle any
// of its ended clocks, or their history records, differently from prev:
// only then need the log be folded (a fold makes events dated before it
// too late, so it is not done for nothing).
func endedMoves(prev, next Policies, t Ticket) bool {
	a := evaluate(next, t.Source, t.ID, t.Checkpoint, t.Events, nil, nil, nil)
	ended := func(m *Metric) *Metric {
		if m == nil || m.Running() {
			return nil
		}
		return m
	}
	if !reflect.DeepEqual(ended(a.FirstResponse), ended(t.FirstResponse)) ||
		!reflect.DeepEqual(ended(a.NextReply), ended(t.NextReply)) ||
		!reflect.DeepEqual(ended(a.Resolution), ended(t.Resolution)) ||
		!reflect.DeepEqual(a.LateCycles, t.LateCycles) || a.NextReplyBreaches != t.NextReplyBreaches {
		return true
	}
	if prev == nil {
		return false
	}
	// The same verdicts may be recorded under another policy or team.
	ra, rb := Ended(prev, t), Ended(next, t)
	return !slices.EqualFunc(ra, rb, func(x, y history.Record) bool { return Digest(x) == Digest(y) })
}

// fold returns t with its whole log folded into its checkpoint. The
// checkpoint's state is t's own, not a replay's: its ended clocks stay
// exactly as the configuration that ended them settled them, and replay
// from it settles only the clocks still running. p derives the history
// records of the clocks the log ended, kept as compact keeps them.
func fold(p Policies, t Ticket) Ticket {
	r := resume(p, t.Source, t.ID, t.Checkpoint)
	r.collect = true
	for _, e := range t.Events {
		r.apply(e)
	}
	old := t.Checkpoint
	if old == nil {
		old = &Checkpoint{}
	}
	cp := foldInto(&t, old, t.cloneState(), &r, t.Events, defaultLimits.seen)
	t.Checkpoint, t.Events = cp, nil
	return t
}

// clockChanges lists the running clocks of before whose target or
// deadline after moved.
func clockChanges(before, after *Ticket, now time.Time) []ClockChange {
	var out []ClockChange
	for _, c := range []struct {
		name   string
		m1, m2 *Metric
	}{{FirstResponse, before.FirstResponse, after.FirstResponse}, {NextReply, before.NextReply, after.NextReply}, {Resolution, before.Resolution, after.Resolution}} {
		if !c.m1.Running() || c.m2 == nil {
			continue
		}
		cc := ClockChange{Metric: c.name, Cycle: c.m1.Cycle, OldPolicy: before.Policy, NewPolicy: after.Policy,
			OldTarget: c.m1.Target, NewTarget: c.m2.Target, OldDue: utc(c.m1.DueAt), NewDue: utc(c.m2.DueAt)}
		if cc.Direction() == "same" && cc.OldTarget == cc.NewTarget && cc.OldPolicy == cc.NewPolicy {
			continue
		}
		cc.BreachesAtOnce = cc.NewDue != nil && !cc.NewDue.After(now) && (cc.OldDue == nil || cc.OldDue.After(now))
		out = append(out, cc)
	}
	return out
}
