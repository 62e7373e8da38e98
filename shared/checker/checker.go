// Package checker finds tickets whose alerts are due and sends them.
package checker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Checker sends due alerts.
type Checker struct {
	Tickets  store.Tickets
	Notifier notify.Notifier
	Now      func() time.Time
	Log      *slog.Logger
	// Batch bounds how many tickets one run handles; the rest wait for the
	// next run.
	Batch int
}

// Run sends every alert due now and returns how many it sent.
//
// Alerts are marked fired before they are sent, so overlapping runs never
// send one twice; a crash between the two loses the alert. The SNS path in a
// later change adds claim, publish, record to retry instead.
func (c *Checker) Run(ctx context.Context) (int, error) {
	now := c.Now()
	batch := c.Batch
	if batch <= 0 {
		batch = 500
	}
	keys, err := c.Tickets.Due(ctx, now, batch)
	if err != nil {
		return 0, fmt.Errorf("checker: due query: %w", err)
	}
	sent := 0
	var errs []error
	for _, k := range keys {
		var alerts []sla.Alert
		t, err := c.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
			next, due := sla.Fire(t, now)
			alerts = due
			return next, len(next.Fired) != len(t.Fired), nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("checker: ticket %s/%s: %w", k.Source, k.ID, err))
			continue
		}
		for _, a := range alerts {
			n := notify.Alert{ID: t.Source + "/" + t.ID + "/" + a.Key(), Kind: a.Kind, Severity: notify.SeverityOf(a.Kind),
				Metric: a.Metric, Cycle: a.Cycle, Level: a.Level, Source: t.Source, TicketID: t.ID, Policy: t.Policy,
				Priority: string(t.Priority), Channel: string(t.Channel), DueAt: a.DueAt, At: a.At, SentAt: now, Notify: a.Notify}
			if err := c.Notifier.Notify(ctx, n); err != nil {
				errs = append(errs, fmt.Errorf("checker: notify %s for %s/%s: %w", a.Key(), k.Source, k.ID, err))
				continue
			}
			sent++
			c.Log.InfoContext(ctx, "alert sent", "kind", a.Kind, "metric", a.Metric, "level", a.Level,
				"source", t.Source, "ticket", t.ID, "due_at", a.DueAt)
		}
	}
	return sent, errors.Join(errs...)
}

// Loop runs the checker every interval until ctx ends.
func (c *Checker) Loop(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := c.Run(ctx); err != nil {
			c.Log.ErrorContext(ctx, "checker run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
