package sla_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// retargetYAML is the configuration before the change; retargetNew the
// one after: first response 4h → 2h, next reply 8h → 4h.
const retargetYAML = `
policies:
  - name: standard
    match: {channel: [email, web]}
    first_response: {within: 4h}
    next_reply: {within: 8h}
    warnings: [1h]
`

var (
	retargetOld = mustConfig(retargetYAML)
	retargetNew = mustConfig(strings.NewReplacer("within: 4h", "within: 2h", "within: 8h", "within: 4h").Replace(retargetYAML))
)

func TestConfigVersion(t *testing.T) {
	reordered := mustConfig(`
# the same configuration, written differently
policies:
  - next_reply: { within: "8h" }
    name: standard
    warnings: [ 1h ]

    first_response: {within: 4h}   # a comment
    match: {channel: [email, web]}
`)
	swapped := mustConfig(strings.Replace(retargetYAML, "[email, web]", "[web, email]", 1))
	v := retargetOld.Version()
	switch {
	case v == "" || len(v) != 17:
		t.Fatalf("Version() = %q, want c and 16 hex digits", v)
	case reordered.Version() != v:
		t.Errorf("comments, spacing, quoting and key order changed the version: %s, want %s", reordered.Version(), v)
	case retargetNew.Version() == v:
		t.Errorf("a new target kept the version %s", v)
	case swapped.Version() == v:
		t.Errorf("a list in another order kept the version %s", v)
	}
	tk := run(t, retargetOld, created("c", T(0)))
	if tk.ConfigVersion != v {
		t.Errorf("ticket's config_version %q, want %q", tk.ConfigVersion, v)
	}
}

