package sla_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
)

// testYAML is the configuration most tests run against. Channels: email and
// web get "standard", chat "chat" (no next-reply target), api "business"
// (business hours in New York); sms matches nothing.
const testYAML = `
calendars:
  ny:
    timezone: America/New_York
    hours:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
policies:
  - name: vip
    match: {tags: vip}
    first_response: {within: 30m}
    next_reply: {within: 30m}
  - name: urgent
    match: {priority: urgent}
    first_response: {within: 1h}
    next_reply: {within: 2h}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: lead}
  - name: business
    match: {channel: api}
    calendar: ny
    first_response: {within: 4h, clock: business}
    next_reply: {within: 4h, clock: business}
    warnings: ["25%", 30m]
    escalation:
      - {after: 1h, notify: lead}
  - name: chat
    match: {channel: chat}
    first_response: {within: 1h}
  - name: standard
    match: {channel: [email, web]}
    first_response: {within: 24h}
    next_reply: {within: 8h}
    warnings: [4h, 1h]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 4h, notify: lead}
`

var cfg = mustConfig(testYAML)

func mustConfig(doc string) *policy.Config {
	c, err := policy.Parse([]byte(doc))
	if err != nil {
		panic(err)
	}
	return c
}

const (
	hr = time.Hour
	mn = time.Minute
)

// t0 is a Monday morning; T(d) is d after it.
var t0 = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)

func T(d time.Duration) time.Time { return t0.Add(d) }

const (
	src = "zendesk"
	tid = "42"
)

type opt func(*event.Event)

func by(r event.Role) opt           { return func(e *event.Event) { e.Author = r } }
func public(b bool) opt             { return func(e *event.Event) { e.Public = b } }
func ack() opt                      { return func(e *event.Event) { e.Acknowledgement = true } }
func on(c event.Channel) opt        { return func(e *event.Event) { e.Channel = c } }
func prio(p event.Priority) opt     { return func(e *event.Event) { e.Priority = p } }
func withStatus(s event.Status) opt { return func(e *event.Event) { e.Status = s } }
func withTags(tags ...string) opt {
	return func(e *event.Event) { e.Tags = append([]string{}, tags...) }
}

func ev(id string, k event.Kind, at time.Time, opts ...opt) event.Event {
	e := event.Event{Source: src, TicketID: tid, ID: id, Kind: k, OccurredAt: at}
	for _, o := range opts {
		o(&e)
	}
	return e
}

// created is a ticket opened by the customer by email unless opts say otherwise.
func created(id string, at time.Time, opts ...opt) event.Event {
	return ev(id, event.TicketCreated, at, append([]opt{by(event.Customer), public(true), on(event.Email)}, opts...)...)
}

func cust(id string, at time.Time, opts ...opt) event.Event {
	return ev(id, event.CustomerMessage, at, append([]opt{by(event.Customer), public(true)}, opts...)...)
}

// reply is a public reply by a human agent: the only thing that answers.
func reply(id string, at time.Time, opts ...opt) event.Event {
	return ev(id, event.AgentReply, at, append([]opt{by(event.Agent), public(true)}, opts...)...)
}

func note(id string, at time.Time, opts ...opt) event.Event {
	return ev(id, event.InternalNote, at, append([]opt{by(event.Agent)}, opts...)...)
}

func status(id string, at time.Time, s event.Status) event.Event {
	return ev(id, event.StatusChanged, at, by(event.Agent), withStatus(s))
}

func priority(id string, at time.Time, p event.Priority) event.Event {
	return ev(id, event.PriorityChanged, at, by(event.Agent), prio(p))
}

func retag(id string, at time.Time, tags ...string) event.Event {
	return ev(id, event.TagsChanged, at, by(event.Agent), withTags(tags...))
}

// run applies events in the given order to a new ticket.
func run(t testing.TB, p sla.Policies, evs ...event.Event) sla.Ticket {
	t.Helper()
	tk := sla.New(src, tid)
	for _, e := range evs {
		var (
			changed bool
			err     error
		)
		tk, changed, err = sla.Apply(p, tk, e)
		if err != nil {
			t.Fatalf("Apply(%s): %v", e.ID, err)
		}
		if !changed {
			t.Fatalf("Apply(%s): changed = false for a new event", e.ID)
		}
	}
	return tk
}

// checkTime compares an optional instant; a zero want means nil.
func checkTime(t testing.TB, what string, got *time.Time, want time.Time) {
	t.Helper()
	switch {
	case want.IsZero() && got != nil:
		t.Errorf("%s = %s, want nil", what, fmtTime(*got))
	case !want.IsZero() && got == nil:
		t.Errorf("%s = nil, want %s", what, fmtTime(want))
	case got != nil && !got.Equal(want):
		t.Errorf("%s = %s, want %s", what, fmtTime(*got), fmtTime(want))
	}
}

// fmtTime shows an instant as an offset from t0 when it is close to it.
func fmtTime(x time.Time) string {
	if d := x.Sub(t0); d > -1000*hr && d < 1000*hr {
		return fmt.Sprintf("T+%v", d)
	}
	return x.UTC().Format(time.RFC3339)
}

// metricWant is the expected state of one clock; zero times mean nil.
type metricWant struct {
	cycle     int
	start     time.Time
	target    time.Duration
	due       time.Time
	responded time.Time
	stopped   time.Time
	breach    bool
}

func checkMetric(t testing.TB, name string, m *sla.Metric, w *metricWant) {
	t.Helper()
	if w == nil {
		if m != nil {
			t.Errorf("%s = %+v, want nil", name, *m)
		}
		return
	}
	if m == nil {
		t.Errorf("%s = nil, want a clock started at %s", name, fmtTime(w.start))
		return
	}
	if m.Cycle != w.cycle {
		t.Errorf("%s.Cycle = %d, want %d", name, m.Cycle, w.cycle)
	}
	if !m.StartedAt.Equal(w.start) {
		t.Errorf("%s.StartedAt = %s, want %s", name, fmtTime(m.StartedAt), fmtTime(w.start))
	}
	if m.Target != w.target {
		t.Errorf("%s.Target = %v, want %v", name, m.Target, w.target)
	}
	checkTime(t, name+".DueAt", m.DueAt, w.due)
	checkTime(t, name+".RespondedAt", m.RespondedAt, w.responded)
	checkTime(t, name+".StoppedAt", m.StoppedAt, w.stopped)
	if m.Breach != w.breach {
		t.Errorf("%s.Breach = %v, want %v", name, m.Breach, w.breach)
	}
}

