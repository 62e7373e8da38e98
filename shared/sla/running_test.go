package sla_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

func TestRunningClock(t *testing.T) {
	// Deadlines by hand from testYAML: standard is 24h first response, 8h
	// next reply, warned 4h and 1h before (the window opens at the 4h one);
	// urgent 1h, warned 25% (15m) before; chat 1h first response, no
	// warnings and no next-reply target; sms matches no policy.
	nr := []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr))} // next reply due T+10h
	for _, tc := range []struct {
		name string
		evs  []event.Event
		want *sla.Clock // nil: none listed
	}{
		{"new email ticket", []event.Event{created("c", T(0))},
			&sla.Clock{Metric: sla.FirstResponse, Policy: "standard", Channel: event.Email, Priority: event.Normal, Due: T(24 * hr), Warn: T(20 * hr)}},
		{"urgent", []event.Event{created("c", T(0), prio(event.Urgent))},
			&sla.Clock{Metric: sla.FirstResponse, Policy: "urgent", Channel: event.Email, Priority: event.Urgent, Due: T(hr), Warn: T(45 * mn)}},
		{"no warnings", []event.Event{created("c", T(0), on(event.Chat))},
			&sla.Clock{Metric: sla.FirstResponse, Policy: "chat", Channel: event.Chat, Priority: event.Normal, Due: T(hr)}},
		{"answered", []event.Event{created("c", T(0)), reply("r", T(hr))}, nil},
		{"next reply", nr,
			&sla.Clock{Metric: sla.NextReply, Cycle: 1, Policy: "standard", Channel: event.Email, Priority: event.Normal, Due: T(10 * hr), Warn: T(6 * hr)}},
		{"paused before its deadline", append(nr[:3:3], status("p", T(3*hr), event.Pending)), nil},
		{"paused after its deadline", append(nr[:3:3], status("p", T(11*hr), event.Pending)),
			&sla.Clock{Metric: sla.NextReply, Cycle: 1, Policy: "standard", Channel: event.Email, Priority: event.Normal, Due: T(10 * hr), Warn: T(6 * hr), Paused: true}},
		{"solved", []event.Event{created("c", T(0)), status("s", T(hr), event.Solved)}, nil},
		{"no next-reply target", []event.Event{created("c", T(0), on(event.Chat)), reply("r", T(mn)), cust("m", T(2*mn))}, nil},
		{"no policy", []event.Event{created("c", T(0), on(event.SMS))}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			got, ok := tk.RunningClock()
			switch {
			case tc.want == nil && ok:
				t.Errorf("RunningClock = %+v, want none", got)
			case tc.want != nil && !ok:
				t.Errorf("RunningClock: none, want %+v", *tc.want)
			case tc.want != nil && got != *tc.want:
				t.Errorf("RunningClock = %+v,\n                 want %+v", got, *tc.want)
			}
		})
	}
}

func TestClockState(t *testing.T) {
	warned := sla.Clock{Due: T(hr), Warn: T(45 * mn)}
	unwarned := sla.Clock{Due: T(hr)}
	for _, tc := range []struct {
		c    sla.Clock
		now  time.Time
		want string
	}{
		{warned, T(0), sla.OnTrack},
		{warned, T(45*mn - time.Second), sla.OnTrack},
		{warned, T(45 * mn), sla.AtRisk}, // the warning's instant opens the window
		{warned, T(hr), sla.AtRisk},      // due exactly now: not yet late (as Metric.Breached)
		{warned, T(hr + time.Millisecond), sla.Breached},
		{unwarned, T(hr), sla.OnTrack},
		{unwarned, T(5 * hr), sla.Breached},
	} {
		if got := tc.c.State(tc.now); got != tc.want {
			t.Errorf("State(%s) of a clock due %s warned %s = %s, want %s", fmtTime(tc.now), fmtTime(tc.c.Due), fmtTime(tc.c.Warn), got, tc.want)
		}
	}
}
