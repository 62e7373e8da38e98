// Command webhook is the Lambda function behind POST /webhooks/{source}: it
// verifies and applies each helpdesk webhook with the handler the local
// server uses, then hands the touched tickets to the acknowledger's queue.
package main

import (
	"context"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/lambdaenv"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, "webhook")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	api := httpapi.New(env.Config, env.Store, env.Secret, env.Log)
	api.Metrics = env.Metrics
	api.Intake.History = env.Store // the clocks each event ends
	if api.Promises, err = env.ObserveQueue(); err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	h := api.Handler()
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		defer env.Flush(ctx)
		return httpapi.ServeAPIGateway(ctx, h, req)
	})
}
