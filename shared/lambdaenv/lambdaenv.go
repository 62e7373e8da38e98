// Package lambdaenv builds what slawatch's Lambda functions need, once per
// cold start: the logger, the configuration (from SSM Parameter Store or the
// package), the secrets (from Secrets Manager), the DynamoDB store, the SNS
// topics, the acknowledger's queue and the metrics recorder. It does not
// import what only the acknowledger needs (templates, write-back), so the
// other functions' binaries stay small.
//
// Everything comes from environment variables the template sets (the names
// below); AWS endpoints follow the SDK's own AWS_ENDPOINT_URL_<SERVICE>
// variables (awsconfig.Endpoint), which is how the tests point the
// functions at DynamoDB Local and the SNS/SQS server.
package lambdaenv

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/slawatch/slawatch/shared/awsconfig"
	"github.com/slawatch/slawatch/shared/handoff"
	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// Environment variables.
const (
	EnvTable           = "SLAWATCH_TABLE"            // DynamoDB table; required
	EnvConfigParameter = "SLAWATCH_CONFIG_PARAMETER" // SSM parameter holding the YAML; empty: packaged
	EnvConfigFile      = "SLAWATCH_CONFIG_FILE"      // a YAML file in the package (relative to LAMBDA_TASK_ROOT)
	EnvSecretsARN      = "SLAWATCH_SECRETS_ARN"      // Secrets Manager secret: a JSON object of secrets
	// EnvLocalSecrets is the same JSON object given directly, for sam local
	// invoke only (infra/events/env.json): the template declares it empty so
	// that --env-vars may set it, and it is ignored when EnvSecretsARN is set.
	EnvLocalSecrets = "SLAWATCH_LOCAL_SECRETS"
	EnvAlertTopic   = "SLAWATCH_ALERT_TOPIC_ARN"
	EnvAckTopic     = "SLAWATCH_ACK_TOPIC_ARN"
	EnvObserveQueue = "SLAWATCH_OBSERVE_QUEUE_URL"
)

// Namespace is the CloudWatch namespace of the metrics.
const Namespace = "slawatch"

// Env is a function's environment, built once per cold start.
type Env struct {
	Config  *policy.Config
	Store   *store.DynamoDB
	Log     *slog.Logger
	Metrics *metrics.Recorder
	// Refused is the configuration parameter's current version when it was
	// invalid and an earlier one runs instead; nil otherwise. The checker
	// function alerts it (checker.AlertRefused).
	Refused *Refusal
	aws     aws.Config
	secrets map[string]string // nil: read from the process environment
	getenv  func(string) string
}

// Load builds the environment of the named function ("webhook", "checker"…,
// the metrics' Function dimension).
func Load(ctx context.Context, function string) (*Env, error) {
	return load(ctx, function, os.Getenv)
}

func load(ctx context.Context, function string, getenv func(string) string) (*Env, error) {
	e := &Env{
		Log:     lambdacontext.NewLogger(),
		Metrics: metrics.NewRecorder(os.Stdout, Namespace, map[string]string{"Function": function}, nil),
		getenv:  getenv,
	}
	e.aws = awsconfig.FromEnv()
	// The secret is read beside the configuration: in AWS each is a
	// request on a new TLS connection, and the cold start waits for both.
	// A configuration that fails ends the wait for the secret; its error
	// is the one reported, as when they were read in turn.
	secretsCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var secretsErr error
	var reading sync.WaitGroup
	reading.Go(func() { e.secrets, secretsErr = e.loadSecrets(secretsCtx) })
	var err error
	if e.Config, err = e.loadConfig(ctx); err != nil {
		cancel()
		reading.Wait()
		return nil, err
	}
	if reading.Wait(); secretsErr != nil {
		return nil, secretsErr
	}
	table := getenv(EnvTable)
	if table == "" {
		return nil, fmt.Errorf("lambdaenv: %s is not set", EnvTable)
	}
	if e.Store, err = store.NewDynamoDB(dynamodb.NewFromConfig(e.aws, func(o *dynamodb.Options) { o.BaseEndpoint = awsconfig.Endpoint("DYNAMODB") }), table, nil); err != nil {
		return nil, err
	}
	return e, nil
}

