// Command acknowledger is the Lambda function fed by the webhook's queue:
// for each ticket a webhook touched it updates the queue history and sends
// the acknowledgement a new ticket is due (package promise).
package main

import (
	"context"
	"errors"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/promise"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, "acknowledger")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	svc, err := env.Promises()
	if err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		defer env.Flush(ctx)
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			k, err := promise.ParseMessage(m.Body)
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
