// Command checker is the scheduled Lambda function that sends due SLA
// warnings, breaches and escalations, and hands acknowledgements whose
// delivery failed back to the acknowledger.
package main

import (
	"context"
	"sync"
	"time"
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/reconfig"
)

func main() {
	ctx := context.Background()
	env, err := lambdaenv.Load(ctx, "checker")
	if err != nil {
		lambdaenv.Fatal(nil, err)
	}
	alerts, err := env.Alerts()
	if err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	// Acknowledgements whose delivery failed go back to the acknowledger,
	// which alone delivers them.
	acks, err := env.ObserveQueue()
	if err != nil {
		lambdaenv.Fatal(env.Log, err)
	}
	// Each scheduled run covers the minute to the next one, waiting inside
	// the invocation for each alert's instant.
	c := &checker.Checker{Config: env.Config, Tickets: env.Store, Notifier: alerts, Clock: checker.RealClock{},
		Log: env.Log, Horizon: time.Minute, Acks: acks, Metrics: env.Metrics,
		// Ended clocks the webhook function could not record.
		History: &intake.Recorder{Policies: env.Config, Tickets: env.Store, History: env.Store, Link: env.Config.Link},
		// Silences hold alerts back; sources that expect traffic are
		// watched (their webhooks are recorded by the webhook function).
		Silences: env.Store, Traffic: env.Store}
	// A refused configuration version (lambdaenv: an earlier one runs) is
	// alerted once across the checkers; until it is out, each run tries.
	var refused *checker.RefusalAlert
	if r := env.Refused; r != nil {
		refused = &checker.RefusalAlert{Parameter: r.Parameter, Version: r.Version, Docs: env.Store, Notifier: alerts, Clock: checker.RealClock{}, Log: env.Log}
	}
	retarget := &reconfig.Job{Next: env.Config, Tickets: env.Store, Clocks: env.Store, Docs: env.Store, Batch: reconfig.DefaultBatch}
	lambda.Start(func(ctx context.Context, _ events.EventBridgeEvent) error {
		defer env.Flush(ctx)
		// A new configuration (a new SSM parameter version, read at this
		// cold start) retargets the open tickets a batch per run; once
		// done, a run reads one document (one request: a refused
		// PutDocIfAbsent returns it).
		// That goes beside the run rather than after it, where it added
		// 10–40 ms to every run on DynamoDB Local here. A ticket retargeted
		// while the run claims it meets the claim as any two writers do,
		// through the store's conditional updates.
		var retargeting sync.WaitGroup
		retargeting.Go(func() {
			if p, rerr := retarget.Step(ctx); rerr != nil {
				env.Log.ErrorContext(ctx, "retargeting the open tickets", "config_version", env.Config.Version(), "err", rerr)
			} else if p.Retargeted > 0 && p.Done {
				env.Log.InfoContext(ctx, "open tickets retargeted", "config_version", p.Version, "tickets", p.Retargeted, "moved", p.Moved, "breach_at_once", p.AtOnce)
			}
		})
		st, err := c.Run(ctx)
		env.Log.InfoContext(ctx, "checker run", "sent", st.Sent, "failed", st.Failed, "digests", st.Digests, "breaches", st.Breaches)
		if refused != nil {
			if sent, rerr := refused.Send(ctx); rerr != nil {
				env.Log.ErrorContext(ctx, "configuration refused: alert", "parameter", refused.Parameter, "version", refused.Version, "err", rerr)
			} else if sent {
				env.Log.InfoContext(ctx, "configuration refused: alert sent", "parameter", refused.Parameter, "version", refused.Version)
			}
		}
		retargeting.Wait()
		return err
	})
}
