package sla_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// A clock keeps its last MaxPauses pauses: older ones count as working
// time, so a ticket put on hold thousands of times keeps a bounded item,
// and its deadline only comes earlier.
func TestPausesBounded(t *testing.T) {
	c := mustConfig(`
policies:
  - name: p
    first_response: {within: 1h}
    resolution: {within: 100h}
`)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	evs := []event.Event{created("c", t0), reply("r", t0.Add(10*time.Minute))}
	// Forty half-hour holds, one an hour from t0+1h: 20 h paused in all.
	for i := 1; i <= 40; i++ {
		at := t0.Add(time.Duration(i) * time.Hour)
		evs = append(evs, status(fmt.Sprintf("h%d", i), at, event.OnHold), status(fmt.Sprintf("o%d", i), at.Add(30*time.Minute), event.Open))
	}
	tk, err := sla.Build(c, src, tid, evs)
	if err != nil {
		t.Fatal(err)
	}
	m := tk.Resolution
	if n := len(m.Pauses); n != sla.MaxPauses {
		t.Fatalf("%d pauses, want %d", n, sla.MaxPauses)
	}
	// The 32 kept are holds 9 to 40: 16 h paused, due 100 h + 16 h after
	// t0 (holds 1 to 8 count as working time: 4 h earlier than 120 h).
	if first := m.Pauses[0].From; !first.Equal(t0.Add(9 * time.Hour)) {
		t.Errorf("oldest pause kept from %v, want hold 9 at %v", first, t0.Add(9*time.Hour))
	}
	if want := t0.Add(116 * time.Hour); m.DueAt == nil || !m.DueAt.Equal(want) {
		t.Errorf("due %v, want %v", m.DueAt, want)
	}
}
