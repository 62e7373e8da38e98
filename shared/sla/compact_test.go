package sla

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
)

// compactYAML has a policy per way a ticket can move: a tag, a priority, a
// business-hours calendar (with quiet hours) and a catch-all with
// warnings and escalations.
const compactYAML = `
calendars:
  ny:
    timezone: America/New_York
    hours:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
policies:
  - name: vip
    match: {tags: vip}
    first_response: {within: 30m}
    next_reply: {within: 30m}
    escalation:
      - {after: 0s, notify: on-call}
  - name: urgent
    match: {priority: urgent}
    first_response: {within: 1h}
    next_reply: {within: 2h}
    resolution: {within: 12h}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: lead}
  - name: business
    match: {priority: low}
    calendar: ny
    quiet_hours: true
    first_response: {within: 4h, clock: business}
    next_reply: {within: 4h, clock: business}
    resolution: {within: 16h, clock: business}
    warnings: ["25%", 30m]
    escalation:
      - {after: 1h, notify: lead}
  - name: standard
    first_response: {within: 8h}
    next_reply: {within: 3h}
    resolution: {within: 24h}
    warnings: [1h]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 2h, notify: lead}
`

// tiny compacts every few events and remembers few folded ids, so that
// the property test crosses the watermark and the de-duplication window
// all the time.
var tiny = limits{maxEvents: 8, keepEvents: 3, maxBytes: 1 << 20, keepBytes: 1 << 20, seen: 4}

var ct0 = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC) // a Monday

// randomHistory returns a random ticket history in occurred-at order (with ties).
func randomHistory(r *rand.Rand, n int) []event.Event {
	at := ct0
	mk := func(i int, k event.Kind) event.Event {
		return event.Event{Source: "zd", TicketID: "1", ID: fmt.Sprintf("e%03d", i), Kind: k, OccurredAt: at}
	}
	first := mk(0, event.TicketCreated)
	first.Author, first.Public, first.Channel = event.Customer, true, event.Email
	if r.IntN(8) == 0 {
		first.Author = event.Agent // outbound
	}
	out := []event.Event{first}
	statuses := []event.Status{event.Open, event.Pending, event.OnHold, event.Solved, event.Closed, event.Pending}
	prios := []event.Priority{event.Low, event.Normal, event.High, event.Urgent}
	for i := 1; i < n; i++ {
		if r.IntN(6) > 0 { // else: same instant as the previous event
			at = at.Add(time.Duration(r.IntN(300)) * time.Minute)
		}
		var e event.Event
		switch x := r.IntN(20); {
		case x < 6:
			e = mk(i, event.CustomerMessage)
			e.Author, e.Public = event.Customer, true
			if r.IntN(10) == 0 {
				e.CustomerZone = "Europe/Paris"
			}
		case x < 11:
			e = mk(i, event.AgentReply)
			e.Author, e.Public = event.Agent, r.IntN(5) > 0
			if r.IntN(10) == 0 {
				e.Author = event.Bot
			}
		case x < 12:
			e = mk(i, event.InternalNote)
			e.Author = event.Agent
		case x < 16:
			e = mk(i, event.StatusChanged)
			e.Author, e.Status = event.Agent, statuses[r.IntN(len(statuses))]
		case x < 18:
			e = mk(i, event.PriorityChanged)
			e.Author, e.Priority = event.Agent, prios[r.IntN(len(prios))]
		default:
			e = mk(i, event.TagsChanged)
			// Never the empty set: JSON reads it back as "unchanged"
			// (event.Event's omitempty), a bug of its own.
			e.Author, e.Tags = event.Agent, []string{"billing"}
			if r.IntN(2) == 0 {
				e.Tags = []string{"vip"}
			}
		}
		out = append(out, e)
	}
	return out
}

