package checker_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// resolutionYAML adds a 4-hour resolution target to the chat policy.
const resolutionYAML = `
sources:
  s: {provider: generic, ticket_url: "https://help.example.com/t/{id}"}
policies:
  - name: chat
    team: frontline
    first_response: {within: 1h}
    resolution: {within: 4h}
    warnings: [15m]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: lead}
`

// The checker needs no change for the resolution clock: its breach goes
// out once, its escalations are held by an on-call acknowledgement, a solve
// after the breach sends recovered, and the history records it.
func TestResolutionAlertsThroughTheChecker(t *testing.T) {
	f := newFixture(t, resolutionYAML)
	m := f.tickets.(*store.Memory)
	f.svc.History, f.svc.Link, f.svc.Now = m, f.cfg.Link, f.clock.Now
	f.chk.History = &intake.Recorder{Policies: f.cfg, Tickets: m, History: m, Link: f.cfg.Link}
	ev := func(id, suffix string, k event.Kind, when time.Time, opts ...func(*event.Event)) event.Event {
		e := event.Event{TicketID: id, ID: id + "-" + suffix, Kind: k, OccurredAt: when, Author: event.Agent, Public: true}
		for _, o := range opts {
			o(&e)
		}
		return e
	}
	customer := func(e *event.Event) { e.Author, e.Channel = event.Customer, event.Chat }
	solved := func(e *event.Event) { e.Status = event.Solved }
	// A and B are created at 09:00 and answered at 09:10: the first
	// response is met, the resolution clock runs on, due 13:00 (warning
	// 12:45, level 1 at 13:00, level 2 at 13:30).
	for _, id := range []string{"A", "B"} {
		f.ingest(t, ev(id, "c", event.TicketCreated, t0, customer))
	}
	f.clock.Set(at("09:10"))
	for _, id := range []string{"A", "B"} {
		f.ingest(t, ev(id, "r", event.AgentReply, at("09:10")))
	}
	f.runUntil(t, at("12:50"))
	// On-call takes B's resolution at 12:50, from the warning.
	oc := &intake.OnCall{Policies: f.cfg, Tickets: f.tickets}
	if changed, err := oc.Acknowledge(context.Background(), "slawatch/s/B/resolution/0", sla.OnCallAck{By: "jo", Via: "slack", At: at("12:50")}); err != nil || !changed {
		t.Fatalf("Acknowledge: changed %v, err %v", changed, err)
	}
	f.runUntil(t, at("13:40"))
	// A is solved at 13:40:30, after both levels.
	f.clock.Set(at("13:40").Add(30 * time.Second))
	f.ingest(t, ev("A", "s", event.StatusChanged, at("13:40").Add(30*time.Second), solved))
	f.clock.Set(at("13:41"))
	f.runUntil(t, at("15:00"))

	got := summary(f.rec.take())
	want := []string{
		"A sla.warning L1 resolution@12:45:00",
		"B sla.warning L1 resolution@12:45:00",
		"A sla.breach L0 resolution@13:00:00",
		"A sla.escalation L1 resolution@13:00:00",
		"B sla.breach L0 resolution@13:00:00",
		"A sla.escalation L2 resolution@13:30:00",
		"A sla.recovered L0 resolution@13:41:00",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("sent\n%v\nwant\n%v", got, want)
	}

	bs, err := m.Breaches(context.Background(), t0, at("23:00"), 10)
	if err != nil || len(bs) != 1 {
		t.Fatalf("breaches = %+v, %v; want A's resolution", bs, err)
	}
	if b := bs[0]; b.Ticket != "A" || b.Metric != history.Resolution || b.Lateness != 40*time.Minute+30*time.Second || !b.Due.Equal(at("13:00")) {
		t.Errorf("breach = %+v, want A's resolution, due 13:00, 40m30s late", b)
	}
}

// A silence's end-of-silence digest lists the resolution clocks still
// overdue: A, not B, solved during the silence.
func TestSilenceDigestListsResolution(t *testing.T) {
	f := newFixture(t, resolutionYAML)
	mem := f.tickets.(*store.Memory)
	f.chk.Silences = mem
	s, err := silence.New(map[string]string{"team": "frontline"}, at("12:30"), at("13:20"), "maintenance", "ops", t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.PutSilence(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"A", "B"} {
		f.ingest(t, event.Event{TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat})
		f.ingest(t, event.Event{TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: at("09:10"), Author: event.Agent, Public: true})
	}
	f.runUntil(t, at("13:09"))
	f.clock.Set(at("13:10"))
	f.ingest(t, event.Event{TicketID: "B", ID: "B-s", Kind: event.StatusChanged, OccurredAt: at("13:10"), Author: event.Agent, Status: event.Solved})
	f.runUntil(t, at("13:40"))

	var lines []string
	var digest *notify.Alert
	got := f.rec.take()
	for i, a := range got {
		if a.Kind == notify.KindBreachDigest {
			digest = &got[i]
			continue
		}
		lines = append(lines, summary([]notify.Alert{a})...)
	}
	if want := []string{"A sla.escalation L2 resolution@13:30:00"}; !slices.Equal(lines, want) {
		t.Errorf("sent\n%v\nwant\n%v", lines, want)
	}
	if digest == nil || len(digest.Tickets) != 1 || digest.Tickets[0].TicketID != "A" || digest.Tickets[0].Metric != sla.Resolution || !digest.Tickets[0].DueAt.Equal(at("13:00")) {
		t.Errorf("digest %+v: want A's resolution, due 13:00", digest)
	}
}
