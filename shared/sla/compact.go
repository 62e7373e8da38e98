package sla

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
)

// Compaction. A ticket's state is the replay of its sorted event log, but
// the log cannot grow for ever: the store writes the whole ticket as one
// DynamoDB item (400 KB at most), and every event replays the log. So once
// the log grows past a bound, Apply folds its oldest events into a
// Checkpoint: the replay's state after them (attributes, status, clocks,
// cycle counts) and the history records of the clocks they ended that are
// still needed. Replay then starts from the checkpoint and applies only the
// events after it, which keeps both the item's size and the work per event
// flat however long the ticket lives (docs/sla-semantics.md, "Long
// tickets"; docs/data-model.md).
//
// The checkpoint's last event is the watermark W. An event that sorts at or
// before W can no longer be replayed in its place: if its id is among the
// recently compacted ones it is a redelivery and changes nothing; otherwise
// Apply refuses it with ErrTooLate and leaves the ticket unchanged.

// ErrTooLate is returned by Apply for an event dated at or before the
// ticket's checkpoint: its place in the log has been compacted away. The
// ticket is unchanged.
var ErrTooLate = errors.New("sla: event older than the ticket's compacted history")

// Checkpoint is the replay state of a ticket's oldest events, which the
// ticket no longer keeps.
type Checkpoint struct {
	// At, Kind and ID are the sort key of the last event folded in: the
	// watermark.
	At   time.Time  `json:"at"`
	Kind event.Kind `json:"kind"`
	ID   string     `json:"event_id"`
	// Events counts the events folded in.
	Events int `json:"events"`
	// State is the ticket as the replay left it after those events: its
	// attributes, status, clocks (a running clock keeps its start and
	// pauses, so a later configuration can settle it again) and counts.
	// Its event log, alerts, marks and checkpoint are empty.
	State Ticket `json:"state"`
	// Records are the history records of clocks the folded events ended
	// that are still needed: the first response's (a promise is measured
	// against it), and those not yet recorded where history is recorded.
	Records []history.Record `json:"records,omitempty"`
	// Seen holds 64-bit hashes of the ids of the last events folded in
	// (8 bytes each, oldest first), so that their redelivery is told from
	// an event that is new but too late.
	Seen []byte `json:"seen,omitempty"`
}

// EventCount returns how many distinct events the ticket has received:
// those folded into its checkpoint and those in its log.
func (t *Ticket) EventCount() int {
	n := len(t.Events)
	if t.Checkpoint != nil {
		n += t.Checkpoint.Events
	}
	return n
}

// limits bound a ticket's log: past max events or bytes, Apply folds the
// oldest into the checkpoint and keeps the newest within keep. The gap
// between the two makes compaction happen once per (max − keep) events.
type limits struct {
	maxEvents, keepEvents int
	maxBytes, keepBytes   int
	seen                  int // ids remembered in Checkpoint.Seen
}

// defaultLimits keep the log under about 32 KB: an event is some 250 bytes
// of JSON, at most about 27 KB (event.MaxTags tags of event.MaxTagBytes).
// The 64 events kept are how far back a late event is still replayed in
// its place.
var defaultLimits = limits{maxEvents: 128, keepEvents: 64, maxBytes: 32 << 10, keepBytes: 16 << 10, seen: 512}

// noLimits never compact.
var noLimits = limits{}

func (l limits) over(events []event.Event) bool {
	if l.maxEvents <= 0 {
		return false
	}
	if len(events) > l.maxEvents {
		return true
	}
	n := 0
	for _, e := range events {
		n += eventSize(e)
	}
	return n > l.maxBytes
}

// cut returns how many of the oldest events to fold in: all but the newest
// within keepEvents and keepBytes, and never the newest one.
func (l limits) cut(events []event.Event) int {
	kept, n := 1, eventSize(events[len(events)-1])
	for kept < len(events) && kept < l.keepEvents {
		s := eventSize(events[len(events)-1-kept])
		if n+s > l.keepBytes {
			break
		}
		kept, n = kept+1, n+s
	}
	return len(events) - kept
}

// eventSize estimates an event's JSON size: field names and fixed-size
// values, plus its strings.
func eventSize(e event.Event) int {
	n := 200 + len(e.Source) + len(e.TicketID) + len(e.ID) + len(e.CustomerZone)
	for _, tag := range e.Tags {
		n += len(tag) + 3
	}
	return n
}

// through is the watermark as an event, for compare.
func (c *Checkpoint) through() event.Event {
	return event.Event{OccurredAt: c.At, Kind: c.Kind, ID: c.ID}
}

// seen reports whether id is one of the recently folded ids.
func (c *Checkpoint) seen(id string) bool {
	h := idHash(id)
	for i := 0; i+8 <= len(c.Seen); i += 8 {
		if binary.BigEndian.Uint64(c.Seen[i:]) == h {
			return true
		}
	}
	return false
}

func idHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// resume returns a replay positioned after the checkpoint's events (at
// the beginning when cp is nil).
func resume(p Policies, source, id string, cp *Checkpoint) replay {
	r := replay{t: New(source, id), p: p}
	if cp == nil {
		return r
	}
	r.t = cp.State.cloneState()
	r.t.Source, r.t.ID = source, id
	// The policy the replay had after the checkpoint's last event: it is
	// matched from the ticket's attributes alone.
	r.pol = p.Match(r.t.policyTicket())
	return r
}