// state renders a ticket's whole state for equality checks.
func state(t testing.TB, tk sla.Ticket) string {
	t.Helper()
	b, err := json.MarshalIndent(tk, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameState(t testing.TB, what string, got, want sla.Ticket) {
	t.Helper()
	g, w := state(t, got), state(t, want)
	if g == w {
		return
	}
	gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
	for i := range max(len(gl), len(wl)) {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			t.Errorf("%s: state differs at line %d:\n got: %s\nwant: %s", what, i+1, a, b)
			return
		}
	}
}

func TestFirstResponseWhatCounts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		e      event.Event
		counts bool
	}{
		{"public agent reply", reply("x", T(hr)), true},
		{"internal note", note("x", T(hr)), false},
		{"internal note flagged public", note("x", T(hr), public(true)), false},
		{"private agent reply", reply("x", T(hr), public(false)), false},
		{"public bot reply", reply("x", T(hr), by(event.Bot)), false},
		{"slawatch acknowledgement", reply("x", T(hr), ack()), false},
		{"acknowledgement by a bot", reply("x", T(hr), by(event.Bot), ack()), false},
		{"reply authored by the customer role", reply("x", T(hr), by(event.Customer)), false},
		{"customer message", cust("x", T(hr)), false},
		{"status change by an agent", status("x", T(hr), event.Open), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, created("c", T(0)), tc.e)
			want := &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)}
			if tc.counts {
				want.responded = T(hr)
			}
			checkMetric(t, "FirstResponse", tk.FirstResponse, want)
			// Whatever did not count, the next real reply does.
			tk = run(t, cfg, created("c", T(0)), tc.e, reply("r", T(2*hr)))
			if !tc.counts {
				want.responded = T(2 * hr)
			}
			checkMetric(t, "FirstResponse after a real reply", tk.FirstResponse, want)
			if tk.NextReply != nil || tk.NextReplyCycles != 0 {
				t.Errorf("next-reply cycle started: %+v", tk.NextReply)
			}
		})
	}
}

func TestFirstResponseStart(t *testing.T) {
	for _, tc := range []struct {
		name         string
		evs          []event.Event
		agentCreated bool
		fr, nr       *metricWant
		cycles       int
	}{
		{
			name: "created by the customer",
			evs:  []event.Event{created("c", T(0)), cust("m", T(5*mn))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name: "first customer message without a created event",
			evs:  []event.Event{cust("m", T(5*mn), on(event.Email)), cust("m2", T(hr))},
			fr:   &metricWant{start: T(5 * mn), target: 24 * hr, due: T(24*hr + 5*mn)},
		},
		{
			name: "customer message before a later created event",
			evs:  []event.Event{cust("m", T(0), on(event.Email)), created("c", T(10*mn))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name: "created event delivered after the message it precedes",
			evs:  []event.Event{cust("m", T(10*mn), on(event.Email)), created("c", T(0))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name:         "outbound: created by an agent with a public message",
			evs:          []event.Event{created("c", T(0), by(event.Agent))},
			agentCreated: true,
		},
		{
			name:         "outbound, then the customer answers",
			evs:          []event.Event{created("c", T(0), by(event.Agent)), cust("m", T(2*hr)), cust("m2", T(3*hr))},
			agentCreated: true,
			nr:           &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)},
			cycles:       1,
		},
		{
			name:         "outbound, agent follows up before the customer answers",
			evs:          []event.Event{created("c", T(0), by(event.Agent)), reply("r", T(hr)), cust("m", T(2*hr))},
			agentCreated: true,
			nr:           &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)},
			cycles:       1,
		},
		{
			name:         "outbound, then a second created event by the customer",
			evs:          []event.Event{created("c", T(0), by(event.Agent)), cust("m", T(2*hr)), created("c2", T(3*hr))},
			agentCreated: true,
			nr:           &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)},
			cycles:       1,
		},
		{
			name: "logged by an agent on behalf of the customer (not public)",
			evs:  []event.Event{created("c", T(0), by(event.Agent), public(false)), cust("m", T(hr))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name: "created by a bot",
			evs:  []event.Event{created("c", T(0), by(event.Bot))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name: "customer messages while the first response runs start nothing else",
			evs:  []event.Event{created("c", T(0)), cust("m1", T(hr)), cust("m2", T(2*hr)), note("n", T(3*hr))},
			fr:   &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			if tk.AgentCreated != tc.agentCreated {
				t.Errorf("AgentCreated = %v, want %v", tk.AgentCreated, tc.agentCreated)
			}
			checkMetric(t, "FirstResponse", tk.FirstResponse, tc.fr)
			checkMetric(t, "NextReply", tk.NextReply, tc.nr)
			if tk.NextReplyCycles != tc.cycles {
				t.Errorf("NextReplyCycles = %d, want %d", tk.NextReplyCycles, tc.cycles)
			}
			if tk.Policy != "standard" || tk.Channel != event.Email {
				t.Errorf("policy %q channel %q, want standard email", tk.Policy, tk.Channel)
			}
		})
	}
}

func TestNextReplyCycles(t *testing.T) {
	// Standard policy: next reply within 8h.
	steps := []struct {
		e                 event.Event
		cycles, breaches  int
		nr                *metricWant
		firstResponseDone bool
	}{
		{created("e01", T(0)), 0, 0, nil, false},
		{reply("e02", T(hr)), 0, 0, nil, true},
		{cust("e03", T(2*hr)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)}, true},
		// A second message does not restart the cycle: the oldest unanswered one counts.
		{cust("e04", T(3*hr)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)}, true},
		{note("e05", T(4*hr)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)}, true},
		{reply("e06", T(5*hr), by(event.Bot)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)}, true},
		{reply("e07", T(5*hr)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr), responded: T(5 * hr)}, true},
		// A second reply answers nothing.
		{reply("e08", T(5*hr+30*mn)), 1, 0, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr), responded: T(5 * hr)}, true},
		{cust("e09", T(6*hr)), 2, 0, &metricWant{cycle: 2, start: T(6 * hr), target: 8 * hr, due: T(14 * hr)}, true},
		{reply("e10", T(15*hr)), 2, 1, &metricWant{cycle: 2, start: T(6 * hr), target: 8 * hr, due: T(14 * hr), responded: T(15 * hr), breach: true}, true},
		{cust("e11", T(16*hr)), 3, 1, &metricWant{cycle: 3, start: T(16 * hr), target: 8 * hr, due: T(24 * hr)}, true},
		// Exactly at the deadline is in time.
		{reply("e12", T(24*hr)), 3, 1, &metricWant{cycle: 3, start: T(16 * hr), target: 8 * hr, due: T(24 * hr), responded: T(24 * hr)}, true},
	}
	tk := sla.New(src, tid)
	for _, s := range steps {
		var err error
		tk, _, err = sla.Apply(cfg, tk, s.e)
		if err != nil {
			t.Fatal(err)
		}
		if tk.NextReplyCycles != s.cycles || tk.NextReplyBreaches != s.breaches {
			t.Errorf("after %s: cycles %d breaches %d, want %d %d", s.e.ID, tk.NextReplyCycles, tk.NextReplyBreaches, s.cycles, s.breaches)
		}
		checkMetric(t, "after "+s.e.ID+": NextReply", tk.NextReply, s.nr)
		if got := tk.FirstResponse != nil && tk.FirstResponse.RespondedAt != nil; got != s.firstResponseDone {
			t.Errorf("after %s: first response answered = %v, want %v", s.e.ID, got, s.firstResponseDone)
		}
	}
	checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)})
}

