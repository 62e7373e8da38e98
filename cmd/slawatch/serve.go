package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/awsconfig"
	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall/route"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/writeback"
)

// serve runs the local server: webhook intake, the ticket API and the
// deadline checker in one process, on the in-memory store.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	defAddr := os.Getenv("SLAWATCH_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	configPath := fs.String("config", os.Getenv("SLAWATCH_CONFIG"), "configuration file (default: the embedded default)")
	addr := fs.String("addr", defAddr, "listen address (env SLAWATCH_ADDR)")
	every := fs.Duration("check-every", 5*time.Second, "how often the deadline checker runs")
	storeKind := fs.String("store", envOr("SLAWATCH_STORE", "memory"), "ticket store: memory or dynamodb (env SLAWATCH_STORE)")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint, e.g. DynamoDB Local (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS")
	table := fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)")
	createTable := fs.Bool("create-table", false, "create the DynamoDB table if it does not exist (local development)")
	snsEndpoint := fs.String("sns-endpoint", os.Getenv("SLAWATCH_SNS_ENDPOINT"), "SNS endpoint, e.g. a local SNS server (env SLAWATCH_SNS_ENDPOINT)")
	alertTopic := fs.String("alert-topic", os.Getenv("SLAWATCH_ALERT_TOPIC"), "publish alerts to this SNS topic ARN, or topic name to create on --sns-endpoint (env SLAWATCH_ALERT_TOPIC); empty: console")
	ackTopic := fs.String("ack-topic", os.Getenv("SLAWATCH_ACK_TOPIC"), "publish acknowledgements to this SNS topic ARN, or topic name to create on --sns-endpoint (env SLAWATCH_ACK_TOPIC); empty: console")
	backfillPath := fs.String("backfill", "", "load this JSON-lines trace into the history before serving (slawatch backfill; stops at a malformed line)")
	if err := parseFlags(fs, "serve", args, stdout); err != nil {
		return err
	}
	if *storeKind != "memory" && *storeKind != "dynamodb" {
		return fmt.Errorf("%w: --store %q: want memory or dynamodb", errUsage, *storeKind)
	}
	if *every <= 0 {
		return fmt.Errorf("%w: --check-every must be positive", errUsage)
	}
	cfg, templates, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	for _, src := range cfg.Sources {
		if v, ok := os.LookupEnv(src.SecretEnv); (!ok || v == "") && !src.Insecure {
			log.Warn("source has no secret: it refuses every request", "source", src.Name, "env", src.SecretEnv)
		}
	}

	tickets, err := openStore(ctx, *storeKind, *endpoint, *table, *createTable)
	if err != nil {
		return err
	}
	if *backfillPath != "" {
		// Before the listener: a report never shows half a backfill.
		if err := serveBackfill(ctx, cfg, tickets, *backfillPath, stderr, log); err != nil {
			return err
		}
	}
	// build wires the server's parts to one configuration; a SIGHUP
	// builds them again for the new one (reload.go).
	build := func(cfg *policy.Config, templates ack.Templates) (*wired, error) {
		api := httpapi.New(cfg, tickets, os.LookupEnv, log)
		notifier, acks, err := openNotifiers(ctx, stdout, *snsEndpoint, *alertTopic, *ackTopic, cfg.Alerts.Location)
		if err != nil {
			return nil, err
		}
		if len(cfg.Integrations) > 0 {
			// The on-call tools, in process: credentials from the environment.
			notifier = inProcessOnCall(cfg, onCallRouter(cfg, tickets, route.Endpoints(os.Getenv)), notifier, log)
		}
		repliers, err := openRepliers(cfg)
		if err != nil {
			return nil, err
		}
		promises := &promise.Service{Config: cfg, Tickets: tickets, Queues: tickets, Acks: acks, Alerts: notifier, Repliers: repliers,
			Templates: templates, Log: log}
		api.Promises, api.Queues, api.History, api.Clocks, api.Silences = promises, tickets, tickets, tickets, tickets
		// Acknowledgements from the on-call tools, and each source's traffic
		// for its heartbeat.
		api.OnCall = &intake.OnCall{Policies: cfg, Tickets: tickets}
		api.SlackAcks = route.SlackAcks{Router: onCallRouter(cfg, tickets, route.Endpoints(os.Getenv)), Store: route.SlackStore{Docs: tickets}}
		api.Traffic = heartbeat.NewRecorder(tickets)
		// Intake records the clocks each event ends; the checker what intake
		// could not.
		api.Intake.History = tickets
		chk := &checker.Checker{Config: cfg, Tickets: tickets, Notifier: notifier, Clock: checker.RealClock{}, Log: log, Horizon: *every, Acks: promises,
			History:  &intake.Recorder{Policies: cfg, Tickets: tickets, History: tickets, Link: cfg.Link},
			Silences: tickets, Traffic: tickets}
		return &wired{cfg: cfg, handler: api.Handler(), checker: chk, notifier: notifier}, nil
	}
	first, err := build(cfg, templates)
	if err != nil {
		return err
	}
	rl := &reloader{path: *configPath, build: build, tickets: tickets, log: log, live: first}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: rl, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go rl.run(ctx)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("slawatch serving", "addr", ln.Addr().String(), "store", *storeKind, "policies", len(cfg.Policies), "check_every", every.String(),
		"config_version", cfg.Version())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// onCallRouter routes alerts to the configured on-call tools, with
