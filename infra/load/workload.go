package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/builtin"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// stepKind is one thing that happens in a support conversation.
type stepKind int

const (
	stepCreated  stepKind = iota // the customer opens the ticket
	stepCustomer                 // the customer writes (again)
	stepAgent                    // an agent's public reply
	stepBot                      // an automatic public reply (auto-responder, bot, workflow)
	stepNote                     // an agent's internal note
	stepStatus                   // the status changes
	stepPriority                 // the priority changes
)

var stepNames = [...]string{"created", "customer", "agent", "bot", "note", "status", "priority"}

func (k stepKind) String() string { return stepNames[k] }

// step is one moment of a conversation, in helpdesk-neutral terms.
type step struct {
	kind     stepKind
	off      time.Duration // after the ticket's creation
	at       time.Time
	status   event.Status   // stepStatus: the new status
	priority event.Priority // stepCreated: the initial priority; stepPriority: the new one
}

// ticket is one generated conversation and its deliveries.
type ticket struct {
	vendor  *vendor
	n       int64  // unique in the run; the vendor's ids are made from it
	id      string // the ticket id slawatch keys it by
	start   time.Time
	channel event.Channel
	native  string // the vendor's own name for the channel
	prio    event.Priority
	status  event.Status // as the helpdesk shows it
	closed  bool         // GitHub: the issue is closed
	replied bool         // HubSpot: an agent has replied (the first-reply property is set)
	tags    []string
	labels  []string // GitHub: labels besides the priority one

	deliveries []*delivery
	parsed     bool // parseTicket has run: the events are read, the payloads gone

	// Sending state, guarded by the scheduler's mutex.
	queue    []sendEntry
	inflight int
}

// delivery is one webhook request as the helpdesk would send it, unsigned:
// it is signed at each attempt with the current time, as helpdesks do.
type delivery struct {
	t      *ticket
	n      int // position in the ticket's timeline
	at     time.Time
	header http.Header // the vendor's headers besides the signature
	body   []byte
	events []event.Event // what the adapter's Parse makes of it: the model's input
	want   []event.Event // what the generator meant it to say

	sent      bool         // a first attempt started (scheduler's mutex)
	attempts  atomic.Int32 // requests made for it, duplicates and retries included
	delivered atomic.Bool  // some attempt got a 2xx: the server has applied it
	refused   atomic.Int32
	uncertain atomic.Bool // every attempt failed with a 5xx or a connection error
}

// ids hands out run-unique numbers for the vendors' ids.
type ids struct{ n atomic.Int64 }

func (i *ids) next() int64 { return i.n.Add(1) }

// uuid is a random-looking but unique UUID (GitHub delivery ids, Jira
// webhook identifiers, Intercom notification ids).
func (i *ids) uuid(r *rand.Rand) string {
	n := i.next()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), n)
}

// generator turns conversations into deliveries.
type generator struct {
	fx       *fixtures
	ids      ids
	adapters map[string]provider.Adapter
}

func newGenerator(fx *fixtures) *generator {
	return &generator{fx: fx, adapters: builtin.Adapters()}
}

// errIntent is a generated payload that the adapter reads differently from
// what the generator meant: a bug in the generator (or the adapter).
var errIntent = errors.New("payload does not say what was meant")

// ticket generates one conversation of vendor v that ends at or before now
// and renders it into the vendor's webhooks; parseTicket reads them.
func (g *generator) ticket(r *rand.Rand, v *vendor, now time.Time) (*ticket, error) {
	t := &ticket{vendor: v, n: g.ids.next()}
	ch := v.channels[pick(r, v.channels)]
	t.native, t.channel = ch.native, ch.channel
	t.prio, t.status = event.Normal, event.New
	if len(v.priorities) > 0 {
		t.prio = v.priorities[pickPriority(r, v.priorities)]
	}
	t.tags = []string{[]string{"billing", "bug", "how-to", "account", "shipping"}[r.IntN(5)]}
	if r.Float64() < 0.1 {
		t.tags = append(t.tags, "vip")
	}
	v.init(t)

	steps, span := plan(r, v, t.prio)
	t.start = now.Add(-span - time.Duration(r.Int64N(int64(2*time.Hour)))).Truncate(time.Second)
	for i := range steps {
		steps[i].at = t.start.Add(steps[i].off)
	}
	for _, s := range steps {
		if (s.kind == stepStatus && s.status == t.status) || (s.kind == stepPriority && s.priority == t.prio) {
			continue // nothing changes: the helpdesk sends nothing
		}
		ds := v.render(g, r, t, s)
		for _, d := range ds {
			d.t, d.n = t, len(t.deliveries)
			if d.at.IsZero() {
				d.at = s.at
			}
			if d.header == nil {
				d.header = http.Header{}
			}
			d.header.Set("Content-Type", "application/json")
			t.deliveries = append(t.deliveries, d)
		}
		if len(ds) > 0 {
			t.advance(s)
		}
	}
	return t, nil
}

