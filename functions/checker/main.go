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
	"github.com/slawatch/slawatch/shared/store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// The DynamoDB store and the SNS notifier replace these (issues 4 and 5).
	c := &checker.Checker{Tickets: store.NewMemory(), Notifier: notify.NewConsole(os.Stdout), Now: time.Now, Log: log}
	lambda.Start(func(ctx context.Context, _ events.EventBridgeEvent) error {
		sent, err := c.Run(ctx)
		log.InfoContext(ctx, "checker run", "sent", sent)
		return err
	})
}