// deliver returns the events as a helpdesk delivers them: mostly in order,
// some late by a few places, some late by many, some twice (now and then
// with another time, as a redelivery may carry).
func deliver(r *rand.Rand, events []event.Event) []event.Event {
	out := slices.Clone(events)
	for i := range out {
		if r.IntN(4) == 0 {
			j := min(len(out)-1, i+1+r.IntN(4))
			out[i], out[j] = out[j], out[i]
		}
	}
	for range len(out) / 5 {
		i := r.IntN(len(out))
		dup := out[r.IntN(i+1)]
		if r.IntN(4) == 0 {
			dup.OccurredAt = dup.OccurredAt.Add(time.Hour)
		}
		out = slices.Insert(out, i, dup)
	}
	for range 2 { // long-delayed: dated well before what surrounds them
		i, j := r.IntN(len(out)), r.IntN(len(out))
		if i > j {
			i, j = j, i
		}
		e := out[i]
		out = slices.Insert(slices.Delete(out, i, i+1), j, e)
	}
	return out
}

// observable is what a ticket shows and does: everything but the log, the
// checkpoint and the bookkeeping compaction prunes. Late cycles that can
// send nothing more are left out (compaction drops them).
func observable(t Ticket, now time.Time) string {
	t.LateCycles = slices.DeleteFunc(slices.Clone(t.LateCycles), func(m Metric) bool { return spent(&t, m.Cycle) })
	// nil or empty: the same to every reader, and JSON keeps neither.
	t.LateCycles, t.Pending, t.Outbox, t.Tags = nonEmpty(t.LateCycles), nonEmpty(t.Pending), nonEmpty(t.Outbox), nonEmpty(t.Tags)
	clock, running := t.RunningClock()
	next, due := t.NextAlertAt()
	b, err := json.Marshal(struct {
		Attr       []any
		FR, NR     *Metric
		Late       []Metric
		Counts     []int
		Pending    []Alert
		Outbox     []Claim
		Clock      Clock
		Running    bool
		Next       time.Time
		Due        bool
		View       View
		AckOnCalls []string
	}{
		[]any{t.Source, t.ID, t.Channel, t.Priority, t.Status, t.Tags, t.Policy, t.AgentCreated, t.CustomerZone, t.Resolution},
		t.FirstResponse, t.NextReply, t.LateCycles, []int{t.NextReplyCycles, t.NextReplyBreaches},
		t.Pending, t.Outbox, clock, running, next, due, t.View(now), acked(&t),
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func roundTrip(tb testing.TB, t Ticket) Ticket {
	b, err := json.Marshal(t)
	if err != nil {
		tb.Fatal(err)
	}
	var out Ticket
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// The property: a ticket compacted all along (and stored as JSON between
// events) shows and does what the full replay of the same events does —
// clocks, verdicts, deadlines, counts, alerts planned and sent, history
// owed — whatever the order and repetition of delivery. The events it
// refuses as too late are withheld from the full replay too: that is the
// documented rule.
func TestCompactedEqualsFullReplay(t *testing.T) {
	cfg, err := policy.Parse([]byte(compactYAML))
	if err != nil {
		t.Fatal(err)
	}
	var compactions, late, redelivered, lateNew int
	seeds := uint64(200)
	if raceEnabled {
		seeds = 20
	}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 15))
		hist := randomHistory(r, 40+r.IntN(80))
		full, comp := New("zd", "1"), New("zd", "1")
		written := [2]map[string]string{{}, {}} // history records written: id → digest
		applied := map[string]bool{}
		for step, e := range deliver(r, hist) {
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("seed %d step %d (event %s %s at %s): %s", seed, step, e.ID, e.Kind, e.OccurredAt.Format(time.DateTime), fmt.Sprintf(format, args...))
			}
			before := comp.Checkpoint
			next, changed, err := apply(cfg, comp, e, tiny)
			if errors.Is(err, ErrTooLate) {
				late++
				if applied[e.ID] {
					redelivered++
				} else {
					lateNew++
				}
				if changed || !jsonEqual(next, comp) {
					fail("a refused event changed the ticket")
				}
				continue
			}
			if err != nil {
				fail("%v", err)
			}
			comp = roundTrip(t, next)
			if comp.Checkpoint != nil && (before == nil || comp.Checkpoint.Events != before.Events) {
				compactions++
			}
			var fchanged bool
			if full, fchanged, err = apply(cfg, full, e, noLimits); err != nil {
				fail("full replay: %v", err)
			}
			// Stored too: JSON reads an event's empty tag set ("all
			// removed") back as none ("unchanged"), for both alike.
			full = roundTrip(t, full)
			if fchanged != changed {
				fail("compacted changed=%v, full replay changed=%v", changed, fchanged)
			}
			applied[e.ID] = true
			now := e.OccurredAt
			if g, w := observable(comp, now), observable(full, now); g != w {
				fail("compacted differs from the full replay:\n got %s\nwant %s", g, w)
			}
			// Intake: owe the history of ended clocks, and record it.
			by := now.Add(time.Minute)
			var owed [2][]string
			record := r.IntN(3) > 0
			for i, x := range []*Ticket{&comp, &full} {
				var recs []history.Record
				*x, recs = Unrecorded(cfg, *x, by)
				for _, rec := range recs {
					owed[i] = append(owed[i], rec.ID()+"="+Digest(rec))
				}
				if record {
					*x, _ = MarkRecorded(cfg, *x, recs)
					for _, rec := range recs {
						written[i][rec.ID()] = Digest(rec)
					}
				}
			}
			if !slices.Equal(owed[0], owed[1]) {
				fail("history owed:\n got %v\nwant %v", owed[0], owed[1])
			}
			// The checker, now and then, and an on-call acknowledgement.
			if r.IntN(3) == 0 {
				at := now.Add(time.Duration(r.IntN(600)) * time.Minute)
				var sent [2][]Alert
				comp, sent[0] = Fire(comp, at)
				full, sent[1] = Fire(full, at)
				if g, w := fmt.Sprint(sent[0]), fmt.Sprint(sent[1]); g != w {
					fail("checker at %s sent\n %s\nwant %s", at, g, w)
				}
			}
			if c, ok := full.RunningClock(); ok && r.IntN(8) == 0 {
				ack := OnCallAck{By: "U1", Via: "slack", At: now}
				var errs [2]error
				comp, _, errs[0] = Acknowledge(cfg, comp, c.Metric, c.Cycle, ack)
				full, _, errs[1] = Acknowledge(cfg, full, c.Metric, c.Cycle, ack)
				if errs[0] != nil || errs[1] != nil {
					fail("acknowledge: %v", errs)
				}
			}
			if g, w := observable(comp, now), observable(full, now); g != w {
				fail("after the checker, compacted differs:\n got %s\nwant %s", g, w)
			}
		}
		if !maps.Equal(written[0], written[1]) {
			t.Fatalf("seed %d: history written\n got %v\nwant %v", seed, written[0], written[1])
		}
	}
	t.Logf("%d compactions; %d events refused as too late (%d redelivered, %d new)", compactions, late, redelivered, lateNew)
	// The test means nothing unless it crosses the watermark often.
	if int(compactions) < 5*int(seeds) || redelivered < int(seeds)/2 || lateNew < int(seeds)/2 {
		t.Errorf("too few compactions (%d) or late events (%d redelivered, %d new)", compactions, redelivered, lateNew)
	}
}

