// Command webhook is the Lambda function behind POST /webhooks/{source}: it
// verifies and applies each helpdesk webhook with the handler the local
// server uses, then hands the touched tickets to the acknowledger's queue.
package main

import (
	"context"
	"net/http"
	"os"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/oncall/route"
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
	// Each source's traffic, for the heartbeat (at most one write a
	// minute per source and instance); acknowledgements made in the
	// on-call tools (/webhooks/slack-actions and the like); Slack's
	// Snooze button makes a silence.
	api.Traffic = heartbeat.NewRecorder(env.Store)
	api.OnCall = &intake.OnCall{Policies: env.Config, Tickets: env.Store}
	client := &http.Client{Timeout: 5 * time.Second}
	builders := route.Builtin(client, time.Now, nil)
	builders["slack"] = route.Slack(env.Store, client, time.Now, route.Endpoints(os.Getenv)["slack"])
	api.SlackAcks = route.SlackAcks{Store: route.SlackStore{Docs: env.Store},
		Router: &route.Router{Integrations: env.Config.Integrations, Secret: env.Secret, Builders: builders}}
	api.Silences = env.Store
	if api.Promises, err = env.ObserveQueue(); err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	h := api.Handler()
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		defer env.Flush(ctx)
		return httpapi.ServeAPIGateway(ctx, h, req)
	})
}
