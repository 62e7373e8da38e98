package sla_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// checkAlerts compares alerts; a want without DueAt gets due.
func checkAlerts(t testing.TB, got, want []sla.Alert, due time.Time) {
	t.Helper()
	for i := range want {
		if want[i].DueAt.IsZero() {
			want[i].DueAt = due
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d alerts, want %d:\n got: %s\nwant: %s", len(got), len(want), fmtAlerts(got), fmtAlerts(want))
		return
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Kind != w.Kind || g.Metric != w.Metric || g.Cycle != w.Cycle || g.Level != w.Level ||
			!g.At.Equal(w.At) || !g.DueAt.Equal(w.DueAt) || !slices.Equal(g.Notify, w.Notify) {
			t.Errorf("alert %d:\n got: %s\nwant: %s", i, fmtAlerts(got[i:i+1]), fmtAlerts(want[i:i+1]))
		}
	}
}

func fmtAlerts(as []sla.Alert) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Key()+" at "+fmtTime(a.At)+" due "+fmtTime(a.DueAt)+" notify "+strings.Join(a.Notify, ","))
	}
	return "[" + strings.Join(s, "; ") + "]"
}

// standardPlan is the alert plan of an email ticket created at T0: first
// response due T+24h, warnings 4h and 1h before, escalations at 0s and 4h.
func standardPlan() []sla.Alert {
	return []sla.Alert{
		{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 1, At: T(20 * hr)},
		{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 2, At: T(23 * hr)},
		{Kind: sla.Breach, Metric: sla.FirstResponse, At: T(24 * hr)},
		{Kind: sla.Escalation, Metric: sla.FirstResponse, Level: 1, At: T(24 * hr), Notify: []string{"on-call"}},
		{Kind: sla.Escalation, Metric: sla.FirstResponse, Level: 2, At: T(28 * hr), Notify: []string{"lead"}},
	}
}

// urgentPlan is the plan of an urgent first response started at T0: due
// T+1h, warned 25% of the target (15m) before, escalated at 0s and 30m.
func urgentPlan() []sla.Alert {
	return []sla.Alert{
		{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 1, At: T(45 * mn)},
		{Kind: sla.Breach, Metric: sla.FirstResponse, At: T(hr)},
		{Kind: sla.Escalation, Metric: sla.FirstResponse, Level: 1, At: T(hr), Notify: []string{"on-call"}},
		{Kind: sla.Escalation, Metric: sla.FirstResponse, Level: 2, At: T(90 * mn), Notify: []string{"lead"}},
	}
}

