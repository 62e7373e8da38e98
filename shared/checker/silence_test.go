package checker_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

// A silence of team frontline from 09:30 to 10:20 holds A's breach and
// first escalation (10:00) and B's; B is answered at 10:10, A is not. When
// the silence ends one digest lists A only; the escalation at 10:30 (after
// the silence) goes as usual; nothing is sent twice.
func TestSilenceHoldsThenDigests(t *testing.T) {
	f := newFixture(t, cfgYAML)
	mem := f.tickets.(*store.Memory)
	f.chk.Silences = mem
	s, err := silence.New(map[string]string{"team": "frontline"}, at("09:30"), at("10:20"), "maintenance", "ops", t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.PutSilence(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"A", "B"} {
		f.ingest(t, event.Event{TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer, Channel: event.Chat})
	}
	f.runUntil(t, at("10:09"))
	f.clock.Set(at("10:10"))
	f.ingest(t, event.Event{TicketID: "B", ID: "B-r", Kind: event.AgentReply, OccurredAt: at("10:10"), Author: event.Agent, Public: true})
	f.runUntil(t, at("10:40"))

	got := f.rec.take()
	var lines []string
	var digest *notify.Alert
	for i, a := range got {
		if a.Kind == notify.KindBreachDigest {
			digest = &got[i]
			continue
		}
		lines = append(lines, summary([]notify.Alert{a})...)
	}
	// Warnings at 09:45 are inside the silence too; B's recovered (10:10,
	// inside) is held; A's level 2 at 10:30 is after it.
	want := []string{"A sla.escalation L2 first_response@10:30:00"}
	if !slices.Equal(lines, want) {
		t.Errorf("sent\n%v\nwant\n%v", lines, want)
	}
	if digest == nil {
		t.Fatal("no end-of-silence digest")
	}
	if len(digest.Tickets) != 1 || digest.Tickets[0].TicketID != "A" || digest.Team != "frontline" || !digest.SentAt.Equal(at("10:20")) {
		t.Errorf("digest %+v: want A only, team frontline, at 10:20", digest)
	}
	ids, total, _ := mem.HeldAlerts(context.Background(), s.ID)
	// A: warning, breach, level 1; B: warning, breach, level 1, recovered.
	if total != 7 || len(ids) != 7 {
		t.Errorf("held %d (%v), want 7", total, ids)
	}
	// Later runs send no second digest.
	f.runUntil(t, at("11:00"))
	for _, a := range f.rec.take() {
		if a.Kind == notify.KindBreachDigest {
			t.Errorf("a second digest: %+v", a)
		}
	}
}

// A storm during a silence of its team is held breach by breach, and the
// silence's own digest lists the tickets still overdue when it ends.
func TestSilenceHoldsAStorm(t *testing.T) {
	f, mem, s := stormInSilence(t)
	f.runUntil(t, at("10:06"))
	var digests []notify.Alert
	for _, a := range f.rec.take() {
		switch {
		case a.Kind == notify.KindBreachDigest:
			digests = append(digests, a)
		case a.Kind == notify.KindBreach:
			t.Errorf("a breach paged during the silence: %s", a.ID)
		}
	}
	if len(digests) != 1 || digests[0].ID != "silence/"+s.ID+"/digest" || len(digests[0].Tickets) != 8 {
		t.Fatalf("digests %+v: want only the silence's, listing the 8 tickets", digests)
	}
	if _, total, _ := mem.HeldAlerts(context.Background(), s.ID); total < 8 {
		t.Errorf("the silence held %d alerts, want the 8 breaches and more", total)
	}
}

// stormInSilence: eight tickets of team frontline fall due at 10:00, inside
// a silence from 09:50 to 10:05 of a checker whose storm threshold is 5;
// the clock is at 09:59:30.
func stormInSilence(t *testing.T) (*fixture, *store.Memory, silence.Silence) {
	f := newFixture(t, cfgYAML+"alerts: {storm_threshold: 5}\n")
	mem := f.tickets.(*store.Memory)
	f.chk.Silences = mem
	s, err := silence.New(map[string]string{"team": "frontline"}, at("09:50"), at("10:05"), "outage", "ops", t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.PutSilence(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		f.ingest(t, event.Event{TicketID: fmt.Sprint(i), ID: fmt.Sprint(i), Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	}
	f.clock.Set(at("09:59:30"))
	return f, mem, s
}

// An end-of-silence digest whose publish fails is released and sent by a
// later run, once.
func TestSilenceDigestRetried(t *testing.T) {
	f, _, s := stormInSilence(t)
	f.runUntil(t, at("10:04:30"))
	if got := f.rec.take(); len(got) != 0 {
		t.Fatalf("published during the silence: %v", summary(got))
	}
	f.rec.fail = 1 // the digest's first publish
	f.runUntil(t, at("10:12"))
	var digests []notify.Alert
	for _, a := range f.rec.take() {
		if a.Kind == notify.KindBreachDigest {
			digests = append(digests, a)
		}
	}
	if len(digests) != 1 || digests[0].ID != "silence/"+s.ID+"/digest" || len(digests[0].Tickets) != 8 {
		t.Fatalf("digests %+v: want the silence's once, listing the 8 tickets", digests)
	}
}
