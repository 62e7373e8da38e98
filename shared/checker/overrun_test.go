package checker_test

// The load test found this (docs/RELIABILITY.md, "Load"): a run that
// overran its deadline could not record what it had published.

import (
	"context"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// ctxTickets honours cancellation as a networked store (DynamoDB) does.
type ctxTickets struct{ store.Tickets }

func (s ctxTickets) Get(ctx context.Context, k store.Key) (sla.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return sla.Ticket{}, err
	}
	return s.Tickets.Get(ctx, k)
}

func (s ctxTickets) Update(ctx context.Context, k store.Key, id string, fn store.UpdateFunc) (sla.Ticket, error) {
	if err := ctx.Err(); err != nil {
		return sla.Ticket{}, err
	}
	return s.Tickets.Update(ctx, k, id, fn)
}

// slowNotifier publishes, but takes its time (a loaded store or SNS).
type slowNotifier struct {
	*recorder
	d time.Duration
}

func (n slowNotifier) Notify(ctx context.Context, a notify.Alert) error {
	time.Sleep(n.d)
	return n.recorder.Notify(ctx, a)
}

// A run that reaches its deadline (Loop gives each run Horizon+1s) while
// publishing must still record what it published: otherwise the claim's
// lease ends and a later run pages again for the same alert.
func TestOverrunningRunRecordsWhatItPublished(t *testing.T) {
	f := newFixture(t, cfgYAML)
	f.ingest(t, event.Event{TicketID: "A", ID: "c", Kind: event.TicketCreated, OccurredAt: t0, Author: event.Customer})
	f.chk.Tickets = ctxTickets{f.tickets}
	f.chk.Notifier = slowNotifier{f.rec, 50 * time.Millisecond}
	f.clock.Set(at("10:00"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err := f.chk.Run(ctx)
	cancel()
	t.Logf("first run: %v", err)
	first := f.rec.take()
	if len(first) == 0 {
		t.Fatal("the first run published nothing")
	}
	f.clock.Set(at("10:05")) // the claim's one-minute lease is over
	if _, err := f.chk.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, a := range f.rec.take() {
		for _, b := range first {
			if a.ID == b.ID {
				t.Errorf("alert %s published twice: the first run could not record it (%v)", a.ID, err)
			}
		}
	}
}
