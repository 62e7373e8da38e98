package route

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// Delivery sends alert documents into one tool: the same steps for the
// Lambda function behind the tool's subscription and for slawatch serve.
type Delivery struct {
	Tool    string
	Router  *Router
	Backoff oncall.Backoff
	// Margin is kept free of retries before ctx's deadline, for the caller
	// to finish (default 2 s).
	Margin  time.Duration
	Log     *slog.Logger
	Metrics metrics.Sink
}

// Outcome of one delivery.
type Outcome int

const (
	Skipped   Outcome = iota // the tool does not take this alert, or has no destination for its team
	Delivered                // the tool accepted it
	Refused                  // the tool refused it, or its destination is unusable: sending again cannot help
	Later                    // not delivered before the deadline: the caller retries (Lambda's async retries)
)

// Send delivers one alert document (the body a subscriber receives). A
// refusal is logged and counted, and returns no error: retrying a request
// the tool calls wrong would only repeat it (the alarm on OnCallFailed
// tells people). A delivery that ran out of time returns its error, for
// the caller to retry; the tool's de-duplication key bounds the duplicates.
func (dl *Delivery) Send(ctx context.Context, body []byte) (Outcome, error) {
	m := metrics.Or(dl.Metrics)
	d, err := notify.ParseDocument(body)
	if err != nil {
		m.Add(metrics.OnCallFailed, metrics.Count, 1)
		dl.Log.ErrorContext(ctx, "on-call delivery: unreadable alert", "tool", dl.Tool, "err", err)
		return Refused, nil
	}
	log := dl.Log.With("tool", dl.Tool, "alert", d.ID, "kind", d.Kind, "team", d.Team)
	s, ok, err := dl.Router.Sender(dl.Tool, d)
	switch {
	case err != nil:
		m.Add(metrics.OnCallFailed, metrics.Count, 1)
		log.ErrorContext(ctx, "on-call delivery: destination unusable", "err", err)
		return Refused, nil
	case !ok:
		return Skipped, nil
	}
	if end, has := ctx.Deadline(); has {
		margin := dl.Margin
		if margin <= 0 {
			margin = 2 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, end.Add(-margin))
		defer cancel()
	}
	attempts, err := oncall.Deliver(ctx, s, d, dl.Backoff)
	m.Add(metrics.OnCallAttempts, metrics.Count, float64(attempts))
	if err == nil {
		m.Add(metrics.OnCallSent, metrics.Count, 1)
		log.InfoContext(ctx, "on-call delivery: sent", "attempts", attempts)
		return Delivered, nil
	}
	if retry, _ := oncall.Retryable(err); retry {
		log.WarnContext(ctx, "on-call delivery: not delivered yet; retried later", "attempts", attempts, "err", err)
		return Later, fmt.Errorf("route: %s: %w", dl.Tool, err)
	}
	m.Add(metrics.OnCallFailed, metrics.Count, 1)
	log.ErrorContext(ctx, "on-call delivery: refused by the tool; not retried", "attempts", attempts, "err", err)
	return Refused, nil
}
