package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/builtin"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestPayloadsSayWhatIsMeant renders many conversations of every helpdesk
// and has the helpdesk's adapter parse each webhook (generator.ticket
// fails when an adapter reads other events than the step meant), and
// verify its signature. Every kind of step each helpdesk can express must
// come up.
func TestPayloadsSayWhatIsMeant(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	fx, err := loadFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(fx)
	r := rand.New(rand.NewPCG(7, 7))
	now := time.Now()
	secret := []byte("0123456789abcdef0123456789abcdef")
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			kinds := map[event.Kind]int{}
			statuses := map[event.Status]bool{}
			echoes := 0 // events whose id an earlier delivery of the ticket carried
			for range 60 {
				tk, err := g.ticket(r, v, now)
				if err != nil {
					t.Fatal(err)
				}
				// The payloads as sent (parseTicket lets go of them).
				bodies := map[*delivery][]byte{}
				headers := map[*delivery]http.Header{}
				for _, d := range tk.deliveries {
					bodies[d], headers[d] = d.body, d.header
				}
				if err := g.parseTicket(tk, nil); err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, d := range tk.deliveries {
					if d.at.After(now) {
						t.Errorf("%s: a webhook about %s, later than now", tk.id, d.at)
					}
					req := provider.Request{Method: http.MethodPost, URL: "http://127.0.0.1:8080/webhooks/" + v.name, Header: headers[d].Clone(), Body: bodies[d]}
					if err := providertest.Sign(v.name, secret, &req, now); err != nil {
						t.Fatal(err)
					}
					s := provider.Settings{Source: v.name, Secret: secret, Window: provider.DefaultWindow, Now: func() time.Time { return now }}
					if err := builtin.Adapters()[v.name].Verify(req, s); err != nil {
						t.Fatalf("%s: signed webhook refused: %v", tk.id, err)
					}
					// Redeliveries renumber these (sender.send).
					if marker := map[string]string{"hubspot": `"attemptNumber":0`, "intercom": `"delivery_attempts":1`}[v.name]; marker != "" && !strings.Contains(string(bodies[d]), marker) {
						t.Errorf("%s: no %s in the body to count redeliveries with", tk.id, marker)
					}
					for _, e := range d.events {
						if seen[e.ID] {
							echoes++
						}
						seen[e.ID] = true
						kinds[e.Kind]++
						if e.Kind == event.StatusChanged {
							statuses[e.Status] = true
						}
					}
				}
			}
			want := []event.Kind{event.CustomerMessage, event.AgentReply, event.StatusChanged}
			if v.name != "front" {
				want = append(want, event.TicketCreated)
			}
			if v.notes {
				want = append(want, event.InternalNote)
			}
			if len(v.priorities) > 1 && v.name != "github" {
				want = append(want, event.PriorityChanged)
			}
			if v.name == "github" {
				want = append(want, event.TagsChanged)
			}
			for _, k := range want {
				if kinds[k] == 0 {
					t.Errorf("no %s event in 60 conversations (got %v)", k, kinds)
				}
			}
			if !statuses[event.Solved] && !statuses[event.Closed] {
				t.Errorf("no ticket was solved or closed: %v", statuses)
			}
			if v.name == "jira" && echoes == 0 {
				t.Error("Jira's jira:issue_updated echo of a comment never came up")
			}
		})
	}
}

// TestLoad runs the load test briefly against the in-memory store: every
// ticket must match the model, and duplicates and out-of-order deliveries
// must really have happened.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs slawatch")
	}
	o := options{binary: slawatchBinary, duration: 3 * time.Second, concurrency: 4, tickets: 30, stores: []string{"memory"}, dup: 0.2, reorder: 0.2, seed: 3, progress: io.Discard}
	runs, err := run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	var out strings.Builder
	report(&out, o, runs, command(nil, o))
	t.Log("\n" + out.String())
	switch {
	case r.ver.mismatched > 0:
		t.Errorf("%d tickets differ from the model", r.ver.mismatched)
	case !r.ok():
		t.Errorf("the run found problems: refused %d, undeliverable %d, payload errors %v, fetch errors %d", r.refused, r.undecided, r.genErrors, r.ver.fetchErrors)
	}
	if r.dups == 0 || r.reordered == 0 {
		t.Errorf("duplicates %d, out of order %d: want both", r.dups, r.reordered)
	}
	if r.ver.checked < len(vendors) || r.ver.events == 0 {
		t.Errorf("compared %d tickets with %d events: too few", r.ver.checked, r.ver.events)
	}
	for _, v := range vendors {
		if r.bySource[v.name] == 0 {
			t.Errorf("nothing sent for %s", v.name)
		}
	}
	if !slices.ContainsFunc(sortedKeys(r.res.byStatus), func(c int) bool { return c == http.StatusOK }) {
		t.Errorf("no 200 responses: %v", r.res.byStatus)
	}
}

func sortedKeys(m map[int]int) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// slawatchBinary is the slawatch that TestLoad runs, built by TestMain.
var slawatchBinary string

// TestMain builds slawatch before the tests: on a new machine compiling it
// takes minutes, which must not count against go test's -timeout (whose
// alarm m.Run starts) nor delay the load's own timers.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		root, err := moduleRoot()
		if err == nil {
			var dir string
			if dir, err = os.MkdirTemp("", "slawatch-load-test-"); err == nil {
				defer os.RemoveAll(dir)
				slawatchBinary, err = build(context.Background(), root, dir)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load: build slawatch:", err)
			return 1
		}
		return m.Run()
	}())
}
