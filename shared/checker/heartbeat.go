package checker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/notify"
)

// heartbeats checks every source that expects traffic and publishes what
// changed: silent, back, rejected (package heartbeat). Each event is
// claimed in the store before it is published, so racing checkers send it
// once; a failed publish releases the claim, so the next run sends again.
func (c *Checker) heartbeats(ctx context.Context, st *Stats, now time.Time, errs *[]error) {
	if c.Traffic == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c.Config.Sources)) {
		src := c.Config.Sources[name]
		if src.ExpectTraffic == nil {
			continue
		}
		events, release, err := heartbeat.Claim(ctx, c.Traffic, src, now)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("checker: heartbeat: %w", err))
			continue
		}
		failed := false
		for _, e := range events {
			a := notify.Alert{ID: "source/" + e.Source + "/" + e.Kind + "/" + strconv.FormatInt(e.At.UnixMilli(), 10),
				Kind: e.Kind, Severity: e.Severity(), Source: e.Source, At: e.At, SentAt: now, Ends: e.Ends}
			pctx, cancel := context.WithTimeout(ctx, c.lease()/2)
			err := c.Notifier.Notify(pctx, a)
			cancel()
			if err != nil {
				st.Failed++
				failed = true
				*errs = append(*errs, fmt.Errorf("checker: publish %s: %w", a.ID, err))
				c.Log.ErrorContext(ctx, "heartbeat alert not sent; retried next run", "alert", a.ID, "err", err)
				continue
			}
			st.Sent++
			c.Log.InfoContext(ctx, "heartbeat alert sent", "alert", a.ID, "kind", a.Kind)
		}
		if failed {
			if err := release(ctx); err != nil {
				*errs = append(*errs, fmt.Errorf("checker: %w", err))
				c.Log.ErrorContext(ctx, "heartbeat alert lost: its claim could not be released", "source", name, "err", err)
			}
		}
	}
}
