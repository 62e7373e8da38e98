package main

import "testing"

// TestKeptPayloads: finished tickets' payloads are kept for after sending
// while they fit the budget; one that does not fit is not counted (its
// caller parses it at once), and a smaller one after it may still fit.
func TestKeptPayloads(t *testing.T) {
	ticketOf := func(sizes ...int) *ticket {
		tk := &ticket{}
		for _, n := range sizes {
			tk.deliveries = append(tk.deliveries, &delivery{body: make([]byte, n)})
		}
		return tk
	}
	k := &keptPayloads{budget: 2000} // a delivery counts its body and 256 bytes
	for i, c := range []struct {
		t    *ticket
		keep bool
		n    int64
	}{
		{ticketOf(100, 200), true, 812},
		{ticketOf(500), true, 1568},
		{ticketOf(300), false, 1568},
		{ticketOf(100), true, 1924},
		{ticketOf(), true, 1924},
	} {
		if got := k.keep(c.t); got != c.keep || k.n.Load() != c.n {
			t.Errorf("ticket %d: keep %v with %d bytes counted; want %v, %d", i, got, k.n.Load(), c.keep, c.n)
		}
	}
}
