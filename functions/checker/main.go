// Command checker is the scheduled Lambda function that sends due SLA
// warnings, breaches and escalations.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// The DynamoDB store and the SNS notifier replace these (issues 4 and 5).
	cfg := policy.Default()
	// Each scheduled run covers the minute to the next one, waiting inside
	// the invocation for each alert's instant.
	c := &checker.Checker{Config: cfg, Tickets: store.NewMemory(), Notifier: notify.NewConsole(os.Stdout, cfg.Alerts.Location),
		Clock: checker.RealClock{}, Log: log, Horizon: time.Minute}
	lambda.Start(func(ctx context.Context, _ events.EventBridgeEvent) error {
		st, err := c.Run(ctx)
		log.InfoContext(ctx, "checker run", "sent", st.Sent, "failed", st.Failed, "digests", st.Digests)
		return err
	})
}
