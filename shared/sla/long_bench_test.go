package sla_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"

	"github.com/slawatch/slawatch/shared/sla"
)

// BenchmarkApplyLong times one more event on a ticket that has received n
// (run it on older code too: it uses only Build and Apply). The ticket is
// brought to its stored form by one Apply first, untimed.
func BenchmarkApplyLong(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			events := long(n / 2)
			base, err := sla.Build(cfg, src, tid, events[:n-1])
			if err != nil {
				b.Fatal(err)
			}
			if base, _, err = sla.Apply(cfg, base, events[n-1]); err != nil {
				b.Fatal(err)
			}
			next := cust("next", T(time.Duration(n/2+1)*hr))
			b.ResetTimer()
			for range b.N {
				if _, _, err := sla.Apply(cfg, base, next); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// long returns a ticket created at T(0) and answered at once, then n
// customer messages an hour apart (from T(1h)), each answered 10 minutes
// later on the "standard" email policy (next reply within 8h).
func long(n int) []event.Event {
	out := []event.Event{created("c", T(0)), reply("fr", T(1*mn))}
	for i := range n {
		at := T(time.Duration(i+1) * hr)
		out = append(out, cust(fmt.Sprintf("m%d", i), at), reply(fmt.Sprintf("r%d", i), at.Add(10*mn)))
	}
	return out
}