func TestAlertKey(t *testing.T) {
	for _, tc := range []struct {
		a    sla.Alert
		want string
	}{
		{sla.Alert{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 2}, "first_response/0/sla.warning/2"},
		{sla.Alert{Kind: sla.Breach, Metric: sla.NextReply, Cycle: 3}, "next_reply/3/sla.breach/0"},
		{sla.Alert{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(hr)}, "next_reply/1/sla.escalation/1"},
	} {
		if got := tc.a.Key(); got != tc.want {
			t.Errorf("Key() = %q, want %q", got, tc.want)
		}
	}
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []event.Event
		want []sla.Alert
		due  time.Time
	}{
		{
			name: "first response, fixed warnings",
			evs:  []event.Event{created("c", T(0))},
			want: standardPlan(),
			due:  T(24 * hr),
		},
		{
			name: "first response, percentage warning",
			evs:  []event.Event{created("c", T(0), prio(event.Urgent))},
			want: urgentPlan(),
			due:  T(hr),
		},
		{
			name: "re-planned when the priority changes",
			evs:  []event.Event{created("c", T(0)), priority("p", T(10*mn), event.Urgent)},
			want: urgentPlan(),
			due:  T(hr),
		},
		{
			name: "next reply cycle",
			evs:  []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr))},
			// Due T+10h: warnings at 6h and 9h, escalations at 10h and 14h.
			want: []sla.Alert{
				{Kind: sla.Warning, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(6 * hr)},
				{Kind: sla.Warning, Metric: sla.NextReply, Cycle: 1, Level: 2, At: T(9 * hr)},
				{Kind: sla.Breach, Metric: sla.NextReply, Cycle: 1, At: T(10 * hr)},
				{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(10 * hr), Notify: []string{"on-call"}},
				{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 2, At: T(14 * hr), Notify: []string{"lead"}},
			},
			due: T(10 * hr),
		},
		{
			name: "next reply after a pause",
			evs: []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr)),
				status("p", T(3*hr), event.Pending), status("o", T(5*hr), event.Open)},
			// Due T+12h; warnings measured on the paused clock.
			want: []sla.Alert{
				{Kind: sla.Warning, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(8 * hr)},
				{Kind: sla.Warning, Metric: sla.NextReply, Cycle: 1, Level: 2, At: T(11 * hr)},
				{Kind: sla.Breach, Metric: sla.NextReply, Cycle: 1, At: T(12 * hr)},
				{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(12 * hr), Notify: []string{"on-call"}},
				{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 2, At: T(16 * hr), Notify: []string{"lead"}},
			},
			due: T(12 * hr),
		},
		{
			// Paused: no deadline, so nothing to warn about or breach.
			name: "paused clock",
			evs:  []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr)), status("p", T(3*hr), event.Pending)},
		},
		{name: "answered", evs: []event.Event{created("c", T(0)), reply("r", T(hr))}},
		{name: "solved", evs: []event.Event{created("c", T(0)), status("s", T(hr), event.Solved)}},
		{name: "no policy", evs: []event.Event{created("c", T(0), on(event.SMS))}},
		{name: "policy without escalation or target for next reply", evs: []event.Event{created("c", T(0), on(event.Chat)), reply("r", T(hr)), cust("m", T(2*hr))}},
		{
			name: "policy without warnings or escalation",
			evs:  []event.Event{created("c", T(0), withTags("vip"))},
			want: []sla.Alert{{Kind: sla.Breach, Metric: sla.FirstResponse, At: T(30 * mn)}},
			due:  T(30 * mn),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			checkAlerts(t, tk.Pending, tc.want, tc.due)
			at, ok := tk.NextAlertAt()
			if ok != (len(tc.want) > 0) || (ok && !at.Equal(tc.want[0].At)) {
				t.Errorf("NextAlertAt = %s, %v", fmtTime(at), ok)
			}
		})
	}
}

func TestFire(t *testing.T) {
	plan := standardPlan()
	for _, tc := range []struct {
		name string
		now  time.Time
		send []sla.Alert // in order
		due  int         // how many of the plan are due (and marked fired)
	}{
		{"nothing due yet", T(20*hr - time.Second), nil, 0},
		{"first warning", T(20 * hr), plan[:1], 1},
		{"both warnings due: only the later", T(23*hr + 30*mn), plan[1:2], 2},
		{"at the deadline: breach and first escalation, warnings dropped", T(24 * hr), plan[2:4], 4},
		{"between escalations", T(27 * hr), plan[2:4], 4},
		{"everything due: breach and the highest escalation", T(28 * hr), []sla.Alert{plan[2], plan[4]}, 5},
		{"long after", T(100 * hr), []sla.Alert{plan[2], plan[4]}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, created("c", T(0)))
			before := state(t, tk)
			got, send := sla.Fire(tk, tc.now)
			checkAlerts(t, send, slices.Clone(tc.send), T(24*hr))
			if state(t, tk) != before {
				t.Errorf("Fire modified its input")
			}
			if len(got.Fired) != tc.due {
				t.Errorf("Fired = %v, want %d keys", got.Fired, tc.due)
			}
			for _, a := range plan[:tc.due] {
				if at, ok := got.Fired[a.Key()]; !ok || !at.Equal(tc.now) {
					t.Errorf("%s not marked fired at now: %v", a.Key(), got.Fired)
				}
			}
			checkAlerts(t, got.Pending, slices.Clone(plan[tc.due:]), T(24*hr))
			// Nothing is sent twice.
			again, send2 := sla.Fire(got, tc.now)
			if len(send2) != 0 || !maps.Equal(again.Fired, got.Fired) {
				t.Errorf("second Fire sent %s", fmtAlerts(send2))
			}
			// Nor after the state is rebuilt from the events.
			rebuilt := sla.Evaluate(cfg, src, tid, got.Events, got.Fired, nil)
			if _, send3 := sla.Fire(rebuilt, tc.now); len(send3) != 0 {
				t.Errorf("Fire after Evaluate sent %s", fmtAlerts(send3))
			}
		})
	}
}

