// Command tickets is the Lambda function behind the read API: GET
// /tickets/{source}/{id} (a ticket's SLA state and acknowledgement) and GET
// /queues (promise-kept rates per queue), both IAM-signed; and, when the
// stack has an OIDC issuer (template.yaml's DashboardIssuer), the dashboard
// at GET / with the GET /api/report and GET /api/at-risk it reads, behind
// a JWT authorizer. It only reads the table.
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
	env, err := lambdaenv.Load(ctx, "tickets")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	api := httpapi.New(env.Config, env.Store, env.Secret, env.Log)
	api.Queues = env.Store
	api.Clocks = env.Store // GET /api/at-risk
	api.History = env.Store
	// A report may span what the store keeps, no more (0 in both: the
	// store's default retention).
	api.HistoryRetention = env.Store.HistoryRetention
	h := api.Handler()
	lambda.Start(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return httpapi.ServeAPIGateway(ctx, h, req)
	})
}
