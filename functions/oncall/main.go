// Command oncall is the Lambda function that delivers alerts into one
// on-call tool (SLAWATCH_ONCALL_TOOL: pagerduty, opsgenie, slack or teams):
// it subscribes to the alert topic, so the checker publishes as before and
// a tool that fails holds up no other. A refused alert is logged and
// counted (OnCallFailed) and not retried; one not delivered in time fails
// the invocation, and Lambda's asynchronous retries send it again.
package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"slices"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/oncall/route"
	"github.com/slawatch/slawatch/shared/policy"
)

// EnvTool names the tool this function delivers to.
const EnvTool = "SLAWATCH_ONCALL_TOOL"

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, "oncall")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	tool := os.Getenv(EnvTool)
	if !slices.Contains(policy.Tools, tool) {
		lambdaenv.Fatal(env.Log, errors.New(EnvTool+": want one of pagerduty, opsgenie, slack, teams"))
	}
	if env.Config.Integrations[tool] == nil {
		env.Log.Warn("the configuration has no integrations."+tool+" section: every alert is skipped", "tool", tool)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	endpoints := route.Endpoints(os.Getenv) // stand-ins, for tests only
	builders := route.Builtin(client, time.Now, endpoints)
	// Slack keeps each incident's message in the table, to edit it;
	// PagerDuty and Opsgenie keep each clock's recovered alert there, so
	// that a late alert of the clock does not reopen its incident.
	builders["slack"] = route.Slack(env.Store, client, time.Now, endpoints["slack"])
	dl := &route.Delivery{Tool: tool, Log: env.Log, Metrics: env.Metrics, Router: &route.Router{
		Integrations: env.Config.Integrations, Secret: env.Secret, Builders: builders, Docs: env.Store}}
	lambda.Start(func(ctx context.Context, ev events.SNSEvent) error {
		defer env.Flush(ctx)
		var errs []error
		for _, r := range ev.Records {
			if _, err := dl.Send(ctx, []byte(r.SNS.Message)); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}