func TestNextReplyAfterStoppedFirstResponse(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)), status("s", T(hr), event.Solved), cust("m", T(2*hr)))
	checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(hr)})
	checkMetric(t, "NextReply", tk.NextReply, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)})
	if tk.Status != event.Open {
		t.Errorf("Status = %s, want open", tk.Status)
	}
}

// Events at the same instant replay as created < priority/tags < customer
// message < agent reply/note < status change, then by event id.
func TestSameInstantOrder(t *testing.T) {
	t.Run("reply and solve in the same instant: the reply counts", func(t *testing.T) {
		solve := ev("a-solve", event.StatusChanged, T(2*hr), by(event.Agent), withStatus(event.Solved)) // sorts before the reply by id
		rep := reply("z-reply", T(2*hr))
		for _, order := range [][]event.Event{{solve, rep}, {rep, solve}} {
			tk := run(t, cfg, append([]event.Event{created("c", T(0))}, order...)...)
			checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(2 * hr)})
			if tk.Status != event.Solved {
				t.Errorf("Status = %s, want solved", tk.Status)
			}
		}
	})
	t.Run("reply and solve in the same instant after the deadline: a late reply", func(t *testing.T) {
		tk := run(t, cfg, status("a", T(25*hr), event.Solved), reply("b", T(25*hr)), created("c", T(0)))
		checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(25 * hr), breach: true})
	})
	t.Run("the reply in the same event as solving", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)), reply("r", T(2*hr), withStatus(event.Solved)))
		checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(2 * hr)})
		if tk.Status != event.Solved {
			t.Errorf("Status = %s, want solved", tk.Status)
		}
	})
	t.Run("created before a message of the same instant", func(t *testing.T) {
		tk := run(t, cfg, cust("a", T(0)), created("b", T(0), by(event.Agent)))
		// The outbound ticket is created first, so the message starts a
		// next-reply cycle rather than a first-response clock.
		if !tk.AgentCreated || tk.FirstResponse != nil {
			t.Errorf("AgentCreated %v FirstResponse %+v, want outbound ticket", tk.AgentCreated, tk.FirstResponse)
		}
		checkMetric(t, "NextReply", tk.NextReply, &metricWant{cycle: 1, start: T(0), target: 8 * hr, due: T(8 * hr)})
	})
	t.Run("priority change before a reply of the same instant", func(t *testing.T) {
		// Urgent: 1h from T0, so the reply at T+2h is late.
		tk := run(t, cfg, reply("a", T(2*hr)), priority("b", T(2*hr), event.Urgent), created("c", T(0)))
		checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: hr, due: T(hr), responded: T(2 * hr), breach: true})
	})
	t.Run("customer message before a reply of the same instant", func(t *testing.T) {
		tk := run(t, cfg, created("c", T(0)), reply("r1", T(hr)), reply("a", T(2*hr)), cust("b", T(2*hr)))
		checkMetric(t, "NextReply", tk.NextReply, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr), responded: T(2 * hr)})
	})
	t.Run("same kind and instant: by event id", func(t *testing.T) {
		for _, tc := range []struct {
			first, second event.Event
			want          event.Status
		}{
			{status("s1", T(hr), event.Pending), status("s2", T(hr), event.Open), event.Open},
			{status("s1", T(hr), event.Open), status("s2", T(hr), event.Pending), event.Pending},
		} {
			for _, order := range [][]event.Event{{tc.first, tc.second}, {tc.second, tc.first}} {
				tk := run(t, cfg, append([]event.Event{created("c", T(0))}, order...)...)
				if tk.Status != tc.want {
					t.Errorf("%s then %s: Status = %s, want %s", order[0].ID, order[1].ID, tk.Status, tc.want)
				}
			}
		}
	})
}

// inOrder is a ticket's life touching every rule, in occurred-at order.
func inOrder() []event.Event {
	return []event.Event{
		created("e01", T(0)),
		cust("e02", T(10*mn)),
		note("e03", T(30*mn)),
		reply("e04", T(hr)),                   // first response, in time
		cust("e05", T(2*hr)),                  // next reply cycle 1: 8h
		status("e06", T(3*hr), event.Pending), // paused 1h
		status("e07", T(4*hr), event.Open),
		priority("e08", T(5*hr), event.Urgent), // cycle 1 now 2h + 1h paused: due T+5h
		reply("e09", T(6*hr)),                  // late
		retag("e10", T(7*hr), "vip"),
		cust("e11", T(8*hr)),                 // cycle 2 under vip: 30m
		status("e12", T(9*hr), event.Solved), // stopped late
		cust("e13", T(10*hr)),                // reopens; cycle 3: due T+10h30m
		reply("e14", T(10*hr+20*mn)),
		status("e15", T(10*hr+20*mn), event.Solved),
	}
}

func checkInOrderState(t *testing.T, tk sla.Ticket) {
	t.Helper()
	checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)})
	checkMetric(t, "NextReply", tk.NextReply, &metricWant{cycle: 3, start: T(10 * hr), target: 30 * mn, due: T(10*hr + 30*mn), responded: T(10*hr + 20*mn)})
	if tk.NextReplyCycles != 3 || tk.NextReplyBreaches != 2 {
		t.Errorf("cycles %d breaches %d, want 3 2", tk.NextReplyCycles, tk.NextReplyBreaches)
	}
	if tk.Status != event.Solved || tk.Priority != event.Urgent || tk.Policy != "vip" || !slices.Equal(tk.Tags, []string{"vip"}) {
		t.Errorf("status %s priority %s policy %s tags %v", tk.Status, tk.Priority, tk.Policy, tk.Tags)
	}
	if len(tk.Pending) != 0 {
		t.Errorf("Pending = %+v, want none", tk.Pending)
	}
}

func TestInOrder(t *testing.T) {
	tk := run(t, cfg, inOrder()...)
	checkInOrderState(t, tk)
	// Cycle 1 step by step: after the priority change it is due at T+5h.
	mid := run(t, cfg, inOrder()[:8]...)
	checkMetric(t, "NextReply at T+5h", mid.NextReply, &metricWant{cycle: 1, start: T(2 * hr), target: 2 * hr, due: T(5 * hr)})
	// Evaluate on the sorted log gives the same state.
	sameState(t, "Evaluate", sla.Evaluate(cfg, src, tid, tk.Events, nil, nil), tk)
}

