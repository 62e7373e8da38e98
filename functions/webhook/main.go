// Command webhook is the Lambda function behind POST /webhooks/{source} and
// GET /tickets/{source}/{id}: it hands each API Gateway request to the same
// handler the local server uses.
package main

import (
	"context"
	"log/slog"
	"os"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := config()
	if err != nil {
		log.Error("invalid configuration", "err", err)
		os.Exit(1)
	}
	// The DynamoDB store replaces this in-memory one (issue 4); until then
	// the function keeps state only for the life of one execution environment.
	tickets := store.NewMemory()
	api := httpapi.New(cfg, tickets, os.LookupEnv, log)
	h := api.Handler()
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return httpapi.ServeAPIGateway(ctx, h, req)
	})
}

func config() (*policy.Config, error) {
	if p := os.Getenv("SLAWATCH_CONFIG"); p != "" {
		return policy.Load(p)
	}
	return policy.Default(), nil
}