// loadConfig reads the policy configuration: the SSM parameter, else the
// packaged file, else the embedded default. slawatch never runs on a
// half-valid configuration: a parameter version that does not parse is
// refused whole, and the newest earlier version that does runs instead
// (loadParameter); with none, the cold start fails.
func (e *Env) loadConfig(ctx context.Context) (*policy.Config, error) {
	if name := e.getenv(EnvConfigParameter); name != "" {
		return e.loadParameter(ctx, name)
	}
	if path := e.getenv(EnvConfigFile); path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.getenv("LAMBDA_TASK_ROOT"), path)
		}
		return policy.Load(path)
	}
	return policy.Default(), nil
}

// Refusal is an invalid configuration parameter version, refused whole.
type Refusal struct {
	Parameter string // the SSM parameter's name
	Version   int64  // the refused version: the parameter's current one
	Running   int64  // the earlier version running instead
	// Problems are policy.Parse's, each "line N: path: message".
	Problems []string
}

// MaxHistory bounds how many earlier versions of the configuration
// parameter a cold start tries when the current one is invalid (SSM keeps
// the last 100).
const MaxHistory = 50

// loadParameter reads the parameter's current version and, when it is
// invalid, refuses it: the refusal is logged (the version and the
// problems, never the value) and counted (metrics.ConfigRefused), and the
// newest valid version among the MaxHistory before it runs, so that the
// functions keep the configuration they ran before the bad write. Their
// new instances would otherwise all fail to start.
func (e *Env) loadParameter(ctx context.Context, name string) (*policy.Config, error) {
	var out struct {
		Parameter ssmParameter
	}
	err := e.call(ctx, "SSM", "ssm", "AmazonSSM.GetParameter", map[string]any{"Name": name, "WithDecryption": true}, &out)
	if err == nil && out.Parameter.Value == nil {
		err = errNoValue
	}
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: config parameter %s: %w", name, err)
	}
	cur := out.Parameter.Version
	cfg, perr := policy.Parse([]byte(*out.Parameter.Value))
	if perr == nil {
		return cfg, nil
	}
	refused := fmt.Errorf("lambdaenv: config parameter %s version %d: %w", name, cur, perr)
	cfg, running, err := e.earlierValid(ctx, name, cur)
	if err != nil {
		return nil, errors.Join(refused, err)
	}
	r := &Refusal{Parameter: name, Version: cur, Running: running, Problems: problems(perr)}
	e.Refused = r
	e.Log.ErrorContext(ctx, "configuration refused: an earlier version keeps running",
		"parameter", name, "version", r.Version, "running_version", r.Running, "config_version", cfg.Version(), "problems", r.Problems)
	e.Metrics.Add(metrics.ConfigRefused, metrics.Count, 1)
	return cfg, nil
}

// ssmParameter is a parameter version as GetParameter and
// GetParameterHistory answer it.
type ssmParameter struct {
	Value   *string
	Version int64
}