func TestOutOfOrder(t *testing.T) {
	want := run(t, cfg, inOrder()...)
	rng := rand.New(rand.NewPCG(1, 2))
	orders := map[string][]event.Event{"reversed": slices.Clone(inOrder())}
	slices.Reverse(orders["reversed"])
	// Last event first, the rest in order: a webhook that overtook all others.
	orders["rotated"] = append([]event.Event{inOrder()[14]}, inOrder()[:14]...)
	for i := range 5 {
		evs := inOrder()
		rng.Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
		orders[fmt.Sprintf("shuffle %d", i)] = evs
	}
	for name, evs := range orders {
		t.Run(name, func(t *testing.T) {
			got := run(t, cfg, evs...)
			checkInOrderState(t, got)
			sameState(t, name, got, want)
			ids := make([]string, len(got.Events))
			for i, e := range got.Events {
				ids[i] = e.ID
			}
			if want := "e01 e02 e03 e04 e05 e06 e07 e08 e09 e10 e11 e12 e13 e14 e15"; strings.Join(ids, " ") != want {
				t.Errorf("Events in order %v", ids)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	tk := run(t, cfg, inOrder()...)
	before := state(t, tk)
	for _, e := range inOrder() {
		got, changed, err := sla.Apply(cfg, tk, e)
		if err != nil || changed {
			t.Errorf("re-applying %s: changed %v err %v, want unchanged", e.ID, changed, err)
		}
		if !reflect.DeepEqual(got, tk) {
			t.Errorf("re-applying %s changed the ticket", e.ID)
		}
	}
	// The same id with other content is still a duplicate: the first wins.
	imposter := reply("e02", T(30*mn))
	got, changed, err := sla.Apply(cfg, tk, imposter)
	if err != nil || changed || !reflect.DeepEqual(got, tk) {
		t.Errorf("event with a known id but new content: changed %v err %v", changed, err)
	}
	if state(t, tk) != before {
		t.Errorf("ticket modified in place")
	}
	// A duplicate redelivered in the middle of a stream.
	half := run(t, cfg, inOrder()[:5]...)
	half2, changed, _ := sla.Apply(cfg, half, inOrder()[1])
	if changed || !reflect.DeepEqual(half2, half) {
		t.Errorf("redelivered e02 changed the ticket")
	}
}

func TestApplyErrors(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)))
	for _, tc := range []struct {
		name string
		e    event.Event
		want string
	}{
		{"invalid event", ev("", event.AgentReply, T(hr), by(event.Agent)), "event_id"},
		{"reply without author", ev("x", event.AgentReply, T(hr)), "author"},
		{"other ticket", func() event.Event { e := reply("x", T(hr)); e.TicketID = "43"; return e }(), "zendesk/43"},
		{"other source", func() event.Event { e := reply("x", T(hr)); e.Source = "freshdesk"; return e }(), "freshdesk/42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed, err := sla.Apply(cfg, tk, tc.e)
			if err == nil || !strings.Contains(err.Error(), tc.want) || changed {
				t.Errorf("Apply = changed %v, err %v; want error mentioning %q", changed, err, tc.want)
			}
			if !reflect.DeepEqual(got, tk) {
				t.Errorf("ticket changed on error")
			}
		})
	}
}

// Apply returns a new state and leaves the old one usable: two different
// continuations of the same ticket do not interfere.
func TestApplyDoesNotModifyInput(t *testing.T) {
	base := run(t, cfg, created("c", T(0)), cust("m", T(hr)))
	snapshot := state(t, base)
	a, _, err := sla.Apply(cfg, base, reply("r", T(2*hr)))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := sla.Apply(cfg, base, status("s", T(3*hr), event.Solved))
	if err != nil {
		t.Fatal(err)
	}
	if state(t, base) != snapshot {
		t.Errorf("Apply modified its input")
	}
	if a.Events[len(a.Events)-1].ID != "r" || b.Events[len(b.Events)-1].ID != "s" {
		t.Errorf("continuations share their event log: %v / %v", a.Events, b.Events)
	}
	checkTime(t, "a: FirstResponse.RespondedAt", a.FirstResponse.RespondedAt, T(2*hr))
	checkTime(t, "b: FirstResponse.StoppedAt", b.FirstResponse.StoppedAt, T(3*hr))
}

func TestPolicyChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		evs    []event.Event
		policy string
		fr, nr *metricWant
	}{
		{
			name:   "normal to urgent re-targets the running first response from its start",
			evs:    []event.Event{created("c", T(0)), priority("p", T(10*mn), event.Urgent)},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr)},
		},
		{
			name:   "urgent already past the new deadline: running, and due in the past",
			evs:    []event.Event{created("c", T(0)), priority("p", T(3*hr), event.Urgent)},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr)},
		},
		{
			name:   "escalated, then answered in time",
			evs:    []event.Event{created("c", T(0)), priority("p", T(10*mn), event.Urgent), reply("r", T(50*mn))},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr), responded: T(50 * mn)},
		},
		{
			name:   "escalated, then answered late",
			evs:    []event.Event{created("c", T(0)), priority("p", T(10*mn), event.Urgent), reply("r", T(2*hr))},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr), responded: T(2 * hr), breach: true},
		},
		{
			name:   "urgent lowered to normal relaxes the running clock",
			evs:    []event.Event{created("c", T(0), prio(event.Urgent)), priority("p", T(2*hr), event.Normal)},
			policy: "standard",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name:   "running next reply re-targeted from the customer's message",
			evs:    []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr)), priority("p", T(3*hr), event.Urgent)},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)},
			nr:     &metricWant{cycle: 1, start: T(2 * hr), target: 2 * hr, due: T(4 * hr)},
		},
		{
			name:   "tags change to vip",
			evs:    []event.Event{created("c", T(0)), retag("t", T(5*mn), "billing", "vip")},
			policy: "vip",
			fr:     &metricWant{start: T(0), target: 30 * mn, due: T(30 * mn)},
		},
		{
			name:   "vip tag removed again",
			evs:    []event.Event{created("c", T(0), withTags("vip")), retag("t", T(5*mn))},
			policy: "standard",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name:   "tags on another event replace the set",
			evs:    []event.Event{created("c", T(0), withTags("vip")), note("n", T(5*mn), withTags("billing"))},
			policy: "standard",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name:   "channel change from chat to email",
			evs:    []event.Event{created("c", T(0), on(event.Chat)), note("n", T(30*mn), on(event.Email))},
			policy: "standard",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)},
		},
		{
			name:   "first match wins: vip before urgent",
			evs:    []event.Event{created("c", T(0), prio(event.Urgent), withTags("vip"))},
			policy: "vip",
			fr:     &metricWant{start: T(0), target: 30 * mn, due: T(30 * mn)},
		},
		// Clocks that have ended keep the verdict of the policy in force then.
		{
			name:   "fulfilled in time, not re-judged after escalation to urgent",
			evs:    []event.Event{created("c", T(0)), reply("r", T(3*hr)), priority("p", T(4*hr), event.Urgent)},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(3 * hr)},
		},
		{
			name:   "fulfilled late under urgent, still late after lowering",
			evs:    []event.Event{created("c", T(0), prio(event.Urgent)), reply("r", T(2*hr)), priority("p", T(3*hr), event.Low)},
			policy: "standard",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr), responded: T(2 * hr), breach: true},
		},
		{
			name:   "stopped in time, not re-judged after escalation",
			evs:    []event.Event{created("c", T(0)), status("s", T(3*hr), event.Solved), priority("p", T(4*hr), event.Urgent)},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(3 * hr)},
		},
		{
			name: "ended next-reply cycle keeps its verdict, delivered out of order",
			evs: []event.Event{priority("p", T(5*hr), event.Urgent), reply("r2", T(4*hr)), cust("m", T(2*hr)),
				reply("r", T(hr)), created("c", T(0))},
			policy: "urgent",
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)},
			nr:     &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr), responded: T(4 * hr)},
		},
		{
			name:   "no policy matches",
			evs:    []event.Event{created("c", T(0), on(event.SMS)), reply("r", T(hr)), cust("m", T(2*hr))},
			policy: "",
			fr:     &metricWant{start: T(0), responded: T(hr)},
			nr:     &metricWant{cycle: 1, start: T(2 * hr)},
		},
		{
			name:   "policy without a next-reply target",
			evs:    []event.Event{created("c", T(0), on(event.Chat)), reply("r", T(hr)), cust("m", T(2*hr))},
			policy: "chat",
			fr:     &metricWant{start: T(0), target: hr, due: T(hr), responded: T(hr)},
			nr:     &metricWant{cycle: 1, start: T(2 * hr)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			if tk.Policy != tc.policy {
				t.Errorf("Policy = %q, want %q", tk.Policy, tc.policy)
			}
			checkMetric(t, "FirstResponse", tk.FirstResponse, tc.fr)
			checkMetric(t, "NextReply", tk.NextReply, tc.nr)
			if tc.policy == "" && len(tk.Pending) != 0 {
				t.Errorf("alerts without a policy: %+v", tk.Pending)
			}
		})
	}
}