// cloneState copies what the replay changes in place: the clocks (their
// pauses) and the late cycles' slice, which it appends to. A new metric
// is one more line here.
func (t Ticket) cloneState() Ticket {
	t.FirstResponse = t.FirstResponse.clone()
	t.NextReply = t.NextReply.clone()
	t.Resolution = t.Resolution.clone()
	t.LateCycles = slices.Clone(t.LateCycles)
	return t
}

func (m *Metric) clone() *Metric {
	if m == nil {
		return nil
	}
	c := *m
	c.Pauses, c.Warnings = slices.Clone(m.Pauses), slices.Clone(m.Warnings)
	return &c
}

// compact folds the oldest of events, t's log with a new event inserted,
// into t's checkpoint, and drops from t what only concerned clocks that
// ended before the new watermark and can do nothing more: their alert
// keys, on-call acknowledgements, late cycles whose breach and recovered
// are both sent, and history records already recorded.
func compact(p Policies, t Ticket, events []event.Event, lim limits) Ticket {
	cut := lim.cut(events)
	if cut == 0 {
		t.Events = events
		return t
	}
	r := resume(p, t.Source, t.ID, t.Checkpoint)
	r.collect = true
	for _, e := range events[:cut] {
		r.apply(e)
	}
	old := t.Checkpoint
	if old == nil {
		old = &Checkpoint{}
	}
	cp := foldInto(&t, old, r.t, &r, events[:cut], lim.seen)
	state := cp.State

	// Alert keys and acknowledgements of next-reply cycles that ended
	// before the watermark and are no late cycle: no plan reads them again.
	gone := func(key string) bool {
		metric, rest, _ := strings.Cut(key, "/")
		c, _, _ := strings.Cut(rest, "/")
		cycle, err := strconv.Atoi(c)
		if metric != NextReply || err != nil || state.NextReply == nil || cycle >= state.NextReply.Cycle {
			return false
		}
		return !slices.ContainsFunc(state.LateCycles, func(m Metric) bool { return m.Cycle == cycle })
	}
	t.Fired = pruned(t.Fired, gone)
	t.OnCall = pruned(t.OnCall, gone)

	t.Checkpoint, t.Events = cp, slices.Clone(events[cut:])
	return t
}

// foldInto returns the checkpoint after folded, the events a replay r from
// old has just applied, with state the ticket's state after them: what the
// replay needs to go on, the history records still needed (a record not
// yet recorded is kept until it is, where history is recorded; the first
// response's always, for the promise measured against it), and the hashes
// of the last seen folded ids. The marks of the records it drops are
// removed from t.
func foldInto(t *Ticket, old *Checkpoint, state Ticket, r *replay, folded []event.Event, seen int) *Checkpoint {
	last := folded[len(folded)-1]
	cp := &Checkpoint{At: last.OccurredAt, Kind: last.Kind, ID: last.ID, Events: old.Events + len(folded)}
	state.Events, state.Pending, state.Outbox, state.Fired, state.OnCall = nil, nil, nil, nil, nil
	state.Ack, state.Recorded, state.RecordAt, state.Checkpoint, state.ConfigVersion = nil, nil, nil, nil, ""
	state.LateCycles = slices.DeleteFunc(state.LateCycles, func(m Metric) bool { return spent(t, m.Cycle) })
	if len(state.LateCycles) == 0 {
		state.LateCycles = nil
	}
	cp.State = state

	recording := t.Recorded != nil || t.RecordAt != nil
	var dropped []string
	for _, rec := range append(r.before(old.Records), r.ended...) {
		if rec.Metric == FirstResponse || (recording && t.Recorded[rec.ID()] != Digest(rec)) {
			cp.Records = append(cp.Records, rec)
		} else {
			dropped = append(dropped, rec.ID())
		}
	}
	if len(dropped) > 0 && t.Recorded != nil {
		t.Recorded = maps.Clone(t.Recorded)
		for _, id := range dropped {
			delete(t.Recorded, id)
		}
	}

	hashes := slices.Clone(old.Seen)
	for _, e := range folded {
		hashes = binary.BigEndian.AppendUint64(hashes, idHash(e.ID))
	}
	if n := len(hashes) - 8*seen; n > 0 {
		hashes = hashes[n:]
	}
	cp.Seen = hashes
	return cp
}

// spent reports whether t's next-reply cycle, answered late, has sent its
// breach and recovered alerts: it can send nothing more.
func spent(t *Ticket, cycle int) bool {
	b := Alert{Kind: Breach, Metric: NextReply, Cycle: cycle}.Key()
	rec := Alert{Kind: Recovered, Metric: NextReply, Cycle: cycle}.Key()
	_, sentB := t.Fired[b]
	_, sentR := t.Fired[rec]
	claimed := slices.ContainsFunc(t.Outbox, func(c Claim) bool { return c.Metric == NextReply && c.Cycle == cycle })
	return sentB && sentR && !claimed
}

// pruned returns m without the keys gone reports, cloned if any go.
func pruned[V any](m map[string]V, gone func(string) bool) map[string]V {
	for k := range m {
		if gone(k) {
			m = maps.Clone(m)
			maps.DeleteFunc(m, func(k string, _ V) bool { return gone(k) })
			return m
		}
	}
	return m
}
