package sla_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/sla"
)

// TestPlanLeavesClaimedOut: an alert a checker run has claimed, and
// nothing fired yet, stays out of the plan a later event makes; the rest
// of the plan is unchanged.
func TestPlanLeavesClaimedOut(t *testing.T) {
	tk, _, err := sla.Apply(cfg, sla.New(src, tid), created("c", T(0)))
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, tk.Pending, standardPlan(), T(24*hr))
	// The first warning is due: claimed, not yet sent.
	tk, send, changed := sla.ClaimDue(tk, T(20*hr), time.Minute)
	if !changed || len(send) != 1 || len(tk.Outbox) != 1 || len(tk.Fired) != 0 {
		t.Fatalf("claim: changed %v, send %v, outbox %v, fired %v", changed, send, tk.Outbox, tk.Fired)
	}
	tk, _, err = sla.Apply(cfg, tk, note("n", T(20*hr+time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, tk.Pending, standardPlan()[1:], T(24*hr))
}