func TestRetargetBreachedNow(t *testing.T) {
	tk := run(t, cfg, created("c", T(0)), priority("p", T(10*mn), event.Urgent))
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{{T(59 * mn), false}, {T(hr), false}, {T(hr + time.Second), true}, {T(5 * hr), true}} {
		if got := tk.FirstResponse.Breached(tc.now); got != tc.want {
			t.Errorf("Breached(%s) = %v, want %v", fmtTime(tc.now), got, tc.want)
		}
	}
}

func TestPriorityDefaultsToNormal(t *testing.T) {
	c := mustConfig(`
policies:
  - name: normal-only
    match: {priority: normal}
    first_response: {within: 2h}
`)
	tk := run(t, c, created("c", T(0)))
	if tk.Priority != event.Normal || tk.Policy != "normal-only" {
		t.Errorf("priority %q policy %q, want normal, normal-only", tk.Priority, tk.Policy)
	}
	checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: T(0), target: 2 * hr, due: T(2 * hr)})
	tk = run(t, c, created("c", T(0), prio(event.High)))
	if tk.Policy != "" || tk.FirstResponse.DueAt != nil {
		t.Errorf("high priority ticket got policy %q", tk.Policy)
	}
}

// The pause lengthens the deadline by exactly the paused time.
func TestPendingPausesNextReply(t *testing.T) {
	steps := []struct {
		e      event.Event
		paused bool
		due    time.Time // zero: nil
		alerts bool
	}{
		{created("e1", T(0)), false, T(24 * hr), true},
		{reply("e2", T(hr)), false, time.Time{}, false},
		{cust("e3", T(2*hr)), false, T(10 * hr), true},
		{status("e4", T(3*hr), event.Pending), true, time.Time{}, false},
		{status("e5", T(5*hr), event.Open), false, T(12 * hr), true}, // +2h
		{status("e6", T(6*hr), event.OnHold), true, time.Time{}, false},
		{status("e7", T(6*hr+30*mn), event.Pending), true, time.Time{}, false}, // still paused, same pause
		{cust("e8", T(7*hr)), false, T(13 * hr), true},                         // reopens: +1h
	}
	tk := sla.New(src, tid)
	for _, s := range steps {
		var err error
		if tk, _, err = sla.Apply(cfg, tk, s.e); err != nil {
			t.Fatal(err)
		}
		m := tk.NextReply
		if m == nil {
			continue
		}
		if m.Paused() != s.paused {
			t.Errorf("after %s: Paused = %v, want %v", s.e.ID, m.Paused(), s.paused)
		}
		checkTime(t, "after "+s.e.ID+": NextReply.DueAt", m.DueAt, s.due)
		if got := len(tk.Pending) > 0; got != s.alerts {
			t.Errorf("after %s: pending alerts %v, want %v", s.e.ID, tk.Pending, s.alerts)
		}
		if s.paused && m.Breached(T(1000*hr)) {
			t.Errorf("after %s: a paused clock reports a breach", s.e.ID)
		}
	}
	if tk.Status != event.Open || tk.NextReplyCycles != 1 {
		t.Errorf("status %s cycles %d, want open 1", tk.Status, tk.NextReplyCycles)
	}
	if n := len(tk.NextReply.Pauses); n != 2 {
		t.Fatalf("pauses = %+v, want 2", tk.NextReply.Pauses)
	}
	checkTime(t, "pause 2 end", tk.NextReply.Pauses[1].To, T(7*hr))
	var evs []event.Event
	for _, s := range steps {
		evs = append(evs, s.e)
	}
	// Answered exactly at the extended deadline: in time.
	done := run(t, cfg, append(slices.Clone(evs), reply("e9", T(13*hr)))...)
	checkMetric(t, "NextReply", done.NextReply, &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(13 * hr), responded: T(13 * hr)})
	late := run(t, cfg, append(slices.Clone(evs), reply("e9", T(13*hr+mn)))...)
	if !late.NextReply.Breach || late.NextReplyBreaches != 1 {
		t.Errorf("reply after the extended deadline: Breach %v breaches %d", late.NextReply.Breach, late.NextReplyBreaches)
	}
	// The first response is not paused by pending.
	fr := run(t, cfg, created("c", T(0)), status("p", T(hr), event.Pending))
	checkMetric(t, "FirstResponse while pending", fr.FirstResponse, &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr)})
	if fr.FirstResponse.Paused() || len(fr.FirstResponse.Pauses) != 0 || len(fr.Pending) == 0 {
		t.Errorf("first response paused: %+v", fr.FirstResponse)
	}
}