func TestRetarget(t *testing.T) {
	type clockWant struct {
		metric         string
		oldDue, newDue time.Duration // after T(0)
		direction      string
		atOnce         bool
	}
	tests := []struct {
		name   string
		events []event.Event
		now    time.Duration
		clocks []clockWant
		// The first response after retargeting: its target, deadline and
		// breach (ended clocks keep the old).
		frTarget, frDue time.Duration
		frBreach        bool
		nrDue           time.Duration // 0: no next-reply deadline
	}{{
		name:     "running first response moves earlier",
		events:   []event.Event{created("c", T(0))},
		now:      1 * hr,
		clocks:   []clockWant{{sla.FirstResponse, 4 * hr, 2 * hr, "earlier", false}},
		frTarget: 2 * hr, frDue: 2 * hr,
	}, {
		name:     "running first response moved into the past breaches at once",
		events:   []event.Event{created("c", T(0))},
		now:      3 * hr,
		clocks:   []clockWant{{sla.FirstResponse, 4 * hr, 2 * hr, "earlier", true}},
		frTarget: 2 * hr, frDue: 2 * hr,
	}, {
		// Answered after 3h: in time under 4h, and it stays so although
		// 2h would have breached it. The next reply, running from 5h,
		// is due 5h+8h = 13h, now 5h+4h = 9h.
		name:     "ended clock unchanged, running one moves",
		events:   []event.Event{created("c", T(0)), reply("r", T(3*hr)), cust("m", T(5*hr))},
		now:      6 * hr,
		clocks:   []clockWant{{sla.NextReply, 13 * hr, 9 * hr, "earlier", false}},
		frTarget: 4 * hr, frDue: 4 * hr, nrDue: 9 * hr,
	}, {
		// Next reply from 2h, paused 3h–5h: 1h ran before the pause; the
		// rest runs from 5h: 7h → 12h under 8h, 3h → 8h under 4h.
		name: "pauses kept",
		events: []event.Event{created("c", T(0)), reply("r", T(1*hr)), cust("m", T(2*hr)),
			status("p", T(3*hr), event.Pending), status("o", T(5*hr), event.Open)},
		now:      6 * hr,
		clocks:   []clockWant{{sla.NextReply, 12 * hr, 8 * hr, "earlier", false}},
		frTarget: 4 * hr, frDue: 4 * hr, nrDue: 8 * hr,
	}, {
		// Answered after 5h: breached under 4h, and not rewritten.
		name:     "ended breached clock stays breached",
		events:   []event.Event{created("c", T(0)), reply("r", T(5*hr))},
		now:      6 * hr,
		frTarget: 4 * hr, frDue: 4 * hr, frBreach: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := run(t, retargetOld, tc.events...)
			got, ch := sla.Retarget(retargetOld, retargetNew, before, T(tc.now))
			if got.ConfigVersion != retargetNew.Version() || ch.From != retargetOld.Version() || ch.To != retargetNew.Version() {
				t.Errorf("versions: ticket %q, change %q → %q", got.ConfigVersion, ch.From, ch.To)
			}
			if len(ch.Clocks) != len(tc.clocks) {
				t.Fatalf("changed clocks %+v, want %d", ch.Clocks, len(tc.clocks))
			}
			for i, w := range tc.clocks {
				c := ch.Clocks[i]
				if c.Metric != w.metric || c.OldDue == nil || !c.OldDue.Equal(T(w.oldDue)) || c.NewDue == nil || !c.NewDue.Equal(T(w.newDue)) ||
					c.Direction() != w.direction || c.BreachesAtOnce != w.atOnce || c.OldPolicy != "standard" || c.NewPolicy != "standard" {
					t.Errorf("clock %d: %+v (%s), want %+v", i, c, c.Direction(), w)
				}
			}
			fr := got.FirstResponse
			if fr.Target != tc.frTarget || fr.DueAt == nil || !fr.DueAt.Equal(T(tc.frDue)) || fr.Breach != tc.frBreach {
				t.Errorf("first response: target %v, due %v, breach %v; want %v, %v, %v", fr.Target, fr.DueAt, fr.Breach, tc.frTarget, T(tc.frDue), tc.frBreach)
			}
			if tc.nrDue != 0 {
				checkTime(t, "next reply due", got.NextReply.DueAt, T(tc.nrDue))
			}

			// Idempotent: again changes nothing.
			again, ch2 := sla.Retarget(retargetOld, retargetNew, got, T(tc.now))
			if !reflect.DeepEqual(again, got) || ch2.Moved() {
				t.Errorf("retargeting twice differs from once: moved %+v", ch2.Clocks)
			}
			// The next event, under the new configuration, leaves the
			// ended clocks as they were.
			later, _, err := sla.Apply(retargetNew, got, note("n", T(tc.now)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(later.FirstResponse, got.FirstResponse) && !got.FirstResponse.Running() {
				t.Errorf("an event after retargeting changed the ended first response: %+v, was %+v", later.FirstResponse, got.FirstResponse)
			}
			// So does an event to a ticket not yet retargeted: Apply
			// retargets it first.
			lazy, _, err := sla.Apply(retargetNew, before, note("n", T(tc.now)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lazy.FirstResponse, later.FirstResponse) || !reflect.DeepEqual(lazy.NextReply, later.NextReply) {
				t.Errorf("Apply to a ticket of the old version: first response %+v next reply %+v, want %+v %+v",
					lazy.FirstResponse, lazy.NextReply, later.FirstResponse, later.NextReply)
			}
		})
	}
}

// A deadline moved into the past is breached at the next checker run, and
// only once; a warning already sent is not sent again for the moved clock.
func TestRetargetAlertsOnce(t *testing.T) {
	tk := run(t, retargetOld, created("c", T(0)))
	// Under 4h with a 1h warning: the warning goes out at 3h.
	tk, sent := sla.Fire(tk, T(3*hr+30*mn))
	if len(sent) != 1 || sent[0].Kind != sla.Warning {
		t.Fatalf("before the change sent %+v, want the warning", sent)
	}
	tk, ch := sla.Retarget(retargetOld, retargetNew, tk, T(3*hr+30*mn))
	if !ch.Moved() || !ch.Clocks[0].BreachesAtOnce {
		t.Fatalf("change %+v, want the first response breaching at once", ch.Clocks)
	}
	tk, sent = sla.Fire(tk, T(3*hr+31*mn))
	var kinds []string
	for _, a := range sent {
		kinds = append(kinds, a.Kind)
		if a.Kind == sla.Breach && !a.DueAt.Equal(T(2*hr)) {
			t.Errorf("breach due %v, want %v", a.DueAt, T(2*hr))
		}
	}
	// A warning is not planned once its clock's breach is due: only the
	// breach, the policy having no escalations.
	if !reflect.DeepEqual(kinds, []string{sla.Breach}) {
		t.Fatalf("after the change sent %v, want [%s]", kinds, sla.Breach)
	}
	// Retargeting again, or another run, sends nothing more.
	tk, _ = sla.Retarget(retargetOld, retargetNew, tk, T(3*hr+32*mn))
	if _, sent = sla.Fire(tk, T(3*hr+33*mn)); len(sent) != 0 {
		t.Errorf("a second run sent %+v", sent)
	}
}

// A breach already sent for a running clock is not sent again when the
// deadline moves later and back.
func TestRetargetBackAndForth(t *testing.T) {
	tk := run(t, retargetOld, created("c", T(0)))
	tk, _ = sla.Retarget(retargetOld, retargetNew, tk, T(3*hr))
	tk, sent := sla.Fire(tk, T(3*hr)) // the 2h breach
	if len(sent) == 0 {
		t.Fatal("no breach sent under 2h")
	}
	tk, ch := sla.Retarget(retargetNew, retargetOld, tk, T(3*hr))
	if len(ch.Clocks) != 1 || ch.Clocks[0].Direction() != "later" {
		t.Fatalf("back to 4h: %+v, want the deadline later", ch.Clocks)
	}
	tk, _ = sla.Retarget(retargetOld, retargetNew, tk, T(5*hr))
	if _, sent = sla.Fire(tk, T(5*hr)); len(sent) != 0 {
		t.Errorf("after moving the deadline back and forth sent %+v again", sent)
	}
}

// A warning already sent is not sent again when the deadline moves later
// and the warning's instant with it.
func TestRetargetWarningNotResent(t *testing.T) {
	later := mustConfig(strings.Replace(retargetYAML, "within: 4h", "within: 5h", 1))
	tk := run(t, retargetOld, created("c", T(0)))
	tk, sent := sla.Fire(tk, T(3*hr+30*mn)) // the warning of 4h, at 3h
	if len(sent) != 1 || sent[0].Kind != sla.Warning {
		t.Fatalf("sent %+v, want the warning", sent)
	}
	tk, ch := sla.Retarget(retargetOld, later, tk, T(3*hr+30*mn))
	if len(ch.Clocks) != 1 || ch.Clocks[0].Direction() != "later" || ch.Clocks[0].BreachesAtOnce {
		t.Fatalf("change %+v, want the first response later", ch.Clocks)
	}
	// 5h with a 1h warning: the warning's instant is now 4h; sent already.
	if _, sent = sla.Fire(tk, T(4*hr+10*mn)); len(sent) != 0 {
		t.Errorf("sent %+v again", sent)
	}
	if _, sent = sla.Fire(tk, T(5*hr+10*mn)); len(sent) != 1 || sent[0].Kind != sla.Breach || !sent[0].DueAt.Equal(T(5*hr)) {
		t.Errorf("at 5h10 sent %+v, want the breach due at 5h", sent)
	}
}

// BenchmarkRetarget: retargeting a ticket of 100 events whose ended
// next-reply cycles the new target would settle again (so its log is
// folded), against applying one event to it: the baseline.
func BenchmarkRetarget(b *testing.B) {
	next := mustConfig(strings.Replace(testYAML, "next_reply: {within: 8h}", "next_reply: {within: 6h}", 1))
	evs := long(49)
	base, err := sla.Build(cfg, src, tid, evs[:len(evs)-1]) // the last cycle running
	if err != nil {
		b.Fatal(err)
	}
	b.Run("apply", func(b *testing.B) {
		e := note("n", T(50*hr))
		for range b.N {
			if _, _, err := sla.Apply(cfg, base, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("retarget", func(b *testing.B) {
		for range b.N {
			if _, ch := sla.Retarget(cfg, next, base, T(50*hr)); !ch.Folded || !ch.Moved() {
				b.Fatalf("change %+v: want folded and moved", ch)
			}
		}
	})
}