// advance updates what the helpdesk shows after a step.
func (t *ticket) advance(s step) {
	switch s.kind {
	case stepStatus:
		t.status = s.status
	case stepPriority:
		t.prio = s.priority
	}
}

// parseTicket parses t's deliveries that keep (nil: all) and then lets go
// of their payloads: only the events are needed from then on. A load run
// does it after the sending phase, for the deliveries it sent, so that the
// adapters' work (a third of the generator's CPU per webhook) does not
// compete with the server measured.
func (g *generator) parseTicket(t *ticket, keep func(*delivery) bool) error {
	var errs []error
	for _, d := range t.deliveries {
		if keep != nil && !keep(d) {
			continue
		}
		if err := g.parse(d); err != nil {
			errs = append(errs, fmt.Errorf("%s ticket %s, webhook %d: %w", t.vendor.name, t.id, d.n, err))
		}
	}
	for _, d := range t.deliveries {
		d.header, d.body, d.want = nil, nil, nil
	}
	t.parsed = true
	return errors.Join(errs...)
}

// parse runs the vendor's adapter over d, as slawatch will, and checks that
// it reads what the generator meant.
func (g *generator) parse(d *delivery) error {
	v := d.t.vendor
	// Signed, because some adapters read the signature headers (Front tells
	// application webhooks by their timestamp).
	req := provider.Request{Method: http.MethodPost, URL: "http://127.0.0.1/webhooks/" + v.name, Header: d.header.Clone(), Body: d.body}
	if err := providertest.Sign(v.name, []byte("secret"), &req, time.Now()); err != nil {
		return err
	}
	res, err := g.adapters[v.name].Parse(req, provider.Settings{Source: v.name, Secret: []byte("secret"), Window: provider.DefaultWindow, Now: time.Now})
	if err != nil {
		return fmt.Errorf("%w: parse: %v", errIntent, err)
	}
	if res.Reply != nil {
		return fmt.Errorf("%w: parse answered %d instead of reading events", errIntent, res.Reply.Status)
	}
	d.events = res.Events
	if len(d.want) == 0 {
		if res.Ignored == "" {
			return fmt.Errorf("%w: want the request ignored, got %d events", errIntent, len(res.Events))
		}
		return nil
	}
	if len(res.Events) != len(d.want) {
		return fmt.Errorf("%w: want %d events, got %d (ignored: %q)", errIntent, len(d.want), len(res.Events), res.Ignored)
	}
	for i, w := range d.want {
		if msg := differs(w, res.Events[i]); msg != "" {
			return fmt.Errorf("%w: event %d: %s", errIntent, i, msg)
		}
	}
	return nil
}

// differs compares the fields the generator states: always the ticket,
// kind and time; the author, status, priority and channel when the intent
// names them; publicness for replies and notes.
func differs(want, got event.Event) string {
	var bad []string
	check := func(field string, ok bool, w, g any) {
		if !ok {
			bad = append(bad, fmt.Sprintf("%s %v, want %v", field, g, w))
		}
	}
	check("source", got.Source == want.Source, want.Source, got.Source)
	check("ticket", got.TicketID == want.TicketID, want.TicketID, got.TicketID)
	check("kind", got.Kind == want.Kind, want.Kind, got.Kind)
	check("occurred_at", got.OccurredAt.Equal(want.OccurredAt), want.OccurredAt, got.OccurredAt)
	if want.Author != "" {
		check("author", got.Author == want.Author, want.Author, got.Author)
	}
	if want.Kind == event.AgentReply || want.Kind == event.InternalNote {
		check("public", got.Public == want.Public, want.Public, got.Public)
	}
	if want.Status != "" {
		check("status", got.Status == want.Status, want.Status, got.Status)
	}
	if want.Priority != "" {
		check("priority", got.Priority == want.Priority, want.Priority, got.Priority)
	}
	if want.Channel != "" {
		check("channel", got.Channel == want.Channel, want.Channel, got.Channel)
	}
	check("acknowledgement", !got.Acknowledgement, false, got.Acknowledgement)
	if err := got.Validate(); err != nil {
		bad = append(bad, err.Error())
	}
	return strings.Join(bad, "; ")
}