func TestPauseEdgeCases(t *testing.T) {
	base := []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr))} // next reply due T+10h
	for _, tc := range []struct {
		name       string
		evs        []event.Event
		nr         *metricWant
		breachedAt map[time.Duration]bool
	}{
		{
			name: "solved while paused: the pause ends with the clock",
			evs:  []event.Event{status("p", T(3*hr), event.Pending), status("s", T(20*hr), event.Solved)},
			// 8h + 17h paused from T+2h; stopped before that.
			nr: &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(27 * hr), stopped: T(20 * hr)},
		},
		{
			name: "answered while paused",
			evs:  []event.Event{status("p", T(3*hr), event.Pending), reply("r2", T(4*hr))},
			nr:   &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(11 * hr), responded: T(4 * hr)},
		},
		{
			// Documented in deadline(): a deadline that passed before the
			// pause began stays set, so the breach is not hidden.
			name:       "paused after the deadline had passed",
			evs:        []event.Event{status("p", T(12*hr), event.Pending)},
			nr:         &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)},
			breachedAt: map[time.Duration]bool{9 * hr: false, 11 * hr: true, 30 * hr: true},
		},
		{
			name:       "paused exactly at the deadline",
			evs:        []event.Event{status("p", T(10*hr), event.OnHold)},
			nr:         &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr)},
			breachedAt: map[time.Duration]bool{10 * hr: false, 11 * hr: true},
		},
		{
			name:       "paused one minute before the deadline",
			evs:        []event.Event{status("p", T(10*hr-mn), event.OnHold)},
			nr:         &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr},
			breachedAt: map[time.Duration]bool{100 * hr: false},
		},
		{
			name: "two pauses",
			evs:  []event.Event{status("p1", T(3*hr), event.Pending), status("p2", T(4*hr), event.Open), status("p3", T(4*hr+mn), event.Pending), status("p4", T(5*hr), event.Open)},
			// Paused 1h and 59m.
			nr: &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(12*hr - mn)},
		},
		{
			name: "a message arriving with an explicit pending status starts a paused cycle",
			evs:  []event.Event{reply("r2", T(3*hr)), cust("m2", T(4*hr), withStatus(event.OnHold))},
			nr:   &metricWant{cycle: 2, start: T(4 * hr), target: 8 * hr},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, append(slices.Clone(base), tc.evs...)...)
			checkMetric(t, "NextReply", tk.NextReply, tc.nr)
			for d, want := range tc.breachedAt {
				if got := tk.NextReply.Breached(T(d)); got != want {
					t.Errorf("Breached(T+%v) = %v, want %v", d, got, want)
				}
			}
		})
	}
}

func TestSolveStopsClocks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		evs      []event.Event
		status   event.Status
		fr, nr   *metricWant
		breaches int
	}{
		{
			name:   "solved before the deadline",
			evs:    []event.Event{created("c", T(0)), status("s", T(2*hr), event.Solved)},
			status: event.Solved,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(2 * hr)},
		},
		{
			name:   "closed after the deadline: the breach stays",
			evs:    []event.Event{created("c", T(0)), status("s", T(25*hr), event.Closed)},
			status: event.Closed,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(25 * hr), breach: true},
		},
		{
			name:   "solved exactly at the deadline",
			evs:    []event.Event{created("c", T(0)), status("s", T(24*hr), event.Solved)},
			status: event.Solved,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(24 * hr)},
		},
		{
			name:   "solved then closed keeps the first stop",
			evs:    []event.Event{created("c", T(0)), status("s", T(2*hr), event.Solved), status("x", T(30*hr), event.Closed)},
			status: event.Closed,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(2 * hr)},
		},
		{
			name:   "reopening does not restart the clock",
			evs:    []event.Event{created("c", T(0)), status("s", T(2*hr), event.Solved), status("o", T(3*hr), event.Open), reply("r", T(4*hr))},
			status: event.Open,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), stopped: T(2 * hr)},
		},
		{
			name:     "next reply stopped late counts as a breached cycle",
			evs:      []event.Event{created("c", T(0)), reply("r", T(hr)), cust("m", T(2*hr)), status("s", T(11*hr), event.Solved)},
			status:   event.Solved,
			fr:       &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)},
			nr:       &metricWant{cycle: 1, start: T(2 * hr), target: 8 * hr, due: T(10 * hr), stopped: T(11 * hr), breach: true},
			breaches: 1,
		},
		{
			name:   "created already solved has no clock",
			evs:    []event.Event{created("c", T(0), withStatus(event.Solved))},
			status: event.Solved,
		},
		{
			name:   "message with an explicit solved status keeps the ticket solved",
			evs:    []event.Event{created("c", T(0)), reply("r", T(hr)), status("s", T(2*hr), event.Solved), cust("m", T(3*hr), withStatus(event.Solved))},
			status: event.Solved,
			fr:     &metricWant{start: T(0), target: 24 * hr, due: T(24 * hr), responded: T(hr)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			if tk.Status != tc.status {
				t.Errorf("Status = %s, want %s", tk.Status, tc.status)
			}
			checkMetric(t, "FirstResponse", tk.FirstResponse, tc.fr)
			checkMetric(t, "NextReply", tk.NextReply, tc.nr)
			if tk.NextReplyBreaches != tc.breaches {
				t.Errorf("NextReplyBreaches = %d, want %d", tk.NextReplyBreaches, tc.breaches)
			}
			if len(tk.Pending) != 0 {
				t.Errorf("Pending = %+v, want none after solving", tk.Pending)
			}
			if tk.FirstResponse != nil && tk.FirstResponse.Breached(T(1000*hr)) != tc.fr.breach {
				t.Errorf("FirstResponse.Breached = %v, want the verdict %v", !tc.fr.breach, tc.fr.breach)
			}
		})
	}
}

func TestReopenByCustomerMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []event.Event
		nr   *metricWant
	}{
		{
			name: "solved ticket",
			evs:  []event.Event{created("c", T(0)), reply("r", T(hr)), status("s", T(2*hr), event.Solved), cust("m", T(30*hr))},
			nr:   &metricWant{cycle: 1, start: T(30 * hr), target: 8 * hr, due: T(38 * hr)},
		},
		{
			name: "closed ticket",
			evs:  []event.Event{created("c", T(0)), reply("r", T(hr)), status("s", T(2*hr), event.Closed), cust("m", T(30*hr))},
			nr:   &metricWant{cycle: 1, start: T(30 * hr), target: 8 * hr, due: T(38 * hr)},
		},
		{
			name: "pending ticket after a reply in the same instant",
			evs:  []event.Event{created("c", T(0)), status("p", T(hr), event.Pending), reply("r", T(hr)), cust("m", T(3*hr))},
			nr:   &metricWant{cycle: 1, start: T(3 * hr), target: 8 * hr, due: T(11 * hr)},
		},
		{
			name: "on-hold ticket",
			evs:  []event.Event{created("c", T(0)), reply("r", T(hr), withStatus(event.OnHold)), cust("m", T(3*hr))},
			nr:   &metricWant{cycle: 1, start: T(3 * hr), target: 8 * hr, due: T(11 * hr)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, tc.evs...)
			if tk.Status != event.Open {
				t.Errorf("Status = %s, want open", tk.Status)
			}
			checkMetric(t, "NextReply", tk.NextReply, tc.nr)
			if tk.NextReply.Paused() || len(tk.Pending) == 0 {
				t.Errorf("reopened cycle paused %v, alerts %v", tk.NextReply.Paused(), tk.Pending)
			}
			if tk.FirstResponse.Running() {
				t.Errorf("first response restarted")
			}
		})
	}
}