// earlierValid returns the newest version before cur, among the MaxHistory
// before it, that parses. SSM does not promise the history's order, so it
// is read whole (at most 100 versions: two pages) and sorted.
func (e *Env) earlierValid(ctx context.Context, name string, cur int64) (*policy.Config, int64, error) {
	var vs []ssmParameter
	token := ""
	for pages := 0; pages < 4; pages++ {
		in := map[string]any{"Name": name, "WithDecryption": true, "MaxResults": 50}
		if token != "" {
			in["NextToken"] = token
		}
		var out struct {
			Parameters []ssmParameter
			NextToken  string
		}
		if err := e.call(ctx, "SSM", "ssm", "AmazonSSM.GetParameterHistory", in, &out); err != nil {
			return nil, 0, fmt.Errorf("lambdaenv: config parameter %s: earlier versions: %w", name, err)
		}
		for _, h := range out.Parameters {
			// A version written since GetParameter is not earlier.
			if h.Version < cur && h.Value != nil {
				vs = append(vs, h)
			}
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	slices.SortFunc(vs, func(a, b ssmParameter) int { return cmp.Compare(b.Version, a.Version) })
	for _, v := range vs[:min(len(vs), MaxHistory)] {
		if cfg, err := policy.Parse([]byte(*v.Value)); err == nil {
			return cfg, v.Version, nil
		}
	}
	return nil, 0, fmt.Errorf("lambdaenv: config parameter %s: no valid version among the %d before %d: nothing to run", name, min(len(vs), MaxHistory), cur)
}

// problems lists a parse error's problems, one a line.
func problems(err error) []string {
	var es policy.Errors
	if !errors.As(err, &es) {
		return []string{err.Error()}
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Error()
	}
	return out
}

// loadSecrets fetches the secret once. Without EnvSecretsARN they come
// from EnvLocalSecrets (sam local invoke), else from the process
// environment (tests).
func (e *Env) loadSecrets(ctx context.Context) (map[string]string, error) {
	arn := e.getenv(EnvSecretsARN)
	if arn == "" {
		local := e.getenv(EnvLocalSecrets)
		if local == "" {
			return nil, nil
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(local), &m); err != nil {
			return nil, fmt.Errorf("lambdaenv: %s: want a JSON object of names to strings", EnvLocalSecrets)
		}
		return m, nil
	}
	var out struct{ SecretString *string }
	err := e.call(ctx, "SECRETS_MANAGER", "secretsmanager", "secretsmanager.GetSecretValue", map[string]string{"SecretId": arn}, &out)
	if err == nil && out.SecretString == nil {
		err = errNoValue // a binary secret: slawatch's is a JSON object
	}
	if err != nil {
		return nil, fmt.Errorf("lambdaenv: secrets %s: %w", arn, err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(*out.SecretString), &m); err != nil {
		// The value is not quoted: it may be a secret pasted in the wrong place.
		return nil, fmt.Errorf("lambdaenv: secrets %s: want a JSON object of names to strings", arn)
	}
	return m, nil
}

// Secret returns a secret by name (a source's secret_env or api_token_env).
func (e *Env) Secret(name string) (string, bool) {
	if e.secrets == nil {
		v := e.getenv(name)
		return v, v != ""
	}
	v, ok := e.secrets[name]
	return v, ok && v != ""
}

// Alerts returns the alert topic's notifier.
func (e *Env) Alerts() (notify.Notifier, error) {
	arn, err := e.require(EnvAlertTopic)
	if err != nil {
		return nil, err
	}
	return &notify.SNS{Client: e.SNS(), TopicARN: arn, Location: e.Config.Alerts.Location}, nil
}

// SNS returns an SNS client.
func (e *Env) SNS() *sns.Client {
	return sns.NewFromConfig(e.aws, func(o *sns.Options) {
		o.BaseEndpoint = awsconfig.Endpoint("SNS")
		o.Retryer = awsconfig.SNSRetryer()
	})
}

// AckTopic returns the acknowledgement topic's publisher.
func (e *Env) AckTopic() (*notify.AckSNS, error) {
	arn, err := e.require(EnvAckTopic)
	if err != nil {
		return nil, err
	}
	return &notify.AckSNS{Client: e.SNS(), TopicARN: arn}, nil
}

// ObserveQueue returns the hand-off to the acknowledger function.
func (e *Env) ObserveQueue() (*handoff.SQS, error) {
	url, err := e.require(EnvObserveQueue)
	if err != nil {
		return nil, err
	}
	return &handoff.SQS{Client: sqs.NewFromConfig(e.aws, func(o *sqs.Options) { o.BaseEndpoint = awsconfig.Endpoint("SQS") }), QueueURL: url}, nil
}

func (e *Env) require(name string) (string, error) {
	if v := e.getenv(name); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("lambdaenv: %s is not set", name)
}

// Fatal logs why the cold start failed and exits: Lambda reports the init
// failure and retries with a fresh environment.
func Fatal(log *slog.Logger, err error) {
	if log == nil {
		log = lambdacontext.NewLogger()
	}
	log.Error("cold start failed", "err", err)
	os.Exit(1)
}

// Flush writes the invocation's metrics line; call it at the end of every
// invocation.
func (e *Env) Flush(ctx context.Context) {
	if err := e.Metrics.Flush(); err != nil {
		e.Log.ErrorContext(ctx, "metrics not written", "err", err)
	}
}
