package sla_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// Build must give the state Apply gives event by event, whatever the order
// of the events and with repeats, and so the same ended clocks.
func TestBuildMatchesApply(t *testing.T) {
	events := []event.Event{
		created("c", T(0)), reply("r0", T(1*hr)),
		cust("m1", T(2*hr)), reply("r1", T(3*hr)),
		cust("m2", T(4*hr)), priority("p1", T(4*hr), event.Urgent), reply("r2", T(14*hr)),
		cust("m3", T(15*hr)), status("p", T(16*hr), event.Pending), status("o", T(20*hr), event.Open),
		// Same instant as the reply: the tie is broken by kind, not by order given.
		reply("r3", T(21*hr)), status("s", T(21*hr), event.Solved),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		shuffled := append([]event.Event(nil), events...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		// A redelivery with another time must not replace the first seen.
		dup := shuffled[0]
		dup.OccurredAt = dup.OccurredAt.Add(hr)
		shuffled = append(shuffled, dup)

		want := sla.New(src, tid)
		for _, e := range shuffled {
			var err error
			if want, _, err = sla.Apply(cfg, want, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := sla.Build(cfg, src, tid, shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %d: Build differs from Apply:\n got %+v\nwant %+v", i, got, want)
		}
		if g, w := sla.Ended(cfg, got), sla.Ended(cfg, want); !reflect.DeepEqual(g, w) || len(g) != 4 {
			t.Fatalf("order %d: ended clocks %v, want the 4 of %v", i, g, w)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	other := created("c", T(0))
	other.TicketID = "other"
	bad := created("c", T(0))
	bad.Kind = "exploded"
	for name, e := range map[string]event.Event{"another ticket": other, "invalid": bad} {
		if _, err := sla.Build(cfg, src, tid, []event.Event{e}); err == nil {
			t.Errorf("%s: Build accepted it", name)
		}
	}
}