func TestBreached(t *testing.T) {
	due := T(hr)
	at := func(d time.Duration) *time.Time { x := T(d); return &x }
	for _, tc := range []struct {
		name string
		m    *sla.Metric
		now  time.Time
		want bool
	}{
		{"nil metric", nil, T(100 * hr), false},
		{"running before due", &sla.Metric{DueAt: &due}, T(59 * mn), false},
		{"running exactly at due", &sla.Metric{DueAt: &due}, T(hr), false},
		{"running just after due", &sla.Metric{DueAt: &due}, T(hr + time.Nanosecond), true},
		{"running without deadline", &sla.Metric{}, T(100 * hr), false},
		{"paused (no deadline)", &sla.Metric{Pauses: []sla.Pause{{From: T(0)}}}, T(100 * hr), false},
		{"responded in time, asked later", &sla.Metric{DueAt: &due, RespondedAt: at(30 * mn)}, T(100 * hr), false},
		{"responded late, asked before the deadline", &sla.Metric{DueAt: &due, RespondedAt: at(2 * hr), Breach: true}, T(0), true},
		{"stopped late", &sla.Metric{DueAt: &due, StoppedAt: at(2 * hr), Breach: true}, T(3 * hr), true},
		{"stopped in time", &sla.Metric{DueAt: &due, StoppedAt: at(30 * mn)}, T(3 * hr), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Breached(tc.now); got != tc.want {
				t.Errorf("Breached = %v, want %v", got, tc.want)
			}
		})
	}
	// Verdicts decided by the engine, around a 24h deadline.
	for _, tc := range []struct {
		end  time.Duration
		want bool
	}{{23*hr + 59*mn, false}, {24 * hr, false}, {24*hr + time.Second, true}} {
		for _, e := range []event.Event{reply("end", T(tc.end)), status("end", T(tc.end), event.Solved)} {
			tk := run(t, cfg, created("c", T(0)), e)
			if tk.FirstResponse.Breach != tc.want || tk.FirstResponse.Breached(T(0)) != tc.want {
				t.Errorf("%s at T+%v: Breach = %v, want %v", e.Kind, tc.end, tk.FirstResponse.Breach, tc.want)
			}
		}
	}
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBusinessHours(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	local := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	api := on(event.API)
	for _, tc := range []struct {
		name    string
		created time.Time
		due     time.Time
	}{
		// Friday 15-17 is 2h, Monday 09-11 the other 2h.
		{"Friday afternoon", local(2025, 1, 10, 15, 0), local(2025, 1, 13, 11, 0)},
		// The same across the spring-forward weekend: still Monday 11:00 local.
		{"Friday afternoon before DST starts", local(2025, 3, 7, 15, 0), local(2025, 3, 10, 11, 0)},
		{"Monday before opening", local(2025, 1, 13, 8, 0), local(2025, 1, 13, 13, 0)},
		{"Saturday", local(2025, 1, 11, 12, 0), local(2025, 1, 13, 13, 0)},
		{"Tuesday noon", local(2025, 1, 14, 12, 0), local(2025, 1, 14, 16, 0)},
		{"Tuesday 16:00 into Wednesday", local(2025, 1, 14, 16, 0), local(2025, 1, 15, 12, 0)},
		{"Friday 17:00 exactly", local(2025, 1, 10, 17, 0), local(2025, 1, 13, 13, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, cfg, created("c", tc.created, api))
			m := tk.FirstResponse
			if tk.Policy != "business" || m.Calendar != "ny" || m.Target != 4*hr {
				t.Fatalf("policy %q calendar %q target %v", tk.Policy, m.Calendar, m.Target)
			}
			checkTime(t, "DueAt", m.DueAt, tc.due)
		})
	}
	t.Run("Friday 15:00 alert plan", func(t *testing.T) {
		tk := run(t, cfg, created("c", local(2025, 1, 10, 15, 0), api))
		// 25% of 4h = 1h of business time before Monday 11:00 is Monday
		// 10:00; 30m before is 10:30; the escalation is 1h of calendar
		// time after the deadline.
		want := []sla.Alert{
			{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 1, At: local(2025, 1, 13, 10, 0)},
			{Kind: sla.Warning, Metric: sla.FirstResponse, Level: 2, At: local(2025, 1, 13, 10, 30)},
			{Kind: sla.Breach, Metric: sla.FirstResponse, At: local(2025, 1, 13, 11, 0)},
			{Kind: sla.Escalation, Metric: sla.FirstResponse, Level: 1, At: local(2025, 1, 13, 12, 0), Notify: []string{"lead"}},
		}
		checkAlerts(t, tk.Pending, want, local(2025, 1, 13, 11, 0))
	})
	t.Run("warnings across closing time", func(t *testing.T) {
		// Business-time instants are the earliest with the given business
		// time elapsed (calendar.Add), so a point that falls on closing
		// time is the close of that day, not the next opening.
		// Created Monday 14:00: due Tuesday 10:00; 1h of business time
		// before it (3h after the start) is Monday 17:00, 30m before it
		// is Tuesday 09:30.
		tk := run(t, cfg, created("c", local(2025, 1, 13, 14, 0), api))
		checkTime(t, "DueAt", tk.FirstResponse.DueAt, local(2025, 1, 14, 10, 0))
		if w := tk.FirstResponse.Warnings; len(w) != 2 || !w[0].Equal(local(2025, 1, 13, 17, 0)) || !w[1].Equal(local(2025, 1, 14, 9, 30)) {
			t.Errorf("Warnings = %v", w)
		}
		// Created Monday 13:30: 3h30m to closing, so due Tuesday 09:30;
		// 1h before is Monday 16:30, 30m before is Monday 17:00.
		tk = run(t, cfg, created("c", local(2025, 1, 13, 13, 30), api))
		checkTime(t, "DueAt", tk.FirstResponse.DueAt, local(2025, 1, 14, 9, 30))
		if w := tk.FirstResponse.Warnings; len(w) != 2 || !w[0].Equal(local(2025, 1, 13, 16, 30)) || !w[1].Equal(local(2025, 1, 13, 17, 0)) {
			t.Errorf("Warnings = %v", w)
		}
		// Created Monday 13:00: due exactly at Monday's close, 17:00.
		tk = run(t, cfg, created("c", local(2025, 1, 13, 13, 0), api))
		checkTime(t, "DueAt", tk.FirstResponse.DueAt, local(2025, 1, 13, 17, 0))
	})
	t.Run("next reply paused across a weekend", func(t *testing.T) {
		evs := []event.Event{
			created("c", local(2025, 1, 9, 10, 0), api),           // Thursday
			reply("r", local(2025, 1, 9, 11, 0)),                  // first response in time (due 14:00)
			cust("m", local(2025, 1, 10, 14, 0)),                  // Friday 14:00: due Monday 10:00
			status("p", local(2025, 1, 10, 15, 0), event.Pending), // 1h run, 3h left
		}
		tk := run(t, cfg, evs...)
		checkMetric(t, "FirstResponse", tk.FirstResponse, &metricWant{start: local(2025, 1, 9, 10, 0), target: 4 * hr, due: local(2025, 1, 9, 14, 0), responded: local(2025, 1, 9, 11, 0)})
		checkMetric(t, "NextReply while pending", tk.NextReply, &metricWant{cycle: 1, start: local(2025, 1, 10, 14, 0), target: 4 * hr})
		if len(tk.Pending) != 0 {
			t.Errorf("alerts while paused: %+v", tk.Pending)
		}
		unpaused := run(t, cfg, evs[:3]...)
		checkTime(t, "NextReply.DueAt without the pause", unpaused.NextReply.DueAt, local(2025, 1, 13, 10, 0))
		// The customer answers Monday 10:00. Paused business time: Friday
		// 15-17 and Monday 09-10, 3h; the 3h left run 10:00-13:00.
		evs = append(evs, cust("m2", local(2025, 1, 13, 10, 0)))
		tk = run(t, cfg, evs...)
		checkMetric(t, "NextReply resumed", tk.NextReply, &metricWant{cycle: 1, start: local(2025, 1, 10, 14, 0), target: 4 * hr, due: local(2025, 1, 13, 13, 0)})
		tk = run(t, cfg, append(evs, reply("r2", local(2025, 1, 13, 12, 59)))...)
		if tk.NextReply.Breach || tk.NextReplyBreaches != 0 {
			t.Errorf("reply at 12:59 judged late")
		}
	})
}

