package reliability_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
)

// TestLateReplyKeepsBreach is what the fault run found, without emulators:
// a clock answered after its deadline breached, so its sla.breach must be
// sent, and sla.recovered after it, even when the reply reaches slawatch
// before the checker has sent them. docs/sla-semantics.md: a reply drops a
// clock's pending warnings and escalations, "a breach is always sent";
// docs/alerts.md: an alert "can arrive twice, never zero times".
//
// The first two cases are the first response; the last two a next-reply
// cycle answered late and followed at once by the customer's next message:
// plan() looks only at the current next-reply cycle (t.NextReply), and
// live() keeps only the current cycle's claims, so the new cycle drops the
// old one's unsent breach and recovered.
func TestLateReplyKeepsBreach(t *testing.T) {
	cfg, err := policy.Parse([]byte(faultsConfig))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	due := t0.Add(target)
	created := event.Event{Source: source, TicketID: "L-1", ID: "c", Kind: event.TicketCreated, OccurredAt: t0,
		Author: event.Customer, Channel: event.Chat}
	reply := event.Event{Source: source, TicketID: "L-1", ID: "r", Kind: event.AgentReply, OccurredAt: due.Add(time.Second),
		Author: event.Agent, Public: true}
	apply := func(tk sla.Ticket, e event.Event) sla.Ticket {
		t.Helper()
		tk, _, err := sla.Apply(cfg, tk, e)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	// sent runs the checker (claim and record at once) every second from
	// `from` for a minute and returns the kinds of the alerts it sends.
	sent := func(tk sla.Ticket, from time.Time) []string {
		var kinds []string
		for at := from; at.Before(from.Add(time.Minute)); at = at.Add(time.Second) {
			var out []sla.Alert
			tk, out = sla.Fire(tk, at)
			for _, a := range out {
				kinds = append(kinds, a.Kind)
			}
		}
		return kinds
	}
	check := func(t *testing.T, tk sla.Ticket, kinds []string) {
		t.Helper()
		if !tk.FirstResponse.Breach {
			t.Fatalf("the model says the first response did not breach: %+v", tk.FirstResponse)
		}
		if !slices.Contains(kinds, sla.Breach) || !slices.Contains(kinds, sla.Recovered) {
			t.Errorf("first response answered 1s after its deadline (Breach=%v): checker sent %v after the reply, want %s then %s",
				tk.FirstResponse.Breach, kinds, sla.Breach, sla.Recovered)
		}
	}

	// The checker claims the breach at the deadline; its publish fails (an
	// SNS error, or the claim's write answered with a dropped connection)
	// and the claim waits for its lease. The agent's reply, a second after
	// the deadline, arrives within the lease.
	t.Run("claimed breach, reply within the lease", func(t *testing.T) {
		tk := apply(sla.New(source, "L-1"), created)
		tk, send, _ := sla.ClaimDue(tk, due, alertLease)
		if len(send) != 1 || send[0].Kind != sla.Breach {
			t.Fatalf("claimed %v, want the breach", send)
		}
		tk = apply(tk, reply)
		check(t, tk, sent(tk, due.Add(alertLease)))
	})

	// The reply reaches slawatch before the checker sends the breach at
	// all: the checker is behind (a busy run, DynamoDB throttling), or the
	// created webhook was retried for a while.
	t.Run("reply before the checker's run", func(t *testing.T) {
		tk := apply(apply(sla.New(source, "L-1"), created), reply)
		check(t, tk, sent(tk, reply.OccurredAt.Add(500*time.Millisecond)))
	})

	// A next-reply cycle answered late, and the customer writes again at
	// once, before the checker has sent that cycle's breach — or, breach
	// sent, its recovered: the new cycle must not take the old one's alerts
	// with it.
	ev := func(id string, kind event.Kind, at time.Time, author event.Role) event.Event {
		return event.Event{Source: source, TicketID: "L-1", ID: id, Kind: kind, OccurredAt: at, Author: author,
			Public: kind == event.AgentReply}
	}
	asked := t0.Add(2 * time.Second) // cycle 1 starts, due asked+3s
	cycle1 := []event.Event{
		ev("a1", event.AgentReply, t0.Add(time.Second), event.Agent), // first response, in time
		ev("m1", event.CustomerMessage, asked, event.Customer),
	}
	lateThenAgain := []event.Event{
		ev("a2", event.AgentReply, asked.Add(target+time.Second), event.Agent),                   // a second late
		ev("m2", event.CustomerMessage, asked.Add(target+1500*time.Millisecond), event.Customer), // cycle 2
	}
	keys := func(tk sla.Ticket, from time.Time) []string {
		var got []string
		for at := from; at.Before(from.Add(time.Minute)); at = at.Add(time.Second) {
			var out []sla.Alert
			tk, out = sla.Fire(tk, at)
			for _, a := range out {
				got = append(got, a.Key())
			}
		}
		return got
	}
	for _, c := range []struct {
		name       string
		breachSent bool
		want       []string
	}{
		{"late next reply, then the customer writes again", false, []string{"next_reply/1/sla.breach/0", "next_reply/1/sla.recovered/0"}},
		{"breach sent, then the late reply and a new message", true, []string{"next_reply/1/sla.recovered/0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := apply(sla.New(source, "L-1"), created)
			for _, e := range cycle1 {
				tk = apply(tk, e)
			}
			if c.breachSent {
				var out []sla.Alert
				if tk, out = sla.Fire(tk, asked.Add(target)); len(out) != 1 || out[0].Key() != "next_reply/1/sla.breach/0" {
					t.Fatalf("at cycle 1's deadline the checker sent %v", out)
				}
			}
			for _, e := range lateThenAgain {
				tk = apply(tk, e)
			}
			if tk.NextReplyBreaches != 1 {
				t.Fatalf("the model counts %d breached next-reply cycles, want 1", tk.NextReplyBreaches)
			}
			got := keys(tk, asked.Add(target+2*time.Second))
			for _, want := range c.want {
				if !slices.Contains(got, want) {
					t.Errorf("cycle 1 answered a second after its deadline, cycle 2 started: checker sent %v, want %s among them", got, want)
				}
			}
		})
	}
}
