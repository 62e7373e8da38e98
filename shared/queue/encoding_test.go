package queue_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/queue"
)

// The stored form round-trips at millisecond precision and is compact: a
// reply is one short array.
func TestStatsEncoding(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var s queue.Stats
	s.Arrive("1840001", t0)
	s.Arrive("1840002", t0.Add(5*time.Minute))
	s.Arrive("1840003", t0.Add(6*time.Minute))
	s.Answer(queue.Answer{Ticket: "1840001", Started: t0, At: t0.Add(37 * time.Minute)})
	p := eta.Promise{By: t0.Add(time.Hour), Mean: 30 * time.Minute, Spread: 10 * time.Minute}
	s.Answer(queue.Answer{Ticket: "1840002", Started: t0.Add(5 * time.Minute), At: t0.Add(52*time.Minute + 500*time.Millisecond), Promise: &p})
	s.Arrive("1840004", t0.Add(7*time.Minute))
	s.Drop("1840004")

	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// t0 is 1,795,424,400,000 ms after the epoch (computed independently:
	// Python's datetime(2026, 11, 23, 9, tzinfo=utc).timestamp()).
	// 1840002: waited 47m0.5s (2,820,500 ms), served since the previous
	// reply at 9:37 (15m0.5s = 900,500 ms), residual (47.0083 - 30)/10 =
	// 1.70083..., promised and kept (flags 3). Its service is the week's
	// only one: on a Monday (index 1, Sunday first), count 1, 900,500 ms.
	// 1840004 left unanswered after the two replies: left 1, ended
	// 1 + 0.995 + 0.995² = 2.985025, stored to 3 decimals.
	want := `{"open":{"1840003":1795424760000},"replies":[["1840001",1795426620000,2220000,0,null,0],` +
		`["1840002",1795427520500,2820500,900500,1.7008333333333334,3]],"last_reply":1795427520500,` +
		`"week":[0,0,1,900500,0,0,0,0,0,0,0,0,0,0],"left":[1,2.985]}`
	if string(b) != want {
		t.Errorf("encoded\n %s\nwant\n %s", b, want)
	}
	var back queue.Stats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	// The counts come back to 3 decimals; the rest exactly.
	if back.Left != 1 || back.Ended != 2.985 {
		t.Errorf("left %v of %v, want 1 of 2.985", back.Left, back.Ended)
	}
	back.Ended = s.Ended
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip\n %+v\nwant\n %+v", back, s)
	}
	var zero queue.Stats
	if b, _ := json.Marshal(zero); string(b) != "{}" {
		t.Errorf("empty stats: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"replies":[["x",1,2]]}`), &back); err == nil {
		t.Error("a short reply array decoded")
	}
	if err := json.Unmarshal([]byte(`{"week":[1,2,3]}`), &back); err == nil {
		t.Error("a short week decoded")
	}
	if err := json.Unmarshal([]byte(`{"left":[1]}`), &back); err == nil {
		t.Error("a short left decoded")
	}
}