// rank is the same-instant order of the spec.
var rank = map[event.Kind]int{
	event.TicketCreated:   0,
	event.PriorityChanged: 1,
	event.TagsChanged:     1,
	event.CustomerMessage: 2,
	event.AgentReply:      3,
	event.InternalNote:    3,
	event.StatusChanged:   4,
}

func sortEvents(evs []event.Event) []event.Event {
	s := slices.Clone(evs)
	slices.SortFunc(s, func(a, b event.Event) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		if c := rank[a.Kind] - rank[b.Kind]; c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return s
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// randomEvents makes a plausible but arbitrary ticket history with many
// events sharing instants.
func randomEvents(r *rand.Rand) []event.Event {
	n := 2 + r.IntN(14)
	seen := map[string]bool{}
	var out []event.Event
	for len(out) < n {
		id := fmt.Sprintf("ev%03d", r.IntN(1000))
		if seen[id] {
			continue
		}
		seen[id] = true
		at := t0.Add(time.Duration(r.IntN(24*6)) * 30 * mn) // within 3 days, 30-minute steps
		var e event.Event
		switch r.IntN(10) {
		case 0:
			e = created(id, at, by(pick(r, event.Customer, event.Agent, event.Bot)), public(r.IntN(2) == 0),
				on(pick(r, event.Email, event.Web, event.Chat, event.API, event.SMS)))
		case 1, 2:
			e = cust(id, at)
		case 3, 4:
			e = reply(id, at, by(pick(r, event.Agent, event.Agent, event.Agent, event.Bot)), public(r.IntN(5) > 0))
			if r.IntN(8) == 0 {
				e.Acknowledgement = true
			}
		case 5:
			e = note(id, at)
		case 6, 7:
			e = status(id, at, pick(r, event.Open, event.Pending, event.OnHold, event.Solved, event.Closed))
		case 8:
			e = priority(id, at, pick(r, event.Priorities()...))
		case 9:
			e = retag(id, at, pick(r, []string{}, []string{"vip"}, []string{"billing"}, []string{"vip", "billing"})...)
		}
		if r.IntN(6) == 0 {
			e.Channel = pick(r, event.Email, event.Chat, event.API, event.SMS)
		}
		out = append(out, e)
	}
	return out
}

// For random histories, applying the events in any order and with
// redeliveries gives the state of applying them in occurred-at order.
func TestPropertyAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(20250303, 42))
	for i := range 300 {
		evs := randomEvents(r)
		sorted := sortEvents(evs)
		want := run(t, cfg, sorted...)
		ids := func(tk sla.Ticket) []string {
			var s []string
			for _, e := range tk.Events {
				s = append(s, e.ID)
			}
			return s
		}
		var wantIDs []string
		for _, e := range sorted {
			wantIDs = append(wantIDs, e.ID)
		}
		if got := ids(want); !slices.Equal(got, wantIDs) {
			t.Fatalf("history %d: event log order %v, want %v", i, got, wantIDs)
		}
		checkInvariants(t, i, want)
		sameState(t, fmt.Sprintf("history %d: Evaluate", i), sla.Evaluate(cfg, src, tid, sorted, nil, nil), want)

		for k := range 3 {
			order := slices.Clone(evs)
			r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
			for range r.IntN(4) { // redeliveries anywhere in the stream
				dup := order[r.IntN(len(order))]
				at := r.IntN(len(order) + 1)
				order = slices.Insert(order, at, dup)
			}
			tk := sla.New(src, tid)
			applied := map[string]bool{}
			for _, e := range order {
				var (
					changed bool
					err     error
				)
				tk, changed, err = sla.Apply(cfg, tk, e)
				if err != nil {
					t.Fatalf("history %d: %v", i, err)
				}
				if changed == applied[e.ID] {
					t.Fatalf("history %d: Apply(%s) changed = %v, already applied = %v", i, e.ID, changed, applied[e.ID])
				}
				applied[e.ID] = true
			}
			sameState(t, fmt.Sprintf("history %d order %d", i, k), tk, want)
			if t.Failed() {
				t.Logf("events (sorted): %+v", sorted)
				return
			}
		}
	}
}

func checkInvariants(t *testing.T, i int, tk sla.Ticket) {
	t.Helper()
	if tk.NextReplyBreaches > tk.NextReplyCycles {
		t.Errorf("history %d: %d breaches in %d cycles", i, tk.NextReplyBreaches, tk.NextReplyCycles)
	}
	if (tk.NextReply == nil) != (tk.NextReplyCycles == 0) || (tk.NextReply != nil && tk.NextReply.Cycle != tk.NextReplyCycles) {
		t.Errorf("history %d: NextReply %+v with %d cycles", i, tk.NextReply, tk.NextReplyCycles)
	}
	if tk.FirstResponse.Running() && tk.NextReply.Running() {
		t.Errorf("history %d: first response and next reply both running", i)
	}
	if !slices.IsSortedFunc(tk.Pending, func(a, b sla.Alert) int { return a.At.Compare(b.At) }) {
		t.Errorf("history %d: pending alerts not in order", i)
	}
	for _, m := range []*sla.Metric{tk.FirstResponse, tk.NextReply} {
		if m == nil {
			continue
		}
		if m.RespondedAt != nil && m.StoppedAt != nil {
			t.Errorf("history %d: clock both answered and stopped", i)
		}
		if m.Running() && m.Breach {
			t.Errorf("history %d: running clock with a verdict", i)
		}
		if m.Paused() && m.DueAt != nil && m.DueAt.After(m.Pauses[len(m.Pauses)-1].From) {
			t.Errorf("history %d: paused clock with deadline %v after the pause", i, m.DueAt)
		}
	}
	if tk.Status.Done() && len(tk.Pending) != 0 {
		t.Errorf("history %d: alerts pending on a %s ticket", i, tk.Status)
	}
}
