// Command acknowledger is the Lambda function fed by the webhook's queue:
// for each ticket a webhook touched it updates the queue history and sends
// the acknowledgement a new ticket is due (package promise).
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/handoff"
	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/writeback"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, "acknowledger")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	svc, err := service(env)
	if err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer env.Flush(ctx)
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			k, err := handoff.ParseMessage(m.Body)
			if err == nil {
				err = svc.Observe(ctx, k)
			}
			// A failed delivery keeps its claim and is retried by the
			// checker after the lease: the message is done. Anything else
			// (a store error, a malformed message) goes back to the queue,
			// and after five tries to its dead-letter queue.
			if de := (*promise.DeliveryError)(nil); err != nil && !errors.As(err, &de) {
				env.Log.ErrorContext(ctx, "ticket not observed; message returned to the queue", "message", m.MessageId, "err", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	})
}

// service builds the acknowledgement service: the compiled templates, the
// acknowledgement topic, the alert topic for predicted breaches, and a
// write-back client for each source that has one.
func service(env *lambdaenv.Env) (*promise.Service, error) {
	templates, err := ack.Compile(env.Config.Acks)
	if err != nil {
		return nil, fmt.Errorf("acknowledgement templates: %w", err)
	}
	acks, err := env.AckTopic()
	if err != nil {
		return nil, err
	}
	alerts, err := env.Alerts()
	if err != nil {
		return nil, err
	}
	repliers := map[string]promise.Replier{}
	client := &http.Client{Timeout: 10 * time.Second}
	secret := func(name string) string { v, _ := env.Secret(name); return v }
	for name, src := range env.Config.Sources {
		r, err := writeback.New(src, client, secret)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
		if r != nil {
			repliers[name] = r
		}
	}
	return &promise.Service{Config: env.Config, Tickets: env.Store, Queues: env.Store, Acks: acks, Alerts: alerts,
		Repliers: repliers, Templates: templates, Log: env.Log, Metrics: env.Metrics}, nil
}