func TestFireSequence(t *testing.T) {
	plan := standardPlan()
	tk := run(t, cfg, created("c", T(0)))
	for _, step := range []struct {
		now  time.Time
		send []sla.Alert
	}{
		{T(19 * hr), nil},
		{T(20 * hr), plan[0:1]},
		{T(21 * hr), nil},
		{T(23 * hr), plan[1:2]},
		{T(24 * hr), plan[2:4]},
		{T(26 * hr), nil},
		{T(28*hr + mn), plan[4:5]},
		{T(40 * hr), nil},
	} {
		var send []sla.Alert
		tk, send = sla.Fire(tk, step.now)
		checkAlerts(t, send, slices.Clone(step.send), T(24*hr))
		// A checker that reads the ticket again sees no resent alerts.
		var err error
		if tk, _, err = sla.Apply(cfg, tk, note("n"+step.now.Format("150405"), step.now)); err != nil {
			t.Fatal(err)
		}
	}
	if len(tk.Fired) != 5 || len(tk.Pending) != 0 {
		t.Errorf("Fired %v Pending %v", tk.Fired, tk.Pending)
	}
	if _, ok := tk.NextAlertAt(); ok {
		t.Errorf("NextAlertAt with nothing pending")
	}
}

// The supersession rules apply per clock (metric and cycle).
func TestFirePerClock(t *testing.T) {
	a := func(kind, metric string, cycle, level int, at time.Duration) sla.Alert {
		return sla.Alert{Kind: kind, Metric: metric, Cycle: cycle, Level: level, At: T(at), DueAt: T(at)}
	}
	pending := []sla.Alert{
		a(sla.Warning, sla.FirstResponse, 0, 1, hr),         // kept: nothing later for this clock
		a(sla.Escalation, sla.NextReply, 1, 1, 2*hr),        // kept: cycle 2 is another clock
		a(sla.Warning, sla.NextReply, 2, 1, 3*hr),           // dropped: a breach of cycle 2 follows
		a(sla.Warning, sla.NextReply, 2, 2, 3*hr+30*mn),     // dropped: likewise
		a(sla.Breach, sla.NextReply, 2, 0, 4*hr),            // always sent
		a(sla.Escalation, sla.NextReply, 2, 1, 4*hr),        // dropped: level 2 is due
		a(sla.Escalation, sla.NextReply, 2, 2, 5*hr),        // kept
		a(sla.Warning, sla.NextReply, 3, 1, 5*hr+30*mn),     // kept: its breach is not due
		a(sla.Breach, sla.NextReply, 3, 0, 7*hr),            // not due
		a(sla.Escalation, sla.FirstResponse, 0, 1, 8*hr),    // not due
		a(sla.Escalation, sla.FirstResponse, 0, 2, 9*hr),    // not due
		a(sla.Escalation, sla.NextReply, 2, 3, 10*hr),       // not due
		a(sla.Breach, sla.NextReply, 4, 0, 10*hr+time.Hour), // not due
	}
	tk := sla.Ticket{Source: src, ID: tid, Pending: pending}
	got, send := sla.Fire(tk, T(6*hr))
	var keys []string
	for _, s := range send {
		keys = append(keys, s.Key())
	}
	want := []string{
		"first_response/0/sla.warning/1",
		"next_reply/1/sla.escalation/1",
		"next_reply/2/sla.breach/0",
		"next_reply/2/sla.escalation/2",
		"next_reply/3/sla.warning/1",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("sent %v\nwant %v", keys, want)
	}
	if len(got.Fired) != 8 || len(got.Pending) != 5 || !got.Pending[0].At.Equal(T(7*hr)) {
		t.Errorf("fired %d pending %d", len(got.Fired), len(got.Pending))
	}
	if len(tk.Pending) != len(pending) || tk.Fired != nil {
		t.Errorf("Fire modified its input")
	}
}

