package queue_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/queue"
)

// TestEnoughAt: EnoughAt answers as Enough over the full Input does, on
// random queues around the threshold: replies inside and outside the
// window (before it, after the instant), with and without a service time,
// and waiting tickets, which must not count.
func TestEnoughAt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	const window = 7 * 24 * time.Hour
	seen := map[bool]int{}
	for i := range 2000 {
		var st queue.Stats
		st.Open = map[string]time.Time{}
		for j := range r.IntN(3 * queue.MinHistory) {
			st.Open[string(rune('a'+j%26))+time.Duration(j).String()] = at.Add(-time.Duration(r.IntN(100)) * time.Hour)
		}
		for range r.IntN(3 * queue.MinHistory) {
			rep := queue.Reply{Ticket: "t", At: at.Add(time.Duration(r.IntN(10*24)-9*24) * time.Hour), Wait: time.Minute}
			if r.IntN(3) > 0 {
				rep.Service = time.Duration(r.IntN(3)) * time.Minute // 0 too
			}
			st.Replies = append(st.Replies, rep)
		}
		want := queue.Enough(st.Input("x", at, window))
		if got := st.EnoughAt(at, window); got != want {
			t.Fatalf("case %d: EnoughAt %v, Enough(Input) %v; %d replies", i, got, want, len(st.Replies))
		}
		seen[want]++
	}
	if seen[true] < 100 || seen[false] < 100 {
		t.Errorf("cases: %v; want both answers often", seen)
	}
}
