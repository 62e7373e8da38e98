package sla_test

import (
	"errors"
	"testing"

	"github.com/slawatch/slawatch/shared/sla"
)

// An on-call acknowledgement holds the escalations not yet sent; the breach
// and recovered still go, and a new cycle starts unacknowledged.
func TestAcknowledgeHoldsEscalations(t *testing.T) {
	jo := sla.OnCallAck{By: "jo", Via: "slack", At: T(24*hr + 10*mn)}
	// The email ticket of standardPlan: breach and escalation 1 at T+24h,
	// escalation 2 at T+28h.
	tk := run(t, cfg, created("c", T(0)))
	tk, _ = sla.Fire(tk, T(24*hr)) // warnings, breach and escalation 1 sent
	checkAlerts(t, tk.Pending, standardPlan()[4:], T(24*hr))

	acked, changed, err := sla.Acknowledge(cfg, tk, sla.FirstResponse, 0, jo)
	if err != nil || !changed {
		t.Fatalf("Acknowledge: changed %v, %v", changed, err)
	}
	checkAlerts(t, acked.Pending, nil, T(24*hr)) // escalation 2 held
	if got := acked.OnCall["first_response/0"]; got != jo {
		t.Errorf("OnCall = %+v, want %+v", acked.OnCall, jo)
	}
	if len(tk.OnCall) != 0 {
		t.Error("Acknowledge changed its argument's map")
	}

	// A second acknowledgement (a retried webhook, another person) changes
	// nothing: the first stands.
	again, changed, err := sla.Acknowledge(cfg, acked, sla.FirstResponse, 0, sla.OnCallAck{By: "sam", Via: "pagerduty", At: T(25 * hr)})
	if err != nil || changed || again.OnCall["first_response/0"] != jo {
		t.Errorf("second acknowledgement: changed %v, %v, %+v", changed, err, again.OnCall)
	}

	// New events keep it (Apply carries it over), and the reply still
	// sends recovered.
	later, _, err := sla.Apply(cfg, acked, note("n", T(26*hr)))
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, later.Pending, nil, T(24*hr))
	answered, _, _ := sla.Apply(cfg, later, reply("r", T(27*hr)))
	checkAlerts(t, answered.Pending, []sla.Alert{{Kind: sla.Recovered, Metric: sla.FirstResponse, At: T(27 * hr)}}, T(24*hr))

	// The next cycle is not acknowledged: its escalations are planned.
	next, _, _ := sla.Apply(cfg, answered, cust("m1", T(28*hr)))
	if next.NextReply == nil || next.NextReply.Cycle != 1 {
		t.Fatalf("no next-reply cycle 1: %+v", next.NextReply)
	}
	var escalations int
	for _, a := range next.Pending {
		if a.Metric == sla.NextReply && a.Kind == sla.Escalation {
			escalations++
		}
	}
	if escalations != 2 {
		t.Errorf("next-reply cycle 1 plans %d escalations, want 2: %s", escalations, fmtAlerts(next.Pending))
	}
}

func TestAcknowledgeRefusals(t *testing.T) {
	jo := sla.OnCallAck{By: "jo", Via: "api", At: T(hr)}
	open := run(t, cfg, created("c", T(0)))
	answered := run(t, cfg, created("c", T(0)), reply("r", T(hr)))
	for _, tt := range []struct {
		name    string
		tk      sla.Ticket
		metric  string
		cycle   int
		changed bool
		err     error
	}{
		{"running first response", open, sla.FirstResponse, 0, true, nil},
		{"ended clock: nothing to hold", answered, sla.FirstResponse, 0, false, nil},
		{"a cycle the ticket never had", open, sla.NextReply, 3, false, sla.ErrNoClock},
		{"first response has only cycle 0", open, sla.FirstResponse, 1, false, sla.ErrNoClock},
		{"unknown metric", open, "periodic_update", 0, false, sla.ErrNoClock},
		{"running resolution", open, sla.Resolution, 0, true, nil},
		{"resolution has only cycle 0", open, sla.Resolution, 1, false, sla.ErrNoClock},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, changed, err := sla.Acknowledge(cfg, tt.tk, tt.metric, tt.cycle, jo)
			if changed != tt.changed || !errors.Is(err, tt.err) {
				t.Errorf("changed %v, err %v; want %v, %v", changed, err, tt.changed, tt.err)
			}
		})
	}
}