// credentials from the environment; endpoints point tools at stand-ins.
func onCallRouter(cfg *policy.Config, docs store.Docs, endpoints map[string]string) *route.Router {
	client := &http.Client{Timeout: 10 * time.Second}
	builders := route.Builtin(client, time.Now, endpoints)
	builders["slack"] = route.Slack(docs, client, time.Now, endpoints["slack"])
	return &route.Router{Integrations: cfg.Integrations, Secret: os.LookupEnv, Builders: builders, Docs: docs}
}

// inProcessOnCall delivers alerts into the configured on-call tools after
// next has them, as the deployed oncall functions do.
func inProcessOnCall(cfg *policy.Config, router *route.Router, next notify.Notifier, log *slog.Logger) notify.Notifier {
	p := &route.InProcess{Next: next, Location: cfg.Alerts.Location, Now: time.Now, Log: log}
	for _, tool := range policy.Tools {
		if cfg.Integrations[tool] != nil {
			p.Deliveries = append(p.Deliveries, &route.Delivery{Tool: tool, Router: router, Log: log})
			log.Info("on-call integration on", "tool", tool)
		}
	}
	return p
}

// serveBackfill loads the trace at path into the history, as slawatch
// backfill does: the way a memory store gets past clocks.
func serveBackfill(ctx context.Context, cfg *policy.Config, hist store.History, path string, stderr io.Writer, log *slog.Logger) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--backfill: %w", err)
	}
	defer f.Close()
	b := &backfill{Config: cfg, History: hist, MaxEvents: defaultMaxBackfillEvents, Errors: stderr, Progress: terminal(stderr)}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		b.Size = fi.Size()
	}
	start := time.Now()
	sum, err := b.Run(ctx, f, path)
	if err != nil {
		return err
	}
	log.Info("backfilled the history", "file", path, "lines", sum.Lines, "events", sum.Events, "tickets", sum.Tickets,
		"clocks", sum.Clocks, "recorded", sum.Added, "present", sum.Present, "revised", sum.Revised, "too_old", sum.TooOld,
		"took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// ticketStore keeps tickets, queue history and the history of ended
// clocks (for the SLA reports), lists running clocks (the at-risk view),
// and keeps silences, sources' traffic and the on-call tools' documents;
// both stores do.
type ticketStore interface {
	store.Tickets
	store.Queues
	store.History
	store.Clocks
	store.Silences
	store.Traffic
	store.Docs
}

// openStore returns the store the flags ask for.
func openStore(ctx context.Context, kind, endpoint, table string, create bool) (ticketStore, error) {
	if kind == "memory" {
		return store.NewMemory(), nil
	}
	client, err := awsdefault.NewDynamoDBClient(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	if create {
		_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		var missing *types.ResourceNotFoundException
		switch {
		case errors.As(err, &missing):
			if err := store.CreateTable(ctx, client, table); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, fmt.Errorf("describe table %s: %w", table, err)
		}
	}
	return store.NewDynamoDB(client, table, nil)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// openNotifiers returns the alert notifier and the acknowledgement
// publisher: the console, or SNS when a topic is given. On a local SNS
// endpoint a topic name is created (idempotently).
func openNotifiers(ctx context.Context, stdout io.Writer, endpoint, alertTopic, ackTopic string, loc *time.Location) (notify.Notifier, notify.AckPublisher, error) {
	var alerts notify.Notifier = notify.NewConsole(stdout, loc)
	var acks notify.AckPublisher = notify.NewAckConsole(stdout)
	if alertTopic == "" && ackTopic == "" {
		return alerts, acks, nil
	}
	awsCfg, err := awsdefault.Load(ctx, endpoint)
	if err != nil {
		return nil, nil, err
	}
	client := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
		o.Retryer = awsconfig.SNSRetryer()
	})
	if alertTopic != "" {
		arn, err := topicARN(ctx, client, endpoint, "--alert-topic", alertTopic)
		if err != nil {
			return nil, nil, err
		}
		alerts = &notify.SNS{Client: client, TopicARN: arn, Location: loc}
	}
	if ackTopic != "" {
		arn, err := topicARN(ctx, client, endpoint, "--ack-topic", ackTopic)
		if err != nil {
			return nil, nil, err
		}
		acks = &notify.AckSNS{Client: client, TopicARN: arn}
	}
	return alerts, acks, nil
}

// topicARN returns topic if it is an ARN, else creates the named topic on
// a local endpoint.
func topicARN(ctx context.Context, client *sns.Client, endpoint, flag, topic string) (string, error) {
	if strings.HasPrefix(topic, "arn:") {
		return topic, nil
	}
	if endpoint == "" {
		return "", fmt.Errorf("%w: %s %q: give a topic ARN (names are only created on a local --sns-endpoint)", errUsage, flag, topic)
	}
	out, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: &topic})
	if err != nil {
		return "", fmt.Errorf("create topic %s: %w", topic, err)
	}
	return *out.TopicArn, nil
}

// openRepliers returns the write-back client of each source that has one
// configured (api_url).
func openRepliers(cfg *policy.Config) (map[string]promise.Replier, error) {
	out := map[string]promise.Replier{}
	client := &http.Client{Timeout: 10 * time.Second}
	for name, src := range cfg.Sources {
		r, err := writeback.New(src, client, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
		if r != nil {
			out[name] = r
		}
	}
	return out, nil
}