func jsonEqual(a, b Ticket) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func nonEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// acked lists the on-call acknowledgements of the clocks t still has.
func acked(t *Ticket) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(t.OnCall)) {
		for _, m := range append([]Metric{}, t.LateCycles...) {
			if k == ClockKey(NextReply, m.Cycle) {
				out = append(out, k)
			}
		}
		if k == ClockKey(FirstResponse, 0) || k == ClockKey(Resolution, 0) || (t.NextReply != nil && k == ClockKey(NextReply, t.NextReply.Cycle)) {
			out = append(out, k)
		}
	}
	return out
}

// A checkpoint alone (no events after it) is a whole state: its running
// clock keeps its start and pauses, so replaying it under another
// configuration settles that clock again — the new target counted from
// its own start, skipping its pauses — while clocks already ended keep
// their verdicts. (Re-evaluation after a configuration change builds on
// this.)
func TestCheckpointResettlesRunningClock(t *testing.T) {
	cfg, err := policy.Parse([]byte(compactYAML))
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return ct0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	ev := func(id string, k event.Kind, when time.Time, f func(*event.Event)) event.Event {
		e := event.Event{Source: "zd", TicketID: "1", ID: id, Kind: k, OccurredAt: when, Channel: event.Email}
		if f != nil {
			f(&e)
		}
		return e
	}
	cust := func(e *event.Event) { e.Author, e.Public = event.Customer, true }
	agent := func(e *event.Event) { e.Author, e.Public = event.Agent, true }
	events := []event.Event{
		ev("c", event.TicketCreated, at(0, 0), cust),
		ev("fr", event.AgentReply, at(9, 0), agent), // 9h: the 8h first response breached
		ev("m1", event.CustomerMessage, at(10, 0), cust),
		ev("p", event.StatusChanged, at(10, 30), func(e *event.Event) { e.Status = event.Pending }),
		ev("o", event.StatusChanged, at(11, 30), func(e *event.Event) { e.Status = event.Open }),
	}
	tk := New("zd", "1")
	for _, e := range events {
		if tk, _, err = apply(cfg, tk, e, limits{maxEvents: 4, keepEvents: 1, maxBytes: 1 << 20, keepBytes: 1 << 20, seen: 8}); err != nil {
			t.Fatal(err)
		}
	}
	cp := tk.Checkpoint
	if cp == nil || cp.ID != "p" || len(tk.Events) != 1 {
		t.Fatalf("checkpoint %+v, log %d; want through p, 1 event after it", cp, len(tk.Events))
	}
	// Standard policy: next reply within 3h from 10:00, paused 10:30-11:30.
	got := evaluate(cfg, "zd", "1", cp, tk.Events, nil, nil, nil)
	if due := got.NextReply.DueAt; due == nil || !due.Equal(at(14, 0)) {
		t.Fatalf("next reply due %v, want 14:00", due)
	}
	// The checkpoint alone is the state before "o": paused, no deadline.
	if got := evaluate(cfg, "zd", "1", cp, nil, nil, nil, nil); !got.NextReply.Paused() || got.NextReply.DueAt != nil || got.Policy != "standard" {
		t.Errorf("from the checkpoint alone: %+v (policy %q), want paused, standard", got.NextReply, got.Policy)
	}
	// Under a configuration with a 2h next reply, the same clock is due at
	// 10:00 + 30m before the pause, then 1h30 from 11:30 = 13:00; the first
	// response, ended, keeps its 8h target and breach.
	cfg2, err := policy.Parse([]byte(strings.Replace(compactYAML, "next_reply: {within: 3h}", "next_reply: {within: 2h}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	got = evaluate(cfg2, "zd", "1", cp, tk.Events, nil, nil, nil)
	if due := got.NextReply.DueAt; due == nil || !due.Equal(at(13, 0)) {
		t.Errorf("under the new configuration, next reply due %v, want 13:00", due)
	}
	if fr := got.FirstResponse; fr.Target != 8*time.Hour || !fr.Breach {
		t.Errorf("first response %+v, want its 8h target and breach kept", fr)
	}
	// The same from a checkpoint through "o", with nothing after it: the
	// running clock is settled under the policy its attributes match.
	state := evaluate(cfg, "zd", "1", cp, tk.Events, nil, nil, nil)
	state.Events, state.Checkpoint = nil, nil
	got = evaluate(cfg2, "zd", "1", &Checkpoint{At: at(11, 30), Kind: event.StatusChanged, ID: "o", Events: 5, State: state}, nil, nil, nil, nil)
	if due := got.NextReply.DueAt; due == nil || !due.Equal(at(13, 0)) {
		t.Errorf("from a checkpoint alone, under the new configuration: next reply due %v, want 13:00", due)
	}
}
