package sla

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/slawatch/slawatch/shared/policy"
)

// TestHoldsDeduplicates is the property the DynamoDB store relies on to
// write a ticket without a de-duplication record: once Apply has applied
// an event, the new state Holds its id, and no later delivery of that id
// is applied again — held, it changes nothing; folded out of the
// remembered ids, it is refused as too late. The limits compact every
// few events and remember 8 folded ids, so deliveries cross both edges
// all the time, redeliveries with another time included.
//
// A compaction folds at most maxEvents events, the new one possibly among
// them (a late event): the checkpoint must remember at least that many ids
// for the new state to hold it, as the default limits do (512 ≥ 128).
func TestHoldsDeduplicates(t *testing.T) {
	if defaultLimits.seen < defaultLimits.maxEvents {
		t.Fatalf("the checkpoint remembers %d folded ids, fewer than the %d one compaction may fold", defaultLimits.seen, defaultLimits.maxEvents)
	}
	lim := limits{maxEvents: 8, keepEvents: 3, maxBytes: 1 << 20, keepBytes: 1 << 20, seen: 8}
	cfg, err := policy.Parse([]byte(compactYAML))
	if err != nil {
		t.Fatal(err)
	}
	var held, late int
	seeds := uint64(200)
	if raceEnabled {
		seeds = 20
	}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 16))
		tk := New("zd", "1")
		applied := map[string]bool{}
		for step, e := range deliver(r, randomHistory(r, 40+r.IntN(80))) {
			holds := tk.Holds(e.ID)
			if holds && !applied[e.ID] {
				t.Fatalf("seed %d step %d: ticket holds %s, never applied", seed, step, e.ID)
			}
			next, changed, err := apply(cfg, tk, e, lim)
			switch {
			case errors.Is(err, ErrTooLate):
				if applied[e.ID] {
					late++
				}
				continue
			case err != nil:
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			if applied[e.ID] {
				if changed {
					t.Fatalf("seed %d step %d: event %s applied twice (held before: %v)", seed, step, e.ID, holds)
				}
				held++
				continue
			}
			if !changed {
				t.Fatalf("seed %d step %d: new event %s changed nothing", seed, step, e.ID)
			}
			tk = roundTrip(t, next)
			applied[e.ID] = true
			if !tk.Holds(e.ID) {
				t.Fatalf("seed %d step %d: event %s applied, but the new state does not hold it", seed, step, e.ID)
			}
		}
	}
	t.Logf("repeats: %d held (no change), %d no longer held (refused as too late)", held, late)
	if held == 0 || late == 0 {
		t.Errorf("the deliveries did not cross both edges: %d held, %d late", held, late)
	}
}
