package sla_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/sla"
)

func applyAll(t *testing.T, tk sla.Ticket, events ...event.Event) sla.Ticket {
	t.Helper()
	for _, e := range events {
		var err error
		if tk, _, err = sla.Apply(cfg, tk, e); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
	}
	return tk
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Past 128 events the log is folded into a checkpoint: 202 events leave
// the 64 newest, and the state is the full replay's.
func TestApplyCompactsLongLog(t *testing.T) {
	events := long(100) // 202 events
	got := applyAll(t, sla.New(src, tid), events...)
	full, err := sla.Build(cfg, src, tid, events)
	if err != nil {
		t.Fatal(err)
	}
	if got.Checkpoint == nil || len(full.Events) != 202 {
		t.Fatalf("no checkpoint after 202 events (log %d, full %d)", len(got.Events), len(full.Events))
	}
	// The 129th event makes the log too long: the 65 oldest are folded,
	// 64 kept. 65 more make it 129 again at the 194th: 130 folded in all,
	// through events[129] (r63), and the last 8 events make the log 72.
	if cp := got.Checkpoint; cp.Events != 130 || len(got.Events) != 72 || cp.ID != "r63" {
		t.Errorf("checkpoint of %d events through %s, log of %d; want 130 through r63, 72", cp.Events, cp.ID, len(got.Events))
	}
	if v := got.View(T(200 * hr)); v.Events != 202 {
		t.Errorf("view counts %d events, want 202", v.Events)
	}
	if got.NextReplyCycles != 100 || got.NextReply.Cycle != 100 || !got.NextReply.RespondedAt.Equal(T(100*hr+10*mn)) {
		t.Errorf("cycles %d, last %+v; want 100, answered at T(100h10m)", got.NextReplyCycles, got.NextReply)
	}
	for _, x := range []*sla.Ticket{&got, &full} {
		x.Events, x.Checkpoint = nil, nil
	}
	if g, w := marshal(t, got), marshal(t, full); g != w {
		t.Errorf("compacted state differs from the full replay:\n got %s\nwant %s", g, w)
	}
}

// An event dated at or before the checkpoint: a redelivery changes
// nothing (whether its id is still remembered or not), a new one is
// refused with ErrTooLate and leaves the ticket as it was; an event after
// the checkpoint but before the log's newest still takes its place.
func TestApplyLateEventsAfterCompaction(t *testing.T) {
	events := long(100)
	tk := applyAll(t, sla.New(src, tid), events...)
	cp := tk.Checkpoint // through r63 at T(64h10m)
	if cp == nil || cp.ID != "r63" || !cp.At.Equal(T(64*hr+10*mn)) {
		t.Fatalf("checkpoint %+v, want through r63", cp)
	}
	before := marshal(t, tk)
	for _, c := range []struct {
		name string
		e    event.Event
		late bool
	}{
		{"redelivered, id remembered", events[100], false},
		{"redelivered, first event", events[0], false},
		{"redelivered with a later time", func() event.Event { e := events[100]; e.OccurredAt = T(90 * hr); return e }(), false},
		{"new, long before", cust("lost-event", T(10*hr)), true},
		{"new, at the watermark, sorted before it", cust("late-event", T(64*hr+10*mn)), true},
		{"the watermark's own event, redelivered", events[129], false},
	} {
		got, changed, err := sla.Apply(cfg, tk, c.e)
		if changed || marshal(t, got) != before {
			t.Errorf("%s: the ticket changed", c.name)
		}
		if late := errors.Is(err, sla.ErrTooLate); late != c.late || (err != nil && !late) {
			t.Errorf("%s: %v, want ErrTooLate %v", c.name, err, c.late)
		}
		if err != nil && strings.Contains(err.Error(), c.e.ID) {
			t.Errorf("%s: the error quotes the event id: %v", c.name, err)
		}
	}
	// After the watermark (an event of the same instant sorting after it:
	// a status change), the event is replayed in its place: it solves the
	// ticket at T(64h10m), so m64 at T(65h) reopens it and starts a cycle.
	solve := status("s", T(64*hr+10*mn), event.Solved)
	got, changed, err := sla.Apply(cfg, tk, solve)
	if err != nil || !changed {
		t.Fatalf("solve after the watermark: %v, changed %v", err, changed)
	}
	full, _ := sla.Build(cfg, src, tid, append(events, solve))
	got.Events, got.Checkpoint, full.Events = nil, nil, nil
	if g, w := marshal(t, got), marshal(t, full); g != w {
		t.Errorf("late event after the watermark:\n got %s\nwant %s", g, w)
	}
}

// A ticket stored before compaction existed (no checkpoint in its JSON)
// is a checkpoint at the beginning: it reads, and the next event
// compacts it to the state of the full replay.
func TestOldTicketWithoutCheckpoint(t *testing.T) {
	events := long(100)
	old, err := sla.Build(cfg, src, tid, events[:201]) // the whole log, as stored before
	if err != nil {
		t.Fatal(err)
	}
	b := marshal(t, old)
	if strings.Contains(b, "checkpoint") {
		t.Fatal("Build wrote a checkpoint")
	}
	var stored sla.Ticket
	if err := json.Unmarshal([]byte(b), &stored); err != nil {
		t.Fatal(err)
	}
	next, changed, err := sla.Apply(cfg, stored, events[201])
	if err != nil || !changed || next.Checkpoint == nil || len(next.Events) != 64 || next.EventCount() != 202 {
		t.Fatalf("next event: %v, changed %v, log %d, count %d", err, changed, len(next.Events), next.EventCount())
	}
	full, _ := sla.Build(cfg, src, tid, events)
	next.Events, next.Checkpoint, full.Events = nil, nil, nil
	if g, w := marshal(t, next), marshal(t, full); g != w {
		t.Errorf("old ticket, compacted:\n got %s\nwant %s", g, w)
	}
}

// What grows per cycle — alert keys sent, on-call acknowledgements, late
// cycles, history marks — stays bounded over 1,000 cycles each answered
// late and acknowledged, with the checker sending every breach and
// recovered and the history recording every clock; while the records owed
// stay owed until recorded.
func TestCompactionBoundsBookkeeping(t *testing.T) {
	tk := applyAll(t, sla.New(src, tid), created("c", T(0)), reply("fr", T(1*mn)))
	var written int
	record := func(by time.Time, mark bool) []history.Record {
		var owed []history.Record
		tk, owed = sla.Unrecorded(cfg, tk, by)
		if mark {
			tk, _ = sla.MarkRecorded(cfg, tk, owed)
			written += len(owed)
		}
		return owed
	}
	record(T(1*mn), true)
	for i := range 1000 {
		at := T(time.Duration(i+1) * 24 * hr)
		tk = applyAll(t, tk, cust(fmt.Sprintf("m%d", i), at))
		var err error
		if tk, _, err = sla.Acknowledge(cfg, tk, sla.NextReply, i+1, sla.OnCallAck{By: "U1", Via: "slack", At: at}); err != nil {
			t.Fatal(err)
		}
		tk, _ = sla.Fire(tk, at.Add(9*hr)) // the breach, 8h in, and escalations
		tk = applyAll(t, tk, reply(fmt.Sprintf("r%d", i), at.Add(10*hr)))
		record(at.Add(10*hr), true)
		tk, _ = sla.Fire(tk, at.Add(11*hr)) // recovered
	}
	if tk.NextReplyBreaches != 1000 || written != 1001 {
		t.Fatalf("%d breaches, %d records written; want 1000, 1001", tk.NextReplyBreaches, written)
	}
	if n := len(tk.Fired); n > 128*6 {
		t.Errorf("%d alert keys kept", n)
	}
	if n := len(tk.OnCall); n > 128 {
		t.Errorf("%d on-call acknowledgements kept", n)
	}
	if n := len(tk.LateCycles); n > 128 {
		t.Errorf("%d late cycles kept", n)
	}
	if n := len(tk.Recorded); n > 128 {
		t.Errorf("%d history marks kept", n)
	}
	if b := marshal(t, tk); len(b) > 64<<10 {
		t.Errorf("ticket of %d bytes after 1,000 cycles", len(b))
	}
	if p := tk.Pending; len(p) != 0 {
		t.Errorf("alerts pending after every one was sent: %v", p)
	}

	// Unrecorded ones are kept past compaction until recorded, and then
	// dropped.
	for i := range 200 {
		at := T(time.Duration(2000+i) * 24 * hr)
		tk = applyAll(t, tk, cust(fmt.Sprintf("n%d", i), at), reply(fmt.Sprintf("s%d", i), at.Add(hr)))
		record(at.Add(hr), false)
	}
	if owed := record(T(3000*24*hr), false); len(owed) != 200 || owed[0].Cycle != 1001 || owed[199].Cycle != 1200 {
		t.Fatalf("%d records owed, want the 200 cycles 1001-1200", len(owed))
	}
	record(T(3000*24*hr), true)
	for i := range 130 { // enough to compact past them all
		at := T(time.Duration(4000+i) * 24 * hr)
		tk = applyAll(t, tk, cust(fmt.Sprintf("o%d", i), at))
	}
	if n := len(tk.Checkpoint.Records); n != 1 {
		t.Errorf("%d records kept after they were recorded, want the first response's", n)
	}
}

// The checkpoint round-trips through JSON, as the store keeps it.
func TestCheckpointJSON(t *testing.T) {
	tk := applyAll(t, sla.New(src, tid), long(100)...)
	var back sla.Ticket
	if err := json.Unmarshal([]byte(marshal(t, tk)), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(marshal(t, back), marshal(t, tk)) || back.Checkpoint == nil || len(back.Checkpoint.Seen) == 0 {
		t.Errorf("round trip changed the ticket")
	}
}