// plan draws a conversation: its steps, each with its offset from the
// ticket's creation, and the whole span. Times are whole seconds; a step follows the previous one
// by at least a second, except the pairs a helpdesk makes in one click (a
// reply sent as pending, a customer's message reopening the ticket).
func plan(r *rand.Rand, v *vendor, prio event.Priority) ([]step, time.Duration) {
	var steps []step
	var clock time.Duration
	add := func(k stepKind, st event.Status, p event.Priority) {
		steps = append(steps, step{kind: k, off: clock, status: st, priority: p})
	}
	after := func(lo, hi time.Duration) {
		clock += lo + time.Duration(r.Int64N(int64(hi-lo)+1))
		clock = clock.Truncate(time.Second)
	}
	reply := func(median time.Duration) { // agents answer in a long-tailed time
		d := time.Duration(float64(median) * math.Exp(r.NormFloat64()*1.1))
		clock += min(max(d, 30*time.Second), 36*time.Hour).Truncate(time.Second)
	}
	status := event.New

	add(stepCreated, "", prio)
	after(5*time.Second, 90*time.Second)
	if v.bots && r.Float64() < 0.3 {
		add(stepBot, "", "")
		after(30*time.Second, 5*time.Minute)
	}
	if len(v.priorities) > 1 && r.Float64() < 0.15 {
		p := v.priorities[r.IntN(len(v.priorities))]
		if p != prio {
			add(stepPriority, "", p)
			after(time.Minute, 20*time.Minute)
		}
	}
	if v.notes && r.Float64() < 0.3 {
		add(stepNote, "", "")
		after(time.Minute, 20*time.Minute)
	}
	if r.Float64() < 0.1 { // nobody has answered yet; the customer may chase
		if r.Float64() < 0.5 {
			after(10*time.Minute, 3*time.Hour)
			add(stepCustomer, "", "")
		}
		return steps, clock
	}
	reply(35 * time.Minute)
	add(stepAgent, "", "")
	if r.Float64() < 0.55 {
		add(stepStatus, event.Pending, "")
		status = event.Pending
	}
	for range r.IntN(4) {
		after(3*time.Minute, 10*time.Hour)
		add(stepCustomer, "", "")
		if status != event.Open && status != event.New && r.Float64() < 0.7 {
			add(stepStatus, event.Open, "")
		}
		status = event.Open
		if r.Float64() < 0.12 { // the reply is still to come
			return steps, clock
		}
		if v.notes && r.Float64() < 0.2 {
			after(time.Minute, 15*time.Minute)
			add(stepNote, "", "")
		}
		reply(40 * time.Minute)
		add(stepAgent, "", "")
		switch x := r.Float64(); {
		case x < 0.45:
			add(stepStatus, event.Pending, "")
			status = event.Pending
		case x < 0.55:
			add(stepStatus, event.OnHold, "")
			status = event.OnHold
		}
	}
	if r.Float64() < 0.6 {
		after(time.Minute, 4*time.Hour)
		add(stepStatus, event.Solved, "")
		if r.Float64() < 0.2 { // "one more thing": the customer reopens it
			after(10*time.Minute, 20*time.Hour)
			add(stepCustomer, "", "")
			if r.Float64() < 0.7 {
				add(stepStatus, event.Open, "")
			}
			if r.Float64() < 0.5 {
				return steps, clock
			}
			reply(40 * time.Minute)
			add(stepAgent, "", "")
			after(time.Minute, 2*time.Hour)
			add(stepStatus, event.Solved, "")
		}
		if r.Float64() < 0.25 {
			after(time.Hour, 30*time.Hour)
			add(stepStatus, event.Closed, "")
		}
	}
	return steps, clock
}

// channelOption is one way customers reach a helpdesk, with how often.
type channelOption struct {
	native  string
	channel event.Channel
	weight  int
}

func pick(r *rand.Rand, opts []channelOption) int {
	total := 0
	for _, o := range opts {
		total += o.weight
	}
	n := r.IntN(total)
	for i, o := range opts {
		if n -= o.weight; n < 0 {
			return i
		}
	}
	return len(opts) - 1
}

// pickPriority draws a priority: mostly normal, some high and low, a few
// urgent — among those the helpdesk has.
func pickPriority(r *rand.Rand, have []event.Priority) int {
	weights := map[event.Priority]int{event.Low: 15, event.Normal: 55, event.High: 20, event.Urgent: 10}
	total := 0
	for _, p := range have {
		total += weights[p]
	}
	n := r.IntN(total)
	for i, p := range have {
		if n -= weights[p]; n < 0 {
			return i
		}
	}
	return slices.Index(have, event.Normal)
}