func TestFiredSurvivesReplanning(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)))
	tk, send := sla.Fire(tk, T(20*hr))
	checkAlerts(t, send, standardPlan()[:1], T(24*hr))
	var err error
	tk, _, err = sla.Apply(cfg, tk, note("n", T(21*hr)))
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, tk.Pending, standardPlan()[1:], T(24*hr))
	// Escalated to urgent: due T+1h, long past. The urgent plan's first
	// warning has the key of the warning already sent, so it is not sent
	// again; breach and the highest escalation go out at once.
	tk, _, err = sla.Apply(cfg, tk, priority("p", T(21*hr), event.Urgent))
	if err != nil {
		t.Fatal(err)
	}
	checkAlerts(t, tk.Pending, urgentPlan()[1:], T(hr))
	_, send = sla.Fire(tk, T(21*hr))
	checkAlerts(t, send, []sla.Alert{urgentPlan()[1], urgentPlan()[3]}, T(hr))
}

func TestReplyRemovesAlerts(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)))
	tk, _ = sla.Fire(tk, T(20*hr))
	tk, _, _ = sla.Apply(cfg, tk, reply("r", T(21*hr)))
	if len(tk.Pending) != 0 {
		t.Errorf("pending after the reply: %s", fmtAlerts(tk.Pending))
	}
	// The next cycle has alerts of its own, none of them fired.
	tk, _, _ = sla.Apply(cfg, tk, cust("m", T(22*hr)))
	if len(tk.Pending) != 5 || tk.Pending[0].Metric != sla.NextReply || tk.Pending[0].Cycle != 1 {
		t.Fatalf("cycle 1 alerts: %s", fmtAlerts(tk.Pending))
	}
	// Cycle 1 breaches (due T+30h); cycle 2 still gets its own breach.
	tk, send := sla.Fire(tk, T(31*hr))
	checkAlerts(t, send, []sla.Alert{
		{Kind: sla.Breach, Metric: sla.NextReply, Cycle: 1, At: T(30 * hr)},
		{Kind: sla.Escalation, Metric: sla.NextReply, Cycle: 1, Level: 1, At: T(30 * hr), Notify: []string{"on-call"}},
	}, T(30*hr))
	tk, _, _ = sla.Apply(cfg, tk, reply("r2", T(32*hr)))
	// The breach was sent, so the late reply is news: recovered, at the
	// reply, and nothing else.
	if len(tk.Pending) != 1 || tk.Pending[0].Key() != "next_reply/1/sla.recovered/0" || !tk.Pending[0].At.Equal(T(32*hr)) || tk.NextReplyBreaches != 1 {
		t.Errorf("after the late reply: pending %s, breaches %d", fmtAlerts(tk.Pending), tk.NextReplyBreaches)
	}
	tk, send = sla.Fire(tk, T(32*hr))
	if len(send) != 1 || send[0].Kind != sla.Recovered {
		t.Errorf("sent %s, want recovered", fmtAlerts(send))
	}
	tk, _, _ = sla.Apply(cfg, tk, cust("m2", T(33*hr)))
	if len(tk.Pending) != 5 || tk.Pending[2].Key() != "next_reply/2/sla.breach/0" || !tk.Pending[2].At.Equal(T(41*hr)) {
		t.Errorf("cycle 2 alerts: %s", fmtAlerts(tk.Pending))
	}
}

func TestSolveRemovesAlerts(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)))
	tk, _ = sla.Fire(tk, T(20*hr))
	tk, _, _ = sla.Apply(cfg, tk, status("s", T(21*hr), event.Solved))
	if len(tk.Pending) != 0 {
		t.Errorf("pending after solving: %s", fmtAlerts(tk.Pending))
	}
	if _, send := sla.Fire(tk, T(100*hr)); len(send) != 0 {
		t.Errorf("alerts sent for a solved ticket: %s", fmtAlerts(send))
	}
	if _, ok := tk.Fired[standardPlan()[0].Key()]; !ok {
		t.Errorf("fired warning forgotten: %v", tk.Fired)
	}
	// Paused clocks send nothing either, and resume their plan afterwards.
	tk = run(t, cfg, created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr)), status("p", T(3*hr), event.Pending))
	if _, send := sla.Fire(tk, T(100*hr)); len(send) != 0 {
		t.Errorf("alerts sent for a paused clock: %s", fmtAlerts(send))
	}
}
