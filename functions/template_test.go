// Package functions_test checks template.yaml, the AWS SAM template that
// deploys slawatch, against the code it deploys and the Makefile that builds
// it. SAM CLI is not part of the tool chain, so this test is what catches a
// function the Makefile cannot build, an environment variable the code reads
// but the template does not set (or the reverse), a policy that reaches
// beyond the template's own resources, a table that differs from the one the
// store creates for the tests, alarms or timeouts that cannot work, a route
// for the dashboard or /api/* that could be deployed without its JWT
// authorizer, and a CloudWatch dashboard charting a metric no function
// writes.
//
// The template is parsed with go.yaml.in/yaml/v3; CloudFormation's short-form
// tags (!Ref, !GetAtt, !Sub, !If, …) become their long form ({"Ref": x},
// {"Fn::GetAtt": [id, attr]}, …), and Globals.Function is merged into each
// function the way the SAM translator does it (maps merge key by key, lists
// concatenate, the function's own scalars win).
package functions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/functions/internal/runtimeapi"
	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// ---------------------------------------------------------------------------
// What the template must agree with.

// envSpec says what each SLAWATCH_ variable a function may be given must be
// set to, and which service the code reaches through it. A variable missing
// here fails TestEnvironmentValues: add it with its resource.
var envSpec = map[string]struct {
	target  string // the logical id or parameter it must Ref
	typ     string // the resource type, or "parameter"
	cond    string // non-empty: set only under this condition, else AWS::NoValue
	service string // the IAM service the function then needs on target
}{
	"SLAWATCH_TABLE":             {"Table", "AWS::DynamoDB::Table", "", "dynamodb"},                 // Ref: the table name
	"SLAWATCH_CONFIG_PARAMETER":  {"ConfigParameterName", "parameter", "HasConfigParameter", "ssm"}, // absent: packaged config
	"SLAWATCH_SECRETS_ARN":       {"SecretsArn", "parameter", "", "secretsmanager"},
	"SLAWATCH_ALERT_TOPIC_ARN":   {"AlertTopic", "AWS::SNS::Topic", "", "sns"}, // Ref: the topic ARN
	"SLAWATCH_ACK_TOPIC_ARN":     {"AckTopic", "AWS::SNS::Topic", "", "sns"},
	"SLAWATCH_OBSERVE_QUEUE_URL": {"ObserveQueue", "AWS::SQS::Queue", "", "sqs"}, // Ref: the queue URL
}

// literalEnv lists variables set to a literal, not to a resource, with the
// values they may take: the on-call functions are one binary, told their
// tool by SLAWATCH_ONCALL_TOOL.
var literalEnv = map[string][]string{
	"SLAWATCH_ONCALL_TOOL": policy.Tools,
}

// envWithoutAccess lists, per function, variables the template must set
// although the function must get no access to what they name, with the
// reason. An entry whose function is granted the access anyway, or that
// the template no longer sets, fails TestPolicies.
var envWithoutAccess = map[string]map[string]string{
	// lambdaenv.Load requires SLAWATCH_TABLE of every function and builds
	// the store's client, which sends nothing until it is used. Slack keeps
	// the message of each incident, PagerDuty and Opsgenie each clock's
	// recovered alert; Teams keeps nothing and never touches the table.
	"OnCallTeams": {"SLAWATCH_TABLE": "Teams' function keeps no state (every alert is a new card)"},
}

// localOnlyEnv lists variables the template declares empty so that `sam
// local invoke --env-vars infra/events/env.json` can set them.
var localOnlyEnv = map[string]string{
	"SLAWATCH_LOCAL_SECRETS": "the secrets as a JSON object, in place of Secrets Manager",
}

// optionalEnv lists variables the functions' code reads that the template
// deliberately leaves unset in every function, with the reason.
var optionalEnv = map[string]string{
	// shared/lambdaenv: a policy YAML packaged with the function. The
	// template configures through SSM (SLAWATCH_CONFIG_PARAMETER) instead.
	"SLAWATCH_CONFIG_FILE": "a packaged configuration file; the template uses SSM instead",
}

// optionalEnvFor lists, per function, variables its code reads that the
// template deliberately leaves unset for that function only. An entry the
// code no longer reads fails the test, so the list cannot go stale.
var optionalEnvFor = map[string]map[string]string{
	"Tickets": {
		// lambdaenv.Load fetches the secret when the variable is set, in
		// every function. Tickets serves GET routes only: no webhook to
		// verify, no helpdesk to call, so it gets neither the secret nor
		// secretsmanager:GetSecretValue.
		"SLAWATCH_SECRETS_ARN": "the read API verifies no webhook and calls no helpdesk",
	},
	"Checker": {
		// Likewise: the checker sends alerts and hands failed
		// acknowledgements back to the acknowledger's queue; it verifies
		// no webhook and calls no helpdesk API.
		"SLAWATCH_SECRETS_ARN": "the checker verifies no webhook and calls no helpdesk",
	},
}

// lambdaProvided are the variables the Lambda runtime sets itself
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html):
// code may read them; the template must not set them (most are reserved).
var lambdaProvided = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_FORMAT",
	"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_LEVEL", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "TZ",
}

// samPolicyTemplates are the SAM policy templates the functions may use:
// the service each grants and the parameter naming its resource, which must
// be written as want (a Ref, or a GetAtt of the attribute) of a resource of
// the type given ("parameter": a template parameter). Templates not listed
// here fail the test: some grant "*" (CloudWatchPutMetricPolicy, …). The SSM
// templates are left out on purpose: both add ssm:DescribeParameters on
// "*", which slawatch never calls, and SSMParameterReadPolicy prefixes a
// slash to the name (parameter//slawatch/config); the template grants
// ssm:GetParameter and ssm:GetParameterHistory on the one parameter with an
// explicit statement instead (TestTemplateConfigParameterActions).
var samPolicyTemplates = map[string]struct {
	service, param, want, typ string
}{
	"DynamoDBCrudPolicy":                    {"dynamodb", "TableName", "Ref", "AWS::DynamoDB::Table"},
	"DynamoDBReadPolicy":                    {"dynamodb", "TableName", "Ref", "AWS::DynamoDB::Table"},
	"SNSPublishMessagePolicy":               {"sns", "TopicName", "TopicName", "AWS::SNS::Topic"},
	"SQSSendMessagePolicy":                  {"sqs", "QueueName", "QueueName", "AWS::SQS::Queue"},
	"SQSPollerPolicy":                       {"sqs", "QueueName", "QueueName", "AWS::SQS::Queue"},
	"AWSSecretsManagerGetSecretValuePolicy": {"secretsmanager", "SecretArn", "Ref", "parameter"},
	"KMSDecryptPolicy":                      {"kms", "KeyId", "Ref", "AWS::KMS::Key"},
}

// samFunctionGlobals are the properties SAM accepts in Globals.Function
// (samtranslator/plugins/globals/globals.py); Policies, Events and Role are
// not among them.
var samFunctionGlobals = []string{
	"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize", "Timeout",
	"VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn", "AutoPublishAlias",
	"AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath",
	"PermissionsBoundary", "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig",
	"AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn",
	"Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig", "LoggingConfig",
}

var pseudoParameters = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
	"AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

const (
	// apiGatewayMaxTimeout is HTTP APIs' integration timeout limit (ms);
	// samHTTPAPITimeout is SAM's TimeoutInMillis when an event leaves it out.
	apiGatewayMaxTimeout = 30000
	samHTTPAPITimeout    = 5000
)

// ---------------------------------------------------------------------------
// Template checks.

func TestTemplateReferences(t *testing.T) {
	tp := loadT(t)
	for _, sec := range []string{"Conditions", "Globals", "Resources", "Outputs"} {
		cfnWalk(tp.top[sec], sec, func(path string, v any) {
			for _, r := range refsHere(v) {
				if !tp.defined(r) {
					t.Errorf("%s: refers to %q, which is no resource, parameter or pseudo parameter of template.yaml", path, r)
				}
			}
			if c, ok := conditionHere(v); ok {
				if _, ok := tp.Conditions[c]; !ok {
					t.Errorf("%s: condition %q is not in Conditions", path, c)
				}
			}
		})
	}
	for id, r := range tp.Resources {
		if c, ok := r["Condition"].(string); ok {
			if _, ok := tp.Conditions[c]; !ok {
				t.Errorf("Resources.%s: condition %q is not in Conditions", id, c)
			}
		}
	}
	for k := range cfnMap(tp.Globals["Function"]) {
		if !slices.Contains(samFunctionGlobals, k) {
			t.Errorf("Globals.Function.%s: SAM does not accept it in Globals (set it on each function)", k)
		}
	}
	if len(tp.Functions) == 0 {
		t.Fatal("template.yaml declares no AWS::Serverless::Function")
	}
}

// TestFunctionsBuild: every function is built by BuildMethod makefile from
// CodeUri "." into a provided.al2023 arm64 bootstrap; the Makefile has its
// build-<LogicalId> target, and the package it names compiles.
func TestFunctionsBuild(t *testing.T) {
	tp := loadT(t)
	goBin := goTool(t)
	for _, id := range tp.functionIDs() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			fn := tp.Functions[id]
			if got := cfnDig(tp.Resources[id], "Metadata", "BuildMethod"); got != "makefile" {
				t.Errorf("%s: Metadata.BuildMethod is %v, want makefile (sam build runs `make build-%s`)", id, got, id)
			}
			for prop, want := range map[string]string{"CodeUri": ".", "Handler": "bootstrap", "Runtime": "provided.al2023"} {
				if got := fn[prop]; got != want {
					t.Errorf("%s: %s is %v after Globals, want %q", id, prop, got, want)
				}
			}
			if got := cfnList(fn["Architectures"]); len(got) != 1 || got[0] != "arm64" {
				t.Errorf("%s: Architectures is %v, want [arm64] (the Makefile builds GOARCH=arm64)", id, got)
			}
			dir := functionDir(t, tp, id)
			cmd := lambdaGoCommand(tp.Root, goBin, "build", "-o", os.DevNull, "./functions/"+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %s: %v\n%s", id, strings.Join(cmd.Args, " "), err, out)
			}
		})
	}
	t.Run("no stale make targets", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(tp.Root, "Makefile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^build-([A-Za-z0-9]+):`).FindAllStringSubmatch(string(b), -1) {
			if _, ok := tp.Functions[m[1]]; !ok {
				t.Errorf("Makefile: target build-%s builds a function template.yaml does not declare", m[1])
			}
		}
	})
}

// TestFunctionEnvironment: every environment variable a function's code
// reads is set on it (Globals merged in), and every SLAWATCH_ variable set on
// it is read by its code. See scanEnv for what counts as a read.
func TestFunctionEnvironment(t *testing.T) {
	tp := loadT(t)
	for _, id := range tp.functionIDs() {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			dir := functionDir(t, tp, id)
			reads, err := scanEnv(tp.Root, "./functions/"+dir)
			if err != nil {
				t.Fatalf("%s: reading the environment variables of ./functions/%s: %v", id, dir, err)
			}
			t.Logf("%s: functions/%s reads %s", id, dir, strings.Join(slices.Sorted(maps.Keys(reads)), " "))
			set := envVars(tp.Functions[id])
			for _, name := range slices.Sorted(maps.Keys(reads)) {
				_, isSet := set[name]
				_, optional := optionalEnv[name]
				_, optionalHere := optionalEnvFor[id][name]
				if !isSet && !optional && !optionalHere && !slices.Contains(lambdaProvided, name) {
					t.Errorf("%s: functions/%s reads %s (%s) but template.yaml does not set it on %s, nor in Globals: set it, or add it with the reason to optionalEnv / optionalEnvFor",
						id, dir, name, reads[name], id)
				}
			}
			for name := range optionalEnvFor[id] {
				if _, ok := reads[name]; !ok {
					t.Errorf("%s: optionalEnvFor[%q] lists %s, which functions/%s no longer reads: remove the entry", id, id, name, dir)
				}
				if _, ok := set[name]; ok {
					t.Errorf("%s: optionalEnvFor[%q] lists %s, yet template.yaml sets it: remove one", id, id, name)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(set)) {
				if _, ok := reads[name]; !ok && strings.HasPrefix(name, "SLAWATCH_") {
					t.Errorf("%s: template.yaml sets %s on %s but functions/%s never reads it: dead configuration", id, name, id, dir)
				}
			}
		})
	}
}

// TestEnvScannerSeesLocalVariables runs scanEnv on the CLI, whose
// development-only variables (SLAWATCH_ADDR, …) the functions must never
// need: it shows the scanner finds os.Getenv literals and literal arguments
// to helpers, so that an empty result for a function means something.
func TestEnvScannerSeesLocalVariables(t *testing.T) {
	tp := loadT(t)
	t.Parallel()
	if _, err := os.Stat(filepath.Join(tp.Root, "cmd", "slawatch")); err != nil {
		t.Skip("cmd/slawatch does not exist")
	}
	reads, err := scanEnv(tp.Root, "./cmd/slawatch")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"SLAWATCH_ADDR", "SLAWATCH_CONFIG", "SLAWATCH_STORE", "SLAWATCH_DYNAMODB_ENDPOINT", "SLAWATCH_TABLE"} {
		if _, ok := reads[name]; !ok {
			t.Errorf("scanEnv(./cmd/slawatch) misses %s; found %v", name, slices.Sorted(maps.Keys(reads)))
		}
	}
}

// TestEnvironmentValues: each variable is set to the resource envSpec names
// (an SNS topic's Ref is its ARN, a queue's its URL, a table's its name), and
// none is one the Lambda runtime reserves.
func TestEnvironmentValues(t *testing.T) {
	tp := loadT(t)
	for _, id := range tp.functionIDs() {
		for name, v := range envVars(tp.Functions[id]) {
			if slices.Contains(lambdaProvided, name) {
				t.Errorf("%s: sets %s, which the Lambda runtime sets itself", id, name)
				continue
			}
			if !strings.HasPrefix(name, "SLAWATCH_") {
				continue
			}
			if _, ok := localOnlyEnv[name]; ok {
				if v != "" {
					t.Errorf("%s: %s = %v: it is for sam local invoke only and must be empty in the template", id, name, v)
				}
				continue
			}
			if values, ok := literalEnv[name]; ok {
				if s, ok := v.(string); !ok || !slices.Contains(values, s) {
					t.Errorf("%s: %s = %v, want one of %q", id, name, v, values)
				}
				continue
			}
			spec, ok := envSpec[name]
			if !ok {
				t.Errorf("%s: sets %s, which envSpec does not describe: add what it must refer to", id, name)
				continue
			}
			target, cond, err := envTarget(v)
			switch {
			case err != nil:
				t.Errorf("%s: %s: %v", id, name, err)
			case target != spec.target:
				t.Errorf("%s: %s refers to %s, want %s", id, name, target, spec.target)
			case cond != spec.cond:
				t.Errorf("%s: %s is set under condition %q, want %q (!If [cond, !Ref %s, !Ref AWS::NoValue])", id, name, cond, spec.cond, spec.target)
			case tp.typeOf(target) != spec.typ:
				t.Errorf("%s: %s refers to %s, a %s, want a %s", id, name, target, tp.typeOf(target), spec.typ)
			}
		}
	}
}

// TestPolicies: every policy of every function targets a resource of this
// template (or a parameter naming one) - no "*", no managed policies - and
// the grants are exactly what the function's environment implies: the
// service of each resource it is given, plus the KMS key of an encrypted
// topic or queue it writes or reads.
//
// The "*" that remain, where AWS requires them: a KMS key policy's Resource
// (it means the key itself), and the AWSLambdaBasicExecutionRole managed
// policy SAM attaches to every function's role for its logs (not part of
// Policies, so not checked here).
func TestPolicies(t *testing.T) {
	tp := loadT(t)
	for _, id := range tp.functionIDs() {
		t.Run(id, func(t *testing.T) {
			fn := tp.Functions[id]
			if _, ok := fn["Role"]; ok {
				t.Errorf("%s: Role replaces the policies SAM scopes to this template; use Policies", id)
			}
			var grants []grant
			for i, p := range cfnList(fn["Policies"]) {
				g, err := tp.policyGrants(p, "")
				if err != nil {
					t.Errorf("%s: Policies[%d]: %v", id, i, err)
				}
				grants = append(grants, g...)
			}
			needs := slices.DeleteFunc(tp.needs(fn), func(n grant) bool {
				_, exempt := envWithoutAccess[id][n.why]
				return exempt
			})
			for name, why := range envWithoutAccess[id] {
				v, set := envVars(fn)[name]
				if !set {
					t.Errorf("%s: envWithoutAccess[%q] lists %s, which template.yaml does not set on it: remove the entry", id, id, name)
					continue
				}
				target, _, _ := envTarget(v)
				if slices.ContainsFunc(grants, func(g grant) bool { return g.service == envSpec[name].service && g.target == target }) {
					t.Errorf("%s: a policy grants %s on %s, but envWithoutAccess says it must not (%s)", id, envSpec[name].service, target, why)
				}
			}
			for _, n := range needs {
				if !slices.ContainsFunc(grants, func(g grant) bool { return g.covers(n) }) {
					t.Errorf("%s: needs %s on %s%s (%s) but no policy grants it", id, n.service, n.target, condNote(n.cond), n.why)
				}
			}
			for _, g := range grants {
				if !slices.ContainsFunc(needs, func(n grant) bool { return n.service == g.service && n.target == g.target }) {
					t.Errorf("%s: a policy grants %s on %s, which none of its environment variables or events involves: least privilege", id, g.service, g.target)
				}
			}
		})
	}
	t.Run("key policies", func(t *testing.T) {
		for id, r := range tp.Resources {
			if r["Type"] != "AWS::KMS::Key" {
				continue
			}
			stmts := cfnList(cfnDig(r, "Properties", "KeyPolicy", "Statement"))
			if len(stmts) == 0 {
				t.Errorf("%s: no KeyPolicy statements", id)
			}
			for i, s := range stmts {
				s := cfnMap(s)
				// "*" is the only Resource a key policy takes: it means
				// this key (AWS requires it).
				if s["Resource"] != "*" {
					t.Errorf("%s: KeyPolicy.Statement[%d]: Resource %v, want \"*\" (this key)", id, i, s["Resource"])
				}
				p := s["Principal"]
				if aws := cfnDig(p, "AWS"); aws != nil {
					if !isAccountRoot(aws) {
						t.Errorf("%s: KeyPolicy.Statement[%d]: AWS principal %v, want only this account's root (IAM policies then decide)", id, i, aws)
					}
				} else if svc := cfnDig(p, "Service"); svc != nil {
					if s["Condition"] == nil {
						t.Errorf("%s: KeyPolicy.Statement[%d]: service principal %v without a Condition (aws:SourceAccount)", id, i, svc)
					}
				} else {
					t.Errorf("%s: KeyPolicy.Statement[%d]: principal %v is neither the account nor a service", id, i, p)
				}
			}
			if cfnDig(r, "Properties", "EnableKeyRotation") != true {
				t.Errorf("%s: EnableKeyRotation is not true", id)
			}
		}
	})
}

// TestNoPlainSecrets: a secret is never a plain parameter or a literal
// environment value; the template passes the secret's ARN and the code
// fetches the value.
func TestNoPlainSecrets(t *testing.T) {
	tp := loadT(t)
	secretish := regexp.MustCompile(`(?i)(secret|token|password|apikey|api_key|credential)`)
	for name, p := range tp.Parameters {
		if !secretish.MatchString(name) {
			continue
		}
		pattern, _ := p["AllowedPattern"].(string)
		noEcho := p["NoEcho"] == true || p["NoEcho"] == "true"
		switch {
		case strings.HasPrefix(pattern, "^arn:"):
			re, err := regexp.Compile(pattern)
			if err != nil {
				t.Errorf("Parameters.%s: AllowedPattern %q: %v", name, pattern, err)
				continue
			}
			for _, s := range []string{"hunter2", "0123456789abcdef0123456789abcdef", `{"SLAWATCH_ZENDESK_SECRET":"x"}`} {
				if re.MatchString(s) {
					t.Errorf("Parameters.%s: AllowedPattern %q accepts %q, which is no ARN", name, pattern, s)
				}
			}
			if arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slawatch/secrets-AbCdEf"; !re.MatchString(arn) {
				t.Errorf("Parameters.%s: AllowedPattern %q refuses the ARN %s", name, pattern, arn)
			}
		case noEcho && strings.HasPrefix(fmt.Sprint(p["Default"]), "{{resolve:ssm-secure:"):
		default:
			t.Errorf("Parameters.%s: looks like a secret: constrain it to an ARN (AllowedPattern ^arn:…) or make it NoEcho with an SSM dynamic reference", name)
		}
	}
	looksSecret := regexp.MustCompile(`^[A-Za-z0-9+/=_\-.]{20,}$`)
	hasDigit, hasLetter := regexp.MustCompile(`[0-9]`), regexp.MustCompile(`[A-Za-z]`)
	check := func(where, name string, v any) {
		s, literal := v.(string)
		if !literal {
			cfnWalk(v, where, func(path string, v any) {
				if s, ok := v.(string); ok && strings.Contains(s, "{{resolve:") {
					t.Errorf("%s: %s: a dynamic reference puts the resolved value in the function's configuration in plain text", path, name)
				}
			})
			return
		}
		switch {
		case strings.Contains(s, "{{resolve:"):
			t.Errorf("%s: %s: a dynamic reference puts the resolved value in the function's configuration in plain text", where, name)
		case s != "" && secretish.MatchString(name):
			t.Errorf("%s: %s has a literal value; secrets go in the Secrets Manager secret", where, name)
		case looksSecret.MatchString(s) && hasDigit.MatchString(s) && hasLetter.MatchString(s):
			t.Errorf("%s: %s = %q looks like a credential", where, name, s)
		}
	}
	for name, v := range cfnMap(cfnDig(tp.Globals, "Function", "Environment", "Variables")) {
		check("Globals.Function", name, v)
	}
	for _, id := range tp.functionIDs() {
		for name, v := range envVars(tp.Functions[id]) {
			check(id, name, v)
		}
	}
}

// TestTableMatchesStore compares the table with the one store.CreateTable
// creates for local development and the tests: same keys, attribute types,
// indexes (due, running) and TTL, so that what passes against DynamoDB Local works in AWS.
func TestTableMatchesStore(t *testing.T) {
	tp := loadT(t)
	var c captureClient
	if err := store.CreateTable(context.Background(), &c, "slawatch"); err != nil {
		t.Fatal(err)
	}
	if c.create == nil || c.ttl == nil {
		t.Fatal("store.CreateTable made no CreateTable or no UpdateTimeToLive call")
	}
	id := envSpec["SLAWATCH_TABLE"].target
	props := cfnMap(cfnDig(tp.Resources[id], "Properties"))
	if tp.typeOf(id) != "AWS::DynamoDB::Table" {
		t.Fatalf("no AWS::DynamoDB::Table %s in template.yaml", id)
	}
	in := c.create
	if got, want := props["BillingMode"], string(in.BillingMode); got != want {
		t.Errorf("%s: BillingMode %v, store.CreateTable uses %s", id, got, want)
	}
	wantAttrs := map[string]string{}
	for _, a := range in.AttributeDefinitions {
		wantAttrs[*a.AttributeName] = string(a.AttributeType)
	}
	gotAttrs := map[string]string{}
	for _, a := range cfnList(props["AttributeDefinitions"]) {
		gotAttrs[fmt.Sprint(cfnDig(a, "AttributeName"))] = fmt.Sprint(cfnDig(a, "AttributeType"))
	}
	if !maps.Equal(gotAttrs, wantAttrs) {
		t.Errorf("%s: AttributeDefinitions %v, store.CreateTable defines %v", id, gotAttrs, wantAttrs)
	}
	keys := func(v any) []string {
		var out []string
		for _, k := range cfnList(v) {
			out = append(out, fmt.Sprint(cfnDig(k, "AttributeName"), " ", cfnDig(k, "KeyType")))
		}
		return out
	}
	sdkKeys := func(ks []dynamodbKey) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.name+" "+k.typ)
		}
		return out
	}
	if got, want := keys(props["KeySchema"]), sdkKeys(keySchema(in.KeySchema)); !slices.Equal(got, want) {
		t.Errorf("%s: KeySchema %v, store.CreateTable uses %v", id, got, want)
	}
	type index struct {
		keys       []string
		projection string
		nonKey     []string
	}
	wantIdx := map[string]index{}
	for _, g := range in.GlobalSecondaryIndexes {
		wantIdx[*g.IndexName] = index{sdkKeys(keySchema(g.KeySchema)), string(g.Projection.ProjectionType), g.Projection.NonKeyAttributes}
	}
	gotIdx := map[string]index{}
	for _, g := range cfnList(props["GlobalSecondaryIndexes"]) {
		var nonKey []string
		for _, a := range cfnList(cfnDig(g, "Projection", "NonKeyAttributes")) {
			nonKey = append(nonKey, fmt.Sprint(a))
		}
		gotIdx[fmt.Sprint(cfnDig(g, "IndexName"))] = index{keys(cfnDig(g, "KeySchema")), fmt.Sprint(cfnDig(g, "Projection", "ProjectionType")), nonKey}
	}
	// The queries name these indexes: the checker's due query and the
	// at-risk view's running clocks. Dropping one from both sides would
	// still match.
	for _, name := range []string{"due", "running"} {
		if _, ok := wantIdx[name]; !ok {
			t.Errorf("store.CreateTable creates no index %q, which the store queries", name)
		}
	}
	for name, want := range wantIdx {
		got, ok := gotIdx[name]
		switch {
		case !ok:
			t.Errorf("%s: no global secondary index %q; store.CreateTable creates it", id, name)
		case !slices.Equal(got.keys, want.keys) || got.projection != want.projection || !slices.Equal(got.nonKey, want.nonKey):
			t.Errorf("%s: index %q is %+v, store.CreateTable creates %+v", id, name, got, want)
		}
	}
	for name := range gotIdx {
		if _, ok := wantIdx[name]; !ok {
			t.Errorf("%s: index %q is not one store.CreateTable creates", id, name)
		}
	}
	if n := len(in.LocalSecondaryIndexes); n != len(cfnList(props["LocalSecondaryIndexes"])) {
		t.Errorf("%s: local secondary indexes differ from store.CreateTable's (%d)", id, n)
	}
	ttl := c.ttl.TimeToLiveSpecification
	if got := cfnDig(props, "TimeToLiveSpecification", "AttributeName"); got != aws.ToString(ttl.AttributeName) || cfnDig(props, "TimeToLiveSpecification", "Enabled") != aws.ToBool(ttl.Enabled) {
		t.Errorf("%s: TimeToLiveSpecification %v, store.CreateTable sets TTL on %q (enabled %v)", id, props["TimeToLiveSpecification"], aws.ToString(ttl.AttributeName), aws.ToBool(ttl.Enabled))
	}
	// Not in CreateTable's input, but required of the deployed table: it
	// holds the only copy of every ticket's SLA state.
	if cfnDig(props, "SSESpecification", "SSEEnabled") != true {
		t.Errorf("%s: SSESpecification.SSEEnabled is not true", id)
	}
	if cfnDig(props, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
		t.Errorf("%s: PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled is not true", id)
	}
	if tp.Resources[id]["DeletionPolicy"] != "Retain" {
		t.Errorf("%s: DeletionPolicy is %v, want Retain (deleting the stack must not delete the SLA state)", id, tp.Resources[id]["DeletionPolicy"])
	}
}

// TestTimeouts: HTTP API functions answer within API Gateway's limit and
// their integrations wait for them; each SQS queue's visibility timeout is at
// least six times its consumer's timeout (AWS's advice) and it has a
// dead-letter queue; a scheduled function outlives its period (the checker
// waits inside the run for alerts due in the coming minute).
func TestTimeouts(t *testing.T) {
	tp := loadT(t)
	for _, id := range tp.functionIDs() {
		fn := tp.Functions[id]
		timeout := 3.0 // Lambda's default
		if v, ok := cfnNum(fn["Timeout"]); ok {
			timeout = v
		}
		if timeout > 900 {
			t.Errorf("%s: Timeout %v s is over Lambda's 900 s", id, timeout)
		}
		for ev, e := range cfnMap(fn["Events"]) {
			props := cfnMap(cfnDig(e, "Properties"))
			switch cfnDig(e, "Type") {
			case "HttpApi":
				if timeout*1000 > apiGatewayMaxTimeout {
					t.Errorf("%s: Timeout %v s, but event %s is an HTTP API route: API Gateway gives up after %d s", id, timeout, ev, apiGatewayMaxTimeout/1000)
				}
				wait := float64(samHTTPAPITimeout)
				if v, ok := cfnNum(props["TimeoutInMillis"]); ok {
					wait = v
				}
				if wait > apiGatewayMaxTimeout || wait < timeout*1000 {
					t.Errorf("%s: event %s waits %v ms for a function whose Timeout is %v s: set TimeoutInMillis between %v and %d (SAM's default is %d)",
						id, ev, wait, timeout, timeout*1000, apiGatewayMaxTimeout, samHTTPAPITimeout)
				}
			case "SQS":
				q, attr, ok := getAtt(props["Queue"])
				if !ok || attr != "Arn" || tp.typeOf(q) != "AWS::SQS::Queue" {
					t.Errorf("%s: event %s: Queue %v is not !GetAtt <queue of this template>.Arn", id, ev, props["Queue"])
					continue
				}
				qp := cfnMap(cfnDig(tp.Resources[q], "Properties"))
				vis := 30.0 // SQS's default
				if v, ok := cfnNum(qp["VisibilityTimeout"]); ok {
					vis = v
				}
				if vis < 6*timeout {
					t.Errorf("%s: %s's VisibilityTimeout %v s is under 6 × the function's Timeout %v s", id, q, vis, timeout)
				}
				if !slices.Contains(cfnList(props["FunctionResponseTypes"]), any("ReportBatchItemFailures")) {
					t.Errorf("%s: event %s lacks FunctionResponseTypes [ReportBatchItemFailures]: the batch item failures the function reports would be ignored", id, ev)
				}
				dlq, attr, ok := getAtt(cfnDig(qp, "RedrivePolicy", "deadLetterTargetArn"))
				if !ok || attr != "Arn" || tp.typeOf(dlq) != "AWS::SQS::Queue" {
					t.Errorf("%s: %s has no RedrivePolicy.deadLetterTargetArn of a queue of this template", id, q)
					continue
				}
				if n, ok := cfnNum(cfnDig(qp, "RedrivePolicy", "maxReceiveCount")); !ok || n != 5 {
					t.Errorf("%s: %s's RedrivePolicy.maxReceiveCount is %v, want 5", id, q, cfnDig(qp, "RedrivePolicy", "maxReceiveCount"))
				}
				retention := func(p map[string]any) float64 {
					if v, ok := cfnNum(p["MessageRetentionPeriod"]); ok {
						return v
					}
					return 345600 // SQS's default, 4 days
				}
				if r, rd := retention(qp), retention(cfnMap(cfnDig(tp.Resources[dlq], "Properties"))); rd < r {
					t.Errorf("%s: dead-letter queue %s keeps messages %v s, less than %s (%v s): they would expire on arrival", id, dlq, rd, q, r)
				}
			case "Schedule":
				period, err := ratePeriod(fmt.Sprint(props["Schedule"]))
				if err != nil {
					t.Errorf("%s: event %s: %v", id, ev, err)
				} else if timeout <= period {
					t.Errorf("%s: Timeout %v s does not outlive its schedule's period (%v s): each run waits out the period for the alerts due in it", id, timeout, period)
				}
			}
		}
	}
}

// TestAlarms: every alarm notifies AlertTopic, whose key lets CloudWatch
// publish; every function has its Errors and Throttles alarms, every
// dead-letter queue an alarm on its messages, and every scheduled function
// an alarm for runs that do not happen; the checker-lag alarm watches the
// metric the code emits.
func TestAlarms(t *testing.T) {
	tp := loadT(t)
	const topic = "AlertTopic"
	type alarm struct {
		id    string
		props map[string]any
	}
	var alarms []alarm
	for _, id := range slices.Sorted(maps.Keys(tp.Resources)) {
		if tp.Resources[id]["Type"] == "AWS::CloudWatch::Alarm" {
			alarms = append(alarms, alarm{id, cfnMap(tp.Resources[id]["Properties"])})
		}
	}
	for _, a := range alarms {
		if len(cfnList(a.props["AlarmActions"])) == 0 {
			t.Errorf("%s: no AlarmActions", a.id)
		}
		for _, key := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
			for _, act := range cfnList(a.props[key]) {
				if r, ok := refTo(act); !ok || r != topic {
					t.Errorf("%s: %s has %v, want !Ref %s", a.id, key, act, topic)
				}
			}
		}
	}
	t.Run("CloudWatch can use the topic's key", func(t *testing.T) {
		key := cfnDig(tp.Resources[topic], "Properties", "KmsMasterKeyId")
		if key == nil {
			t.Skipf("%s is not encrypted", topic)
		}
		k := ""
		if id, _, ok := getAtt(key); ok {
			k = id
		} else if id, ok := refTo(key); ok {
			k = id
		}
		if tp.typeOf(k) != "AWS::KMS::Key" {
			t.Fatalf("%s: KmsMasterKeyId %v is not a key of this template: CloudWatch alarms cannot publish to a topic under the AWS managed key", topic, key)
		}
		allowed := false
		for _, s := range cfnList(cfnDig(tp.Resources[k], "Properties", "KeyPolicy", "Statement")) {
			acts := cfnList(cfnDig(s, "Action"))
			if cfnDig(s, "Effect") == "Allow" && slices.Contains(cfnList(cfnDig(s, "Principal", "Service")), any("cloudwatch.amazonaws.com")) &&
				slices.Contains(acts, any("kms:Decrypt")) && slices.Contains(acts, any("kms:GenerateDataKey*")) {
				allowed = true
			}
		}
		if !allowed {
			t.Errorf("%s's key %s does not allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*: alarm notifications would fail", topic, k)
		}
	})
	has := func(ns, metric string, dims map[string]string, more func(map[string]any) bool) bool {
		return slices.ContainsFunc(alarms, func(a alarm) bool {
			got := map[string]string{}
			for _, d := range cfnList(a.props["Dimensions"]) {
				v := cfnDig(d, "Value")
				if r, ok := refTo(v); ok {
					v = "Ref:" + r
				} else if id, attr, ok := getAtt(v); ok {
					v = "GetAtt:" + id + "." + attr
				}
				got[fmt.Sprint(cfnDig(d, "Name"))] = fmt.Sprint(v)
			}
			return a.props["Namespace"] == ns && a.props["MetricName"] == metric && maps.Equal(got, dims) && (more == nil || more(a.props))
		})
	}
	for _, id := range tp.functionIDs() {
		for _, metric := range []string{"Errors", "Throttles"} {
			if !has("AWS/Lambda", metric, map[string]string{"FunctionName": "Ref:" + id}, nil) {
				t.Errorf("no alarm on AWS/Lambda %s of %s", metric, id)
			}
		}
		for ev, e := range cfnMap(tp.Functions[id]["Events"]) {
			if cfnDig(e, "Type") != "Schedule" {
				continue
			}
			missed := func(p map[string]any) bool {
				return p["ComparisonOperator"] == "LessThanThreshold" && p["TreatMissingData"] == "breaching"
			}
			if !has("AWS/Lambda", "Invocations", map[string]string{"FunctionName": "Ref:" + id}, missed) {
				t.Errorf("%s runs on a schedule (%s) but no alarm fires when it is not invoked (Invocations LessThanThreshold, TreatMissingData breaching)", id, ev)
			}
		}
	}
	for id, r := range tp.Resources {
		if r["Type"] != "AWS::SQS::Queue" {
			continue
		}
		if dlq, _, ok := getAtt(cfnDig(r, "Properties", "RedrivePolicy", "deadLetterTargetArn")); ok {
			if !has("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "GetAtt:" + dlq + ".QueueName"}, nil) {
				t.Errorf("no alarm on the messages in %s, the dead-letter queue of %s", dlq, id)
			}
		}
	}
	for _, id := range tp.functionIDs() {
		if q, ok := failureQueue(tp.Functions[id]); ok {
			if !has("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "GetAtt:" + q + ".QueueName"}, nil) {
				t.Errorf("no alarm on the messages in %s, where Lambda leaves the events %s failed", q, id)
			}
		}
	}
	t.Run("checker lag", func(t *testing.T) {
		ns, err := stringConst(filepath.Join(tp.Root, "shared", "lambdaenv"), "Namespace")
		if err != nil {
			t.Fatal(err)
		}
		metric, err := stringConst(filepath.Join(tp.Root, "shared", "metrics"), "CheckerLagSeconds")
		if err != nil {
			t.Fatal(err)
		}
		function, err := loadName(filepath.Join(tp.Root, "functions", functionDir(t, tp, "Checker")))
		if err != nil {
			t.Fatal(err)
		}
		// lambdaenv.Load gives every metric the dimension Function = the
		// name the function passes it.
		lag := func(p map[string]any) bool {
			return p["Statistic"] == "Maximum" && strings.HasPrefix(fmt.Sprint(p["ComparisonOperator"]), "GreaterThan")
		}
		if !has(ns, metric, map[string]string{"Function": function}, lag) {
			t.Errorf("no alarm on the Maximum of %s/%s with dimension Function=%s, the metric the checker emits", ns, metric, function)
		}
	})
}

// TestOutputs: the outputs deploy.md relies on exist and refer to resources
// of the template; the webhook URL is that of the Webhook function's API.
func TestOutputs(t *testing.T) {
	tp := loadT(t)
	for _, name := range []string{"WebhookBaseUrl", "AlertTopicArn", "AckTopicArn", "TableName", "ObserveQueueUrl"} {
		if _, ok := tp.Outputs[name]; !ok {
			t.Errorf("no output %s", name)
		}
	}
	for name, o := range tp.Outputs {
		rs := refsIn(o["Value"])
		if !slices.ContainsFunc(rs, func(r string) bool { return tp.Resources[r] != nil || tp.Parameters[r] != nil }) {
			t.Errorf("Outputs.%s: Value %v refers to no resource of the template", name, o["Value"])
		}
		for _, r := range rs {
			if !tp.defined(r) {
				t.Errorf("Outputs.%s: Value refers to %q, which template.yaml does not define", name, r)
			}
		}
	}
	api := ""
	for _, e := range cfnMap(tp.Functions["Webhook"]["Events"]) {
		if cfnDig(e, "Type") == "HttpApi" {
			api = "ServerlessHttpApi" // SAM's implicit API
			if r, ok := refTo(cfnDig(e, "Properties", "ApiId")); ok {
				api = r
			}
		}
	}
	if url := tp.Outputs["WebhookBaseUrl"]; url != nil && !slices.Contains(refsIn(url["Value"]), api) {
		t.Errorf("Outputs.WebhookBaseUrl is %v, not the URL of %s, the Webhook function's API", url["Value"], api)
	}
}

// TestAPIAuth: a route that asks for IAM authorization is on an API that
// enables it (SAM refuses the template otherwise).
func TestAPIAuth(t *testing.T) {
	tp := loadT(t)
	for _, id := range tp.functionIDs() {
		for ev, e := range cfnMap(tp.Functions[id]["Events"]) {
			if cfnDig(e, "Type") != "HttpApi" || cfnDig(e, "Properties", "Auth", "Authorizer") != "AWS_IAM" {
				continue
			}
			api, ok := refTo(cfnDig(e, "Properties", "ApiId"))
			if !ok || tp.typeOf(api) != "AWS::Serverless::HttpApi" {
				t.Errorf("%s: event %s uses the AWS_IAM authorizer on SAM's implicit API, which cannot enable it: give it an ApiId", id, ev)
			} else if cfnDig(tp.Resources[api], "Properties", "Auth", "EnableIamAuthorizer") != true {
				t.Errorf("%s: event %s uses the AWS_IAM authorizer, but %s lacks Auth.EnableIamAuthorizer: true", id, ev, api)
			}
		}
	}
}

// The parameters that turn the dashboard on, and the routes it is served
// on: the page, the two routes its script reads and the ticket view its
// drill-down falls back to (shared/httpapi).
const (
	dashboardIssuerParam   = "DashboardIssuer"
	dashboardAudienceParam = "DashboardAudience"
)

// (sorted, as the test compares them)
var dashboardRoutes = []string{"GET /", "GET /api/at-risk", "GET /api/report", "GET /api/silences", dashboardTicketRoute, "POST /api/silences", "POST /api/silences/{id}/expire"}

// dashboardFunction is the function a dashboard route reaches: silences
// are writes, served by Webhook (Tickets only reads the table).
func dashboardFunction(route string) string {
	if _, path, _ := strings.Cut(route, " "); strings.HasPrefix(path, "/api/silences") {
		return "Webhook"
	}
	return "Tickets"
}

const dashboardTicketRoute = "GET /tickets/{source}/{id+}"

// TestTemplateDashboardAuth: the dashboard (GET /) and its /api/* routes exist only
// when both OIDC parameters are set (both default to empty), and then each
// goes through a JWT authorizer configured from them, to the Tickets
// function. With either empty no route for / or /api/* and no authorizer
// is deployed: the template's conditions are evaluated for each case as
// CloudFormation would, and every route of the template is looked at,
// SAM events included (they cannot carry a condition, so one on these
// paths would be deployed whatever the parameters).
func TestTemplateDashboardAuth(t *testing.T) {
	tp := loadT(t)
	for _, name := range []string{dashboardIssuerParam, dashboardAudienceParam} {
		p := tp.Parameters[name]
		if p == nil {
			t.Fatalf("no parameter %s", name)
		}
		if p["Default"] != "" {
			t.Errorf("Parameters.%s: Default %v, want \"\": no dashboard unless asked for", name, p["Default"])
		}
	}
	for _, tc := range []struct {
		name, issuer, audience string
		on                     bool
	}{
		{"defaults", "", "", false},
		{"issuer only", "https://accounts.google.com", "", false},
		{"audience only", "", "1234-abc.apps.googleusercontent.com", false},
		{"both", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", "1example23456789,2example34567890", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deployed, err := tp.deployed(map[string]string{dashboardIssuerParam: tc.issuer, dashboardAudienceParam: tc.audience})
			if err != nil {
				t.Fatal(err)
			}
			var routes, authorizers []string
			for _, id := range slices.Sorted(maps.Keys(deployed)) {
				r := deployed[id]
				props := cfnMap(r["Properties"])
				switch r["Type"] {
				case "AWS::ApiGatewayV2::Authorizer":
					if props["AuthorizerType"] == "JWT" {
						authorizers = append(authorizers, id)
					}
				case "AWS::ApiGatewayV2::Route":
					key := fmt.Sprint(props["RouteKey"])
					// The ticket view is also on the IAM-signed API (a SAM
					// event); on the dashboard's API it must be behind the
					// JWT authorizer like the rest.
					if !isDashboardRoute(key) && !(key == dashboardTicketRoute && fmt.Sprint(props["ApiId"]) == fmt.Sprint(map[string]any{"Ref": "DashboardApi"})) {
						continue
					}
					routes = append(routes, key)
					fn := dashboardFunction(key)
					timeout, _ := cfnNum(tp.Functions[fn]["Timeout"])
					tp.checkDashboardRoute(t, deployed, id, fn, timeout)
				case "AWS::ApiGatewayV2::Api":
					if props["Target"] != nil {
						t.Errorf("%s: Target (quick create) makes a $default route without authorization", id)
					}
				}
			}
			for _, id := range tp.functionIDs() {
				for ev, e := range cfnMap(tp.Functions[id]["Events"]) {
					typ := cfnDig(e, "Type")
					if typ != "HttpApi" && typ != "Api" {
						continue
					}
					key := "$default" // an HttpApi event without Path and Method
					if p := cfnDig(e, "Properties", "Path"); p != nil {
						key = strings.ToUpper(fmt.Sprint(cfnDig(e, "Properties", "Method"))) + " " + fmt.Sprint(p)
					}
					if isDashboardRoute(key) {
						t.Errorf("%s: event %s routes %s, which must exist only under the dashboard's condition and behind its JWT authorizer; SAM events take no Condition", id, ev, key)
					}
				}
			}
			slices.Sort(routes)
			if tc.on {
				if !slices.Equal(routes, dashboardRoutes) {
					t.Errorf("routes deployed for the dashboard: %q, want %q", routes, dashboardRoutes)
				}
				if len(authorizers) == 0 {
					t.Error("no JWT authorizer deployed")
				}
			} else {
				if len(routes) > 0 {
					t.Errorf("with %s=%q and %s=%q, routes %q are deployed: the dashboard must not exist without both", dashboardIssuerParam, tc.issuer, dashboardAudienceParam, tc.audience, routes)
				}
				if len(authorizers) > 0 {
					t.Errorf("with %s=%q and %s=%q, JWT authorizers %q are deployed", dashboardIssuerParam, tc.issuer, dashboardAudienceParam, tc.audience, authorizers)
				}
			}
		})
	}
}

// isDashboardRoute reports whether requests for / or /api/* can reach a
// route: the route is one of them, a greedy or catch-all one at the root
// (/{proxy+}, $default), or of any method.
func isDashboardRoute(key string) bool {
	if key == "$default" {
		return true
	}
	_, path, ok := strings.Cut(key, " ")
	return ok && (path == "/" || path == "/api" || strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/{"))
}

// checkDashboardRoute: the route takes a JWT from the Authorization header,
// checked against the dashboard's issuer and audiences, and reaches the
// Tickets function through a deployed integration and permission.
func (tp *samTemplate) checkDashboardRoute(t *testing.T, deployed map[string]map[string]any, id, function string, fnTimeout float64) {
	t.Helper()
	props := cfnMap(deployed[id]["Properties"])
	if props["AuthorizationType"] != "JWT" {
		t.Errorf("%s: %v has AuthorizationType %v, want JWT", id, props["RouteKey"], props["AuthorizationType"])
	}
	api, ok := refTo(props["ApiId"])
	if !ok {
		t.Errorf("%s: ApiId %v is no !Ref", id, props["ApiId"])
	}
	auth, ok := refTo(props["AuthorizerId"])
	a := cfnMap(deployed[auth]["Properties"])
	switch {
	case !ok || deployed[auth]["Type"] != "AWS::ApiGatewayV2::Authorizer":
		t.Errorf("%s: AuthorizerId %v is no deployed AWS::ApiGatewayV2::Authorizer", id, props["AuthorizerId"])
	case a["AuthorizerType"] != "JWT":
		t.Errorf("%s: authorizer %s is of type %v, want JWT", id, auth, a["AuthorizerType"])
	default:
		if r, _ := refTo(a["ApiId"]); r != api {
			t.Errorf("%s: authorizer %s belongs to %v, the route to %s", id, auth, a["ApiId"], api)
		}
		if src := cfnList(a["IdentitySource"]); len(src) != 1 || src[0] != "$request.header.Authorization" {
			t.Errorf("%s: authorizer %s takes the token from %v, want [$request.header.Authorization] (docs/deploy.md says so)", id, auth, src)
		}
		if r, ok := refTo(cfnDig(a, "JwtConfiguration", "Issuer")); !ok || r != dashboardIssuerParam {
			t.Errorf("%s: authorizer %s: JwtConfiguration.Issuer is %v, want !Ref %s", id, auth, cfnDig(a, "JwtConfiguration", "Issuer"), dashboardIssuerParam)
		}
		split := cfnList(cfnMap(cfnDig(a, "JwtConfiguration", "Audience"))["Fn::Split"])
		if len(split) != 2 || split[0] != "," || !slices.Equal(refsIn(split[1]), []string{dashboardAudienceParam}) || !isRef(split[1]) {
			t.Errorf("%s: authorizer %s: JwtConfiguration.Audience is %v, want !Split [\",\", !Ref %s]", id, auth, cfnDig(a, "JwtConfiguration", "Audience"), dashboardAudienceParam)
		}
	}
	target, _ := cfnMap(props["Target"])["Fn::Sub"].(string)
	integ, ok := strings.CutPrefix(target, "integrations/${")
	integ, ok2 := strings.CutSuffix(integ, "}")
	in := cfnMap(deployed[integ]["Properties"])
	if !ok || !ok2 || deployed[integ]["Type"] != "AWS::ApiGatewayV2::Integration" {
		t.Errorf("%s: Target %v is not !Sub integrations/${<deployed integration>}", id, props["Target"])
		return
	}
	if fn, attr, ok := getAtt(in["IntegrationUri"]); !ok || fn != function || attr != "Arn" || in["IntegrationType"] != "AWS_PROXY" {
		t.Errorf("%s: integration %s is %v %v, want AWS_PROXY to !GetAtt %s.Arn", id, integ, in["IntegrationType"], in["IntegrationUri"], function)
	}
	if in["PayloadFormatVersion"] != "2.0" {
		t.Errorf("%s: integration %s: PayloadFormatVersion %v, want \"2.0\" (%s takes events.APIGatewayV2HTTPRequest)", id, integ, in["PayloadFormatVersion"], function)
	}
	if wait, ok := cfnNum(in["TimeoutInMillis"]); !ok || wait < fnTimeout*1000 || wait > apiGatewayMaxTimeout {
		t.Errorf("%s: integration %s waits %v ms for %s, whose Timeout is %v s: want between %v and %d", id, integ, in["TimeoutInMillis"], function, fnTimeout, fnTimeout*1000, apiGatewayMaxTimeout)
	}
	permitted := false
	for _, r := range deployed {
		p := cfnMap(r["Properties"])
		fn, _ := refTo(p["FunctionName"])
		if r["Type"] == "AWS::Lambda::Permission" && fn == function && p["Principal"] == "apigateway.amazonaws.com" &&
			p["Action"] == "lambda:InvokeFunction" && slices.Contains(refsIn(p["SourceArn"]), api) {
			permitted = true
		}
	}
	if !permitted {
		t.Errorf("%s: no deployed AWS::Lambda::Permission lets %s (apigateway.amazonaws.com) invoke %s", id, api, function)
	}
}

// TestTemplateDashboardParameters: the parameters refuse what API Gateway
// would refuse at deploy time, or accept and never match (an audience with
// a space).
func TestTemplateDashboardParameters(t *testing.T) {
	tp := loadT(t)
	for _, tc := range []struct {
		param, value string
		ok           bool
	}{
		{dashboardIssuerParam, "", true},
		{dashboardIssuerParam, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", true},
		{dashboardIssuerParam, "https://acme.okta.com/oauth2/default", true},
		{dashboardIssuerParam, "https://accounts.google.com", true},
		{dashboardIssuerParam, "http://acme.okta.com/oauth2/default", false}, // API Gateway wants https
		{dashboardIssuerParam, "https://acme.okta.com/oauth2/default?x=1", false},
		{dashboardIssuerParam, "https://acme.okta.com/#x", false},
		{dashboardIssuerParam, " https://accounts.google.com", false},
		{dashboardIssuerParam, "accounts.google.com", false},
		{dashboardAudienceParam, "", true},
		{dashboardAudienceParam, "1example23456789", true},
		{dashboardAudienceParam, "1example23456789,api://slawatch", true},
		{dashboardAudienceParam, "a, b", false}, // " b" would be an audience no token has
		{dashboardAudienceParam, "a,,b", false},
		{dashboardAudienceParam, ",a", false},
		{dashboardAudienceParam, "a,", false},
	} {
		pattern, _ := tp.Parameters[tc.param]["AllowedPattern"].(string)
		re, err := regexp.Compile(pattern)
		if err != nil || pattern == "" {
			t.Fatalf("Parameters.%s: AllowedPattern %q: %v", tc.param, pattern, err)
		}
		if got := re.MatchString(tc.value); got != tc.ok {
			t.Errorf("Parameters.%s: AllowedPattern %q accepts %q: %v, want %v", tc.param, pattern, tc.value, got, tc.ok)
		}
	}
}

// TestTemplateMetricsDashboard: the CloudWatch dashboard is always deployed, its
// body is JSON once CloudFormation has substituted it, and every metric it
// charts is one a function writes: the namespace and dimensions are those
// of the EMF document lambdaenv's recorder writes for the function the
// Function dimension names (written here, not copied), and the name is a
// constant of shared/metrics that function's code uses. A metric renamed,
// moved to another function or given other dimensions in the code fails
// it. It also charts what the issue asked for.
func TestTemplateMetricsDashboard(t *testing.T) {
	tp := loadT(t)
	var dashboards []string
	for _, id := range slices.Sorted(maps.Keys(tp.Resources)) {
		if tp.Resources[id]["Type"] == "AWS::CloudWatch::Dashboard" {
			dashboards = append(dashboards, id)
		}
	}
	if len(dashboards) == 0 {
		t.Fatal("no AWS::CloudWatch::Dashboard in template.yaml")
	}
	// What each function's code can write, by the name it gives
	// lambdaenv.Load (the Function dimension).
	writes := map[string]map[string]string{}
	for _, id := range tp.functionIDs() {
		dir := functionDir(t, tp, id)
		name, err := loadName(filepath.Join(tp.Root, "functions", dir))
		if err != nil {
			t.Fatal(err)
		}
		u, err := scanCode(tp.Root, "./functions/"+dir)
		if err != nil {
			t.Fatal(err)
		}
		writes[name] = u.metrics
	}
	type charted struct {
		where, namespace, name, stat string
		dims                         map[string]string
	}
	var all []charted
	for _, id := range dashboards {
		if c := tp.Resources[id]["Condition"]; c != nil {
			t.Errorf("%s: under condition %v; the metrics dashboard is always deployed", id, c)
		}
		body, err := subPseudo(cfnDig(tp.Resources[id], "Properties", "DashboardBody"))
		if err != nil {
			t.Errorf("%s: DashboardBody: %v", id, err)
			continue
		}
		var d struct {
			Widgets []struct {
				Type       string          `json:"type"`
				Properties json.RawMessage `json:"properties"`
			} `json:"widgets"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Errorf("%s: DashboardBody is not JSON: %v", id, err)
			continue
		}
		for i, w := range d.Widgets {
			if w.Type != "metric" {
				continue
			}
			var p struct {
				Title   string  `json:"title"`
				Region  string  `json:"region"`
				Metrics [][]any `json:"metrics"`
			}
			if err := json.Unmarshal(w.Properties, &p); err != nil {
				t.Errorf("%s: widget %d: %v", id, i, err)
				continue
			}
			if p.Region != pseudoValues["AWS::Region"] {
				t.Errorf("%s: widget %d (%s): region %q, want ${AWS::Region}", id, i, p.Title, p.Region)
			}
			if len(p.Metrics) == 0 {
				t.Errorf("%s: widget %d (%s): no metrics", id, i, p.Title)
			}
			for j, m := range p.Metrics {
				where := fmt.Sprintf("%s: widget %d (%s) metric %d", id, i, p.Title, j)
				strs, opts, err := metricEntry(m)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				c := charted{where: where, namespace: strs[0], name: strs[1], stat: "Average", dims: map[string]string{}}
				for k := 2; k < len(strs); k += 2 {
					c.dims[strs[k]] = strs[k+1]
				}
				if s, ok := opts["stat"].(string); ok {
					c.stat = s
				}
				all = append(all, c)
			}
		}
	}
	// One EMF document per function named, with every metric charted for it.
	docs := map[string]emfDoc{}
	for _, c := range all {
		if _, ok := docs[c.dims["Function"]]; ok || c.dims["Function"] == "" {
			continue
		}
		var names []string
		for _, o := range all {
			if o.dims["Function"] == c.dims["Function"] {
				names = append(names, o.name)
			}
		}
		docs[c.dims["Function"]] = writeEMF(t, c.dims["Function"], names)
	}
	for _, c := range all {
		fn := c.dims["Function"]
		code, ok := writes[fn]
		if !ok {
			t.Errorf("%s: %s/%s with %v: no function of the template writes metrics with Function=%q", c.where, c.namespace, c.name, c.dims, fn)
			continue
		}
		if _, ok := code[c.name]; !ok {
			t.Errorf("%s: %s: the %s function's code uses no constant of shared/metrics of that value; it writes %v", c.where, c.name, fn, slices.Sorted(maps.Keys(code)))
		}
		doc := docs[fn]
		if c.namespace != doc.namespace {
			t.Errorf("%s: %s in namespace %q; the functions write to %q", c.where, c.name, c.namespace, doc.namespace)
		}
		if !slices.ContainsFunc(doc.dimensionSets, func(set []string) bool {
			return slices.Equal(set, slices.Sorted(maps.Keys(c.dims)))
		}) {
			t.Errorf("%s: %s with dimensions %v; the EMF document defines the sets %v: CloudWatch keeps a metric per set, so another set charts nothing", c.where, c.name, slices.Sorted(maps.Keys(c.dims)), doc.dimensionSets)
		}
		for k, v := range c.dims {
			if doc.values[k] != v {
				t.Errorf("%s: %s with %s=%q; the %s function writes %s=%q", c.where, c.name, k, v, fn, k, doc.values[k])
			}
		}
	}
	// What the issue asks the dashboard to show.
	for _, want := range []struct{ name, stat string }{
		{metrics.Breaches, "Sum"}, {metrics.AlertsSent, "Sum"}, {metrics.AlertsFailed, "Sum"},
		{metrics.CheckerLagSeconds, "Maximum"}, {metrics.FirstResponseSeconds, "p50"}, {metrics.FirstResponseSeconds, "p90"},
		{metrics.AcksSent, "Sum"}, {metrics.PromiseKept, "Average"}, // the Average of 1s and 0s is the kept-rate
		{metrics.OnCallSent, "Sum"}, {metrics.OnCallFailed, "Sum"},
	} {
		if !slices.ContainsFunc(all, func(c charted) bool { return c.name == want.name && c.stat == want.stat }) {
			t.Errorf("the dashboard does not chart the %s of %s", want.stat, want.name)
		}
	}
}

// ---------------------------------------------------------------------------
// On-call integrations.

// onCallSwitches are the parameters that deploy each tool's on-call
// function, by tool (policy.Tools).
var onCallSwitches = map[string]string{
	"pagerduty": "EnablePagerDuty",
	"opsgenie":  "EnableOpsgenie",
	"slack":     "EnableSlack",
	"teams":     "EnableTeams",
}

// onCallStateful are the tools whose function keeps state in the table:
// Slack each incident's message, PagerDuty and Opsgenie each clock's
// recovered alert (route.Router.Docs).
var onCallStateful = []string{"slack", "pagerduty", "opsgenie"}

const (
	// onCallHTTPTimeout is functions/oncall's http.Client timeout, and
	// onCallMargin route.Delivery's default margin before the deadline.
	onCallHTTPTimeout = 10
	onCallMargin      = 2
	// lambdaMaxEventAge and lambdaMaxRetries bound EventInvokeConfig
	// (AWS::Lambda::EventInvokeConfig: MaximumEventAgeInSeconds 60-21600,
	// MaximumRetryAttempts 0-2).
	lambdaMaxEventAge = 21600
	lambdaMaxRetries  = 2
)

// onCallFunctions returns the deployed on-call functions by the tool
// their SLAWATCH_ONCALL_TOOL names.
func (tp *samTemplate) onCallFunctions(t *testing.T, deployed map[string]map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, id := range slices.Sorted(maps.Keys(deployed)) {
		if deployed[id]["Type"] != "AWS::Serverless::Function" {
			continue
		}
		if tool, ok := envVars(tp.Functions[id])["SLAWATCH_ONCALL_TOOL"]; ok {
			out[fmt.Sprint(tool)] = append(out[fmt.Sprint(tool)], id)
		}
	}
	return out
}

// TestTemplateOnCall: each on-call tool has a switch, off by default; with
// it on, exactly one function is deployed for that tool, built from
// functions/oncall, subscribed to AlertTopic with a filter on the kind
// attribute the notifier sets, retried by Lambda into a dead-letter queue
// with an alarm, alarmed on its errors, throttles and refusals
// (OnCallFailed, as the EMF recorder writes it), and granted the secret,
// the configuration and (Slack only) the table: nothing else. With every
// switch off, nothing of it is deployed.
func TestTemplateOnCall(t *testing.T) {
	tp := loadT(t)
	for _, tool := range policy.Tools {
		name, ok := onCallSwitches[tool]
		if !ok {
			t.Fatalf("policy.Tools has %q, which onCallSwitches (and template.yaml) lacks", tool)
		}
		p := tp.Parameters[name]
		if p == nil {
			t.Fatalf("no parameter %s to enable %s", name, tool)
		}
		if got := fmt.Sprint(p["Default"]); got != "false" {
			t.Errorf("Parameters.%s: Default %q, want \"false\": no integration unless asked for", name, got)
		}
		var allowed []string
		for _, v := range cfnList(p["AllowedValues"]) {
			allowed = append(allowed, fmt.Sprint(v))
		}
		if slices.Sort(allowed); !slices.Equal(allowed, []string{"false", "true"}) {
			t.Errorf("Parameters.%s: AllowedValues %q, want [true false]", name, allowed)
		}
	}

	off := map[string]string{}
	for _, name := range onCallSwitches {
		off[name] = "false"
	}
	t.Run("all off", func(t *testing.T) {
		deployed, err := tp.deployed(off)
		if err != nil {
			t.Fatal(err)
		}
		if fns := tp.onCallFunctions(t, deployed); len(fns) > 0 {
			t.Errorf("with every integration off, on-call functions %v are deployed", fns)
		}
		for id, r := range deployed {
			if strings.HasPrefix(id, "OnCall") {
				t.Errorf("with every integration off, %s (%v) is deployed", id, r["Type"])
			}
			for ev, e := range cfnMap(tp.Functions[id]["Events"]) {
				if cfnDig(e, "Type") == "SNS" {
					t.Errorf("with every integration off, %s subscribes to a topic (%s)", id, ev)
				}
			}
		}
	})

	ns, err := stringConst(filepath.Join(tp.Root, "shared", "lambdaenv"), "Namespace")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range policy.Tools {
		t.Run(tool, func(t *testing.T) {
			params := maps.Clone(off)
			params[onCallSwitches[tool]] = "true"
			deployed, err := tp.deployed(params)
			if err != nil {
				t.Fatal(err)
			}
			fns := tp.onCallFunctions(t, deployed)
			if len(fns) != 1 || len(fns[tool]) != 1 {
				t.Fatalf("with %s=true, the on-call functions deployed are %v, want one for %s", onCallSwitches[tool], fns, tool)
			}
			id := fns[tool][0]
			tp.checkOnCallFunction(t, deployed, id, tool, ns)
		})
	}

	t.Run("all on", func(t *testing.T) {
		on := map[string]string{}
		for _, name := range onCallSwitches {
			on[name] = "true"
		}
		deployed, err := tp.deployed(on)
		if err != nil {
			t.Fatal(err)
		}
		fns := tp.onCallFunctions(t, deployed)
		queues := map[string]bool{}
		for _, tool := range policy.Tools {
			if len(fns[tool]) != 1 {
				t.Errorf("with every integration on, %s has functions %v, want one", tool, fns[tool])
				continue
			}
			q, _ := failureQueue(tp.Functions[fns[tool][0]])
			queues[q] = true
		}
		if len(fns) != len(policy.Tools) {
			t.Errorf("on-call functions %v, want one per tool of %v", fns, policy.Tools)
		}
		if len(queues) != 1 {
			t.Errorf("the on-call functions fail into the queues %v, want one shared dead-letter queue (one alarm, one place to look)", slices.Sorted(maps.Keys(queues)))
		}
	})
}

// checkOnCallFunction checks the deployed on-call function id of tool.
func (tp *samTemplate) checkOnCallFunction(t *testing.T, deployed map[string]map[string]any, id, tool, ns string) {
	t.Helper()
	fn := tp.Functions[id]
	if dir := functionDir(t, tp, id); dir != "oncall" {
		t.Errorf("%s: make build-%s builds ./functions/%s, want ./functions/oncall", id, id, dir)
	}

	// Long enough for two whole attempts of a request that times out
	// (the second a retry inside the invocation) plus the margin the
	// delivery keeps; short, because a longer outage is for Lambda's
	// retries, and each minute of a stuck invocation delays the next alert.
	timeout, _ := cfnNum(fn["Timeout"])
	if timeout < 2*onCallHTTPTimeout+onCallMargin || timeout > 60 {
		t.Errorf("%s: Timeout %v s, want between %d and 60", id, timeout, 2*onCallHTTPTimeout+onCallMargin)
	}

	// The subscription: SNS → Lambda on AlertTopic, filtered on the kind
	// attribute the notifier sets, to every kind an integration may take.
	evs := cfnMap(fn["Events"])
	if len(evs) != 1 {
		t.Errorf("%s: events %v, want one SNS subscription", id, slices.Sorted(maps.Keys(evs)))
	}
	for ev, e := range evs {
		props := cfnMap(cfnDig(e, "Properties"))
		if cfnDig(e, "Type") != "SNS" {
			t.Errorf("%s: event %s is %v, want SNS", id, ev, cfnDig(e, "Type"))
			continue
		}
		if r, ok := refTo(props["Topic"]); !ok || r != "AlertTopic" {
			t.Errorf("%s: event %s: Topic %v, want !Ref AlertTopic", id, ev, props["Topic"])
		}
		if props["FilterPolicyScope"] != "MessageAttributes" {
			t.Errorf("%s: event %s: FilterPolicyScope %v, want MessageAttributes (the notifier's attributes)", id, ev, props["FilterPolicyScope"])
		}
		filter := cfnMap(props["FilterPolicy"])
		if keys := slices.Sorted(maps.Keys(filter)); !slices.Equal(keys, []string{"kind"}) {
			t.Errorf("%s: event %s: FilterPolicy on %v, want on kind only (which kinds a tool takes is the configuration's)", id, ev, keys)
		}
		var kinds []string
		for _, k := range cfnList(filter["kind"]) {
			kinds = append(kinds, fmt.Sprint(k))
		}
		slices.Sort(kinds)
		if want := slices.Sorted(slices.Values(policy.AlertKinds)); !slices.Equal(kinds, want) {
			t.Errorf("%s: event %s: FilterPolicy kind %q, want policy.AlertKinds %q", id, ev, kinds, want)
		}
		// What the checker publishes carries that attribute, as a String
		// (a Number attribute would not match a string filter), with the
		// kind itself, for each kind the notifier has.
		if got := notify.AttributeType("kind"); got != "String" {
			t.Errorf("notify.AttributeType(kind) = %s: the filter's string values would not match", got)
		}
		now := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
		for _, k := range []string{notify.KindWarning, notify.KindPredicted, notify.KindBreach, notify.KindEscalation, notify.KindRecovered, notify.KindBreachDigest} {
			a := notify.Render(notify.Alert{ID: "a1", Kind: k, Source: "desk", TicketID: "1", Team: "support", DueAt: now, At: now, SentAt: now}, nil, now).Attributes
			if a["kind"] != k {
				t.Errorf("a %s alert is published with kind attribute %q", k, a["kind"])
			}
			if !slices.Contains(kinds, k) {
				t.Errorf("%s: event %s: the filter drops %s alerts", id, ev, k)
			}
		}
	}

	// Lambda's retries, then the dead-letter queue with its alarm.
	eic := cfnMap(fn["EventInvokeConfig"])
	if n, ok := cfnNum(eic["MaximumRetryAttempts"]); !ok || n != lambdaMaxRetries {
		t.Errorf("%s: EventInvokeConfig.MaximumRetryAttempts %v, want %d: an alert not delivered in time is sent again", id, eic["MaximumRetryAttempts"], lambdaMaxRetries)
	}
	if age, ok := cfnNum(eic["MaximumEventAgeInSeconds"]); !ok || age < 3600 || age > lambdaMaxEventAge {
		t.Errorf("%s: EventInvokeConfig.MaximumEventAgeInSeconds %v, want 3600 to %d: throttled events wait out an outage", id, eic["MaximumEventAgeInSeconds"], lambdaMaxEventAge)
	}
	q, ok := failureQueue(fn)
	if !ok || deployed[q]["Type"] != "AWS::SQS::Queue" {
		t.Errorf("%s: EventInvokeConfig.DestinationConfig.OnFailure is %v, want Type SQS to !GetAtt <deployed queue>.Arn", id, cfnDig(eic, "DestinationConfig", "OnFailure"))
	} else {
		qp := cfnMap(deployed[q]["Properties"])
		if qp["SqsManagedSseEnabled"] != true && qp["KmsMasterKeyId"] == nil {
			t.Errorf("%s: %s is not encrypted (SqsManagedSseEnabled or KmsMasterKeyId)", id, q)
		}
		if !tp.deployedAlarm(deployed, "AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "GetAtt:" + q + ".QueueName"}, onFirst) {
			t.Errorf("%s: no deployed alarm on a message in %s", id, q)
		}
	}

	// Alarms, deployed with the function.
	for _, m := range []string{"Errors", "Throttles"} {
		if !tp.deployedAlarm(deployed, "AWS/Lambda", m, map[string]string{"FunctionName": "Ref:" + id}, onFirst) {
			t.Errorf("%s: no deployed alarm on its AWS/Lambda %s", id, m)
		}
	}
	function, err := loadName(filepath.Join(tp.Root, "functions", "oncall"))
	if err != nil {
		t.Fatal(err)
	}
	refused := func(p map[string]any) bool {
		return onFirst(p) && p["Statistic"] == "Sum" && p["TreatMissingData"] == "notBreaching"
	}
	if !tp.deployedAlarm(deployed, ns, metrics.OnCallFailed, map[string]string{"Function": function}, refused) {
		t.Errorf("%s: no deployed alarm on the Sum of %s/%s with Function=%s > 0 (missing data not breaching: the metric is written on failures only)", id, ns, metrics.OnCallFailed, function)
	}

	// Exactly these grants: the secret, the configuration, the table for
	// a tool that keeps state. No KMS: SNS decrypts before it delivers.
	type access struct{ service, target string }
	var got []access
	for i, p := range cfnList(fn["Policies"]) {
		gs, err := tp.policyGrants(p, "")
		if err != nil {
			t.Errorf("%s: Policies[%d]: %v", id, i, err)
		}
		for _, g := range gs {
			if !slices.Contains(got, access{g.service, g.target}) {
				got = append(got, access{g.service, g.target})
			}
		}
	}
	want := []access{{"secretsmanager", "SecretsArn"}, {"ssm", "ConfigParameterName"}}
	if slices.Contains(onCallStateful, tool) {
		want = append(want, access{"dynamodb", "Table"})
	}
	cmp := func(a, b access) int { return strings.Compare(a.service+a.target, b.service+b.target) }
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Errorf("%s: grants %v, want exactly %v", id, got, want)
	}
	if r, ok := refTo(envVars(fn)["SLAWATCH_SECRETS_ARN"]); !ok || r != "SecretsArn" {
		t.Errorf("%s: SLAWATCH_SECRETS_ARN is %v, want !Ref SecretsArn: the credentials are in that secret", id, envVars(fn)["SLAWATCH_SECRETS_ARN"])
	}
}

// onFirst: the alarm fires on a single occurrence in its period.
func onFirst(p map[string]any) bool {
	th, _ := cfnNum(p["Threshold"])
	switch p["ComparisonOperator"] {
	case "GreaterThanOrEqualToThreshold":
		return th > 0 && th <= 1
	case "GreaterThanThreshold":
		return th >= 0 && th < 1
	}
	return false
}

// deployedAlarm reports whether a deployed alarm watches ns/metric with
// exactly dims (values as "Ref:id", "GetAtt:id.attr" or literal) and
// notifies AlertTopic, and more holds for its properties.
func (tp *samTemplate) deployedAlarm(deployed map[string]map[string]any, ns, metric string, dims map[string]string, more func(map[string]any) bool) bool {
	for _, r := range deployed {
		p := cfnMap(r["Properties"])
		if r["Type"] != "AWS::CloudWatch::Alarm" || p["Namespace"] != ns || p["MetricName"] != metric {
			continue
		}
		got := map[string]string{}
		for _, d := range cfnList(p["Dimensions"]) {
			v := cfnDig(d, "Value")
			if r, ok := refTo(v); ok {
				v = "Ref:" + r
			} else if id, attr, ok := getAtt(v); ok {
				v = "GetAtt:" + id + "." + attr
			}
			got[fmt.Sprint(cfnDig(d, "Name"))] = fmt.Sprint(v)
		}
		acts := cfnList(p["AlarmActions"])
		notifies := len(acts) > 0 && !slices.ContainsFunc(acts, func(a any) bool { r, ok := refTo(a); return !ok || r != "AlertTopic" })
		if maps.Equal(got, dims) && notifies && (more == nil || more(p)) {
			return true
		}
	}
	return false
}

// TestTemplateNoCredentialParameters: no parameter can carry an on-call
// credential (routing key, API key, bot token, webhook URL): the
// parameters that name a tool are on/off switches, a parameter whose name
// says key, token, secret or webhook takes only an ARN, and no default
// looks like a credential. CloudFormation shows parameter values in the
// console and in every change set.
func TestTemplateNoCredentialParameters(t *testing.T) {
	tp := loadT(t)
	credName := regexp.MustCompile(`(?i)(routing|api_?key|token|webhook|password|credential|secret|signing)`)
	toolName := regexp.MustCompile(`(?i)(pagerduty|opsgenie|slack|teams)`)
	credValue := []*regexp.Regexp{
		regexp.MustCompile(`^[0-9a-zA-Z]{32}$`),                                                                   // a PagerDuty integration (routing) key: 32 characters
		regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),                  // an Opsgenie API key (a UUID)
		regexp.MustCompile(`^xox[abprs]-`),                                                                        // a Slack token
		regexp.MustCompile(`(?i)hooks\.slack\.com|webhook\.office\.com|logic\.azure\.com|powerplatform|/webhook`), // an incoming-webhook URL
	}
	for _, name := range slices.Sorted(maps.Keys(tp.Parameters)) {
		p := tp.Parameters[name]
		pattern, _ := p["AllowedPattern"].(string)
		if credName.MatchString(name) && !strings.HasPrefix(pattern, "^arn:") {
			t.Errorf("Parameters.%s: its name says it holds a credential; credentials go in the SecretsArn secret (a parameter may only be its ARN)", name)
		}
		if toolName.MatchString(name) {
			for _, v := range cfnList(p["AllowedValues"]) {
				if s := fmt.Sprint(v); s != "true" && s != "false" {
					t.Errorf("Parameters.%s: names an on-call tool but allows %q; it may only switch the tool on or off", name, s)
				}
			}
			if p["AllowedValues"] == nil {
				t.Errorf("Parameters.%s: names an on-call tool but takes any value; it may only switch the tool on or off (AllowedValues [true, false])", name)
			}
		}
		if d, ok := p["Default"].(string); ok {
			for _, re := range credValue {
				if re.MatchString(d) {
					t.Errorf("Parameters.%s: Default %q looks like an on-call credential", name, d)
				}
			}
		}
	}
}

// TestTemplateConditionalReferences: whatever the switches, everything
// deployed refers only to what is deployed with it (a resource under a
// condition cannot be referred to by one deployed without it:
// CloudFormation refuses the template), taking the branch of each Fn::If
// the parameters choose. Logical ids are unique across parameters and
// resources (a !Ref could not tell them apart).
func TestTemplateConditionalReferences(t *testing.T) {
	tp := loadT(t)
	for name := range tp.Parameters {
		if tp.Resources[name] != nil {
			t.Errorf("%s is both a parameter and a resource", name)
		}
	}
	cases := []map[string]string{{}}
	all := map[string]string{dashboardIssuerParam: "https://accounts.google.com", dashboardAudienceParam: "x", "ConfigParameterName": "/slawatch/config", "AlarmEmail": "ops@example.com"}
	for _, tool := range slices.Sorted(maps.Keys(onCallSwitches)) {
		cases = append(cases, map[string]string{onCallSwitches[tool]: "true"})
		all[onCallSwitches[tool]] = "true"
	}
	cases = append(cases, all)
	for _, params := range cases {
		deployed, err := tp.deployed(params)
		if err != nil {
			t.Fatal(err)
		}
		ok := func(r string) bool {
			if fn, isRole := strings.CutSuffix(r, "Role"); isRole && deployed[fn]["Type"] == "AWS::Serverless::Function" {
				return true
			}
			return deployed[r] != nil || tp.Parameters[r] != nil || slices.Contains(pseudoParameters, r) || r == "ServerlessHttpApi"
		}
		check := func(where string, v any) {
			refs, err := tp.takenRefs(v, params)
			if err != nil {
				t.Errorf("with %v: %s: %v", params, where, err)
			}
			for _, r := range refs {
				if !ok(r) {
					t.Errorf("with %v: %s refers to %s, which is not deployed then", params, where, r)
				}
			}
		}
		for _, id := range slices.Sorted(maps.Keys(deployed)) {
			check("Resources."+id, deployed[id]["Properties"])
			for _, d := range cfnList(deployed[id]["DependsOn"]) {
				if !ok(fmt.Sprint(d)) {
					t.Errorf("with %v: Resources.%s depends on %v, which is not deployed then", params, id, d)
				}
			}
			if deployed[id]["Type"] == "AWS::Serverless::Function" {
				check("Globals.Function (in "+id+")", tp.Globals["Function"])
			}
		}
		for _, name := range slices.Sorted(maps.Keys(tp.Outputs)) {
			o := tp.Outputs[name]
			if c, has := o["Condition"].(string); has {
				if on, err := tp.condition(c, params); err != nil || !on {
					continue
				}
			}
			check("Outputs."+name, o["Value"])
		}
	}
}

// takenRefs returns what v refers to with the given parameters: in each
// Fn::If, only the branch its condition picks.
func (tp *samTemplate) takenRefs(v any, params map[string]string) ([]string, error) {
	var out []string
	var walk func(v any) error
	walk = func(v any) error {
		if args := cfnList(cfnMap(v)["Fn::If"]); len(args) == 3 && isIntrinsic(cfnMap(v)) {
			on, err := tp.condition(fmt.Sprint(args[0]), params)
			if err != nil {
				return err
			}
			if on {
				return walk(args[1])
			}
			return walk(args[2])
		}
		out = append(out, refsHere(v)...)
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if err := walk(v[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(v)
	return out, err
}

// metricEntry splits a dashboard metric array: namespace, name, dimension
// name/value pairs, then an optional options object.
func metricEntry(m []any) (strs []string, opts map[string]any, err error) {
	for i, v := range m {
		switch v := v.(type) {
		case string:
			if v == "." {
				return nil, nil, errors.New(`the "." shorthand: write each metric out, so that it can be checked`)
			}
			strs = append(strs, v)
		case map[string]any:
			if i != len(m)-1 {
				return nil, nil, fmt.Errorf("%v: options before the end", m)
			}
			if _, ok := v["expression"]; ok {
				return nil, nil, fmt.Errorf("%v: a metric math expression (not checked against the code)", m)
			}
			opts = v
		default:
			return nil, nil, fmt.Errorf("%v: element %d is %T", m, i, v)
		}
	}
	if len(strs) < 2 || len(strs)%2 != 0 {
		return nil, nil, fmt.Errorf("%v: want namespace, metric name, then dimension name/value pairs", m)
	}
	return strs, opts, nil
}

// pseudoValues stand in for CloudFormation's pseudo parameters when a test
// renders a Fn::Sub.
var pseudoValues = map[string]string{
	"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::StackName": "slawatch",
	"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
}

// subPseudo renders a Fn::Sub string the way CloudFormation does, with
// pseudoValues; a variable that is not a pseudo parameter is an error.
func subPseudo(v any) (string, error) {
	s, ok := cfnMap(v)["Fn::Sub"].(string)
	if !ok {
		if s, ok := v.(string); ok {
			return s, nil
		}
		return "", fmt.Errorf("%v is neither a string nor a !Sub of one", v)
	}
	var unknown []string
	out := subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if val, ok := pseudoValues[name]; ok {
			return val
		}
		unknown = append(unknown, name)
		return m
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("substitutes %q, which the test does not render", unknown)
	}
	return strings.ReplaceAll(out, "${!", "${"), nil // ${!x} is a literal ${x}
}

// emfDoc is what one EMF document declares.
type emfDoc struct {
	namespace     string
	dimensionSets [][]string        // each sorted
	values        map[string]string // the dimensions' values
}

// writeEMF has the recorder lambdaenv.Load builds for the named function
// write names, and returns what the document it writes declares. It runs
// Load offline (packaged configuration, no secret; the DynamoDB client
// makes no request until used) with os.Stdout, where the recorder writes,
// redirected to a file.
func writeEMF(t *testing.T, function string, names []string) emfDoc {
	t.Helper()
	t.Setenv("SLAWATCH_TABLE", "slawatch")
	t.Setenv("AWS_REGION", pseudoValues["AWS::Region"])
	for _, name := range []string{"SLAWATCH_CONFIG_PARAMETER", "SLAWATCH_CONFIG_FILE", "SLAWATCH_SECRETS_ARN", "SLAWATCH_LOCAL_SECRETS"} {
		t.Setenv(name, "")
	}
	f, err := os.CreateTemp(t.TempDir(), "emf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdout := os.Stdout
	os.Stdout = f
	env, err := lambdaenv.Load(context.Background(), function)
	os.Stdout = stdout
	if err != nil {
		t.Fatalf("lambdaenv.Load(%q): %v", function, err)
	}
	for _, n := range names {
		env.Metrics.Add(n, metrics.Count, 1)
	}
	if err := env.Metrics.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		var raw map[string]any
		if json.Unmarshal([]byte(line), &raw) != nil || raw["_aws"] == nil {
			continue
		}
		var d struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("EMF line %s: %v", line, err)
		}
		if n := len(d.AWS.CloudWatchMetrics); n != 1 {
			t.Fatalf("EMF line %s: %d metric directives, want 1", line, n)
		}
		doc := emfDoc{namespace: d.AWS.CloudWatchMetrics[0].Namespace, values: map[string]string{}}
		for _, set := range d.AWS.CloudWatchMetrics[0].Dimensions {
			doc.dimensionSets = append(doc.dimensionSets, slices.Sorted(slices.Values(set)))
			for _, k := range set {
				doc.values[k], _ = raw[k].(string)
			}
		}
		return doc
	}
	t.Fatalf("lambdaenv's recorder for %q wrote no EMF document: %q", function, b)
	return emfDoc{}
}

// deployed returns the resources CloudFormation creates with the given
// parameter values (the others at their defaults): those without a
// Condition, and those whose Condition holds.
func (tp *samTemplate) deployed(params map[string]string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for id, r := range tp.Resources {
		if c, ok := r["Condition"].(string); ok {
			on, err := tp.condition(c, params)
			if err != nil {
				return nil, fmt.Errorf("Resources.%s: %w", id, err)
			}
			if !on {
				continue
			}
		}
		out[id] = r
	}
	return out, nil
}

// condition evaluates the named condition: Fn::Equals of strings and
// parameters, Fn::Not, Fn::And, Fn::Or and Condition, which is what
// CloudFormation allows in Conditions.
func (tp *samTemplate) condition(name string, params map[string]string) (bool, error) {
	c, ok := tp.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	on, err := tp.evalCondition(c, params)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	return on, nil
}

func (tp *samTemplate) evalCondition(v any, params map[string]string) (bool, error) {
	m := cfnMap(v)
	if c, ok := m["Condition"].(string); ok && len(m) == 1 {
		return tp.condition(c, params)
	}
	for _, fn := range []string{"Fn::Not", "Fn::And", "Fn::Or"} {
		args, ok := m[fn]
		if !ok {
			continue
		}
		var vals []bool
		for _, a := range cfnList(args) {
			b, err := tp.evalCondition(a, params)
			if err != nil {
				return false, err
			}
			vals = append(vals, b)
		}
		switch {
		case fn == "Fn::Not" && len(vals) == 1:
			return !vals[0], nil
		case fn == "Fn::And" && len(vals) >= 2:
			return !slices.Contains(vals, false), nil
		case fn == "Fn::Or" && len(vals) >= 2:
			return slices.Contains(vals, true), nil
		}
		return false, fmt.Errorf("%s with %d arguments", fn, len(vals))
	}
	if args := cfnList(m["Fn::Equals"]); len(args) == 2 {
		a, err := tp.paramValue(args[0], params)
		if err != nil {
			return false, err
		}
		b, err := tp.paramValue(args[1], params)
		if err != nil {
			return false, err
		}
		return a == b, nil
	}
	return false, fmt.Errorf("cannot evaluate %v", v)
}

// paramValue returns a literal, or a parameter's value: given, else its
// default.
func (tp *samTemplate) paramValue(v any, params map[string]string) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	name, ok := refTo(v)
	p := tp.Parameters[name]
	if !ok || p == nil {
		return "", fmt.Errorf("%v: want a string or a !Ref to a parameter", v)
	}
	if val, ok := params[name]; ok {
		return val, nil
	}
	if d, ok := p["Default"]; ok {
		return fmt.Sprint(d), nil
	}
	return "", fmt.Errorf("parameter %s has no default and no value was given", name)
}

// ---------------------------------------------------------------------------
// Reading the template.

type samTemplate struct {
	Root       string // the module root
	top        map[string]any
	Parameters map[string]map[string]any
	Conditions map[string]any
	Resources  map[string]map[string]any
	Outputs    map[string]map[string]any
	Globals    map[string]any
	// Functions holds each AWS::Serverless::Function's Properties with
	// Globals.Function merged in.
	Functions map[string]map[string]any
}

var loadTemplate = sync.OnceValues(func() (*samTemplate, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	v, err := fromYAML(&doc)
	if err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("template.yaml: not a mapping")
	}
	tp := &samTemplate{Root: root, top: top, Conditions: cfnMap(top["Conditions"]), Globals: cfnMap(top["Globals"]), Functions: map[string]map[string]any{}}
	for _, s := range []struct {
		name string
		dst  *map[string]map[string]any
	}{{"Parameters", &tp.Parameters}, {"Resources", &tp.Resources}, {"Outputs", &tp.Outputs}} {
		*s.dst = map[string]map[string]any{}
		for k, v := range cfnMap(top[s.name]) {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("template.yaml: %s.%s is not a mapping", s.name, k)
			}
			(*s.dst)[k] = m
		}
	}
	for id, r := range tp.Resources {
		if _, ok := r["Type"].(string); !ok {
			return nil, fmt.Errorf("template.yaml: Resources.%s has no Type", id)
		}
		if r["Type"] == "AWS::Serverless::Function" {
			props := cfnMap(r["Properties"])
			if g, ok := tp.Globals["Function"]; ok {
				props = cfnMap(samMerge(g, props))
			}
			tp.Functions[id] = props
		}
	}
	return tp, nil
})

func loadT(t *testing.T) *samTemplate {
	t.Helper()
	tp, err := loadTemplate()
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func (tp *samTemplate) functionIDs() []string { return slices.Sorted(maps.Keys(tp.Functions)) }

// defined reports whether name is a resource, a parameter, a pseudo
// parameter, or a resource SAM generates from one (a function's Role, the
// implicit HTTP API).
func (tp *samTemplate) defined(name string) bool {
	if tp.Resources[name] != nil || tp.Parameters[name] != nil || slices.Contains(pseudoParameters, name) {
		return true
	}
	if fn, ok := strings.CutSuffix(name, "Role"); ok && tp.Functions[fn] != nil {
		return true
	}
	return name == "ServerlessHttpApi"
}

// typeOf returns a resource's type, "parameter" for a parameter, or "".
func (tp *samTemplate) typeOf(name string) string {
	if r := tp.Resources[name]; r != nil {
		return r["Type"].(string)
	}
	if tp.Parameters[name] != nil {
		return "parameter"
	}
	return ""
}

// fromYAML turns a YAML node into maps, slices and scalars, and
// CloudFormation's short-form tags into their long form.
func fromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, errors.New("want one document")
		}
		return fromYAML(n.Content[0])
	case yaml.AliasNode:
		return fromYAML(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return shortForm(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key that is not a string", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q (CloudFormation refuses it)", k.Line, k.Value)
			}
			val, err := fromYAML(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromYAML(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
}

// shortForms maps CloudFormation's YAML tags to their long form.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub",
	"!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or",
	"!Select": "Fn::Select", "!Join": "Fn::Join", "!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue",
	"!Transform": "Fn::Transform", "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length",
}

func shortForm(n *yaml.Node) (any, error) {
	name, ok := shortForms[n.Tag]
	if !ok {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	if n.Kind == yaml.ScalarNode {
		if name == "Fn::GetAtt" { // !GetAtt Resource.Attribute
			id, attr, ok := strings.Cut(n.Value, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %s: want Resource.Attribute", n.Line, n.Value)
			}
			return map[string]any{name: []any{id, attr}}, nil
		}
		return map[string]any{name: n.Value}, nil
	}
	c := *n
	c.Tag = ""
	arg, err := fromYAML(&c)
	if err != nil {
		return nil, err
	}
	return map[string]any{name: arg}, nil
}

// samMerge merges a Globals value into a resource's as the SAM translator
// does: maps key by key, recursively; lists concatenated, global first;
// anything else (intrinsic functions included) the resource's own.
func samMerge(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if gok && lok && !isIntrinsic(gm) && !isIntrinsic(lm) {
		out := maps.Clone(gm)
		for k, v := range lm {
			if g, ok := out[k]; ok {
				out[k] = samMerge(g, v)
			} else {
				out[k] = v
			}
		}
		return out
	}
	gl, gok := global.([]any)
	ll, lok := local.([]any)
	if gok && lok {
		return slices.Concat(gl, ll)
	}
	return local
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func cfnMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// cfnList returns v as a list: nil for nil, a one-element list for a scalar
// or a map (CloudFormation accepts one value where it takes a list).
func cfnList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

func cfnDig(v any, path ...string) any {
	for _, p := range path {
		v = cfnMap(v)[p]
	}
	return v
}

func cfnNum(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func refTo(v any) (string, bool) {
	m := cfnMap(v)
	r, ok := m["Ref"].(string)
	return r, ok && len(m) == 1
}

func getAtt(v any) (id, attr string, ok bool) {
	a := cfnList(cfnMap(v)["Fn::GetAtt"])
	if len(a) != 2 {
		return "", "", false
	}
	id, ok1 := a[0].(string)
	attr, ok2 := a[1].(string)
	return id, attr, ok1 && ok2
}

func isRef(v any) bool {
	_, ok := refTo(v)
	return ok
}

func isNoValue(v any) bool {
	r, ok := refTo(v)
	return ok && r == "AWS::NoValue"
}

func isAccountRoot(v any) bool {
	s, ok := cfnMap(v)["Fn::Sub"].(string)
	return ok && s == "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
}

// cfnWalk calls fn for v and everything inside it, with a dotted path.
func cfnWalk(v any, path string, fn func(path string, v any)) {
	fn(path, v)
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			cfnWalk(v[k], path+"."+k, fn)
		}
	case []any:
		for i, e := range v {
			cfnWalk(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// refsHere returns the names v itself refers to, if it is a Ref, a
// Fn::GetAtt or a Fn::Sub (not what is nested inside: cfnWalk visits that).
func refsHere(v any) []string {
	m := cfnMap(v)
	if !isIntrinsic(m) {
		return nil
	}
	if r, ok := refTo(v); ok {
		return []string{r}
	}
	if id, _, ok := getAtt(v); ok {
		return []string{id}
	}
	sub, ok := m["Fn::Sub"]
	if !ok {
		return nil
	}
	s, _ := sub.(string)
	var local map[string]any
	if l := cfnList(sub); len(l) == 2 {
		s, _ = l[0].(string)
		local = cfnMap(l[1])
	}
	var out []string
	for _, match := range subVar.FindAllStringSubmatch(s, -1) {
		name := match[1]
		if !strings.HasPrefix(name, "AWS::") {
			name, _, _ = strings.Cut(name, ".")
		}
		if _, ok := local[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}

// refsIn returns every name v refers to, at any depth.
func refsIn(v any) []string {
	var out []string
	cfnWalk(v, "", func(_ string, v any) { out = append(out, refsHere(v)...) })
	return out
}

// conditionHere returns the condition v names, if it is a Fn::If or a
// {"Condition": name}.
func conditionHere(v any) (string, bool) {
	m := cfnMap(v)
	if !isIntrinsic(m) {
		return "", false
	}
	if c, ok := m["Condition"].(string); ok {
		return c, true
	}
	if args := cfnList(m["Fn::If"]); len(args) == 3 {
		c, ok := args[0].(string)
		return c, ok
	}
	return "", false
}

// failureQueue returns the queue of the template a function's
// EventInvokeConfig sends failed asynchronous events to.
func failureQueue(fn map[string]any) (string, bool) {
	d := cfnDig(fn, "EventInvokeConfig", "DestinationConfig", "OnFailure")
	q, attr, ok := getAtt(cfnDig(d, "Destination"))
	return q, ok && attr == "Arn" && cfnDig(d, "Type") == "SQS"
}

func envVars(fn map[string]any) map[string]any {
	return cfnMap(cfnDig(fn, "Environment", "Variables"))
}

// envTarget returns what an environment value refers to: !Ref X, or
// !If [cond, !Ref X, !Ref AWS::NoValue].
func envTarget(v any) (target, cond string, err error) {
	if r, ok := refTo(v); ok {
		return r, "", nil
	}
	if args := cfnList(cfnMap(v)["Fn::If"]); len(args) == 3 && isNoValue(args[2]) {
		if r, ok := refTo(args[1]); ok {
			c, _ := args[0].(string)
			return r, c, nil
		}
	}
	return "", "", fmt.Errorf("value %v: want !Ref <resource or parameter>, or !If [condition, !Ref …, !Ref AWS::NoValue]", v)
}

func ratePeriod(s string) (float64, error) {
	m := regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`).FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("schedule %q: want rate(N unit)", s)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]float64{"minute": 60, "hour": 3600, "day": 86400}[strings.TrimSuffix(m[2], "s")]
	return n * unit, nil
}

// ---------------------------------------------------------------------------
// Policies.

// grant is a service's access to a resource of the template (a logical id,
// or a parameter naming a resource), given unconditionally or under cond.
type grant struct {
	service, target, cond string
	why                   string // for needs: where the need comes from
}

func (g grant) covers(n grant) bool {
	return g.service == n.service && g.target == n.target && (g.cond == "" || g.cond == n.cond)
}

func condNote(cond string) string {
	if cond == "" {
		return ""
	}
	return " (under " + cond + ")"
}

// policyGrants returns what one entry of a function's Policies grants, and
// an error for anything not scoped to the template's own resources.
func (tp *samTemplate) policyGrants(p any, cond string) ([]grant, error) {
	m := cfnMap(p)
	if args := cfnList(m["Fn::If"]); len(args) == 3 {
		c, _ := args[0].(string)
		var out []grant
		for _, branch := range args[1:] {
			if isNoValue(branch) {
				continue
			}
			g, err := tp.policyGrants(branch, c)
			if err != nil {
				return nil, err
			}
			out = append(out, g...)
		}
		return out, nil
	}
	if s, ok := p.(string); ok {
		return nil, fmt.Errorf("managed policy %q reaches beyond this template's resources", s)
	}
	if stmts, ok := m["Statement"]; ok {
		var out []grant
		for i, s := range cfnList(stmts) {
			s := cfnMap(s)
			for _, k := range []string{"Principal", "NotAction", "NotResource"} {
				if _, ok := s[k]; ok {
					return nil, fmt.Errorf("Statement[%d]: %s has no place in a function's policy", i, k)
				}
			}
			services := map[string]bool{}
			for _, a := range cfnList(s["Action"]) {
				svc, _, ok := strings.Cut(fmt.Sprint(a), ":")
				if !ok || svc == "*" {
					return nil, fmt.Errorf("Statement[%d]: action %v", i, a)
				}
				services[svc] = true
			}
			if len(cfnList(s["Resource"])) == 0 {
				return nil, fmt.Errorf("Statement[%d]: no Resource", i)
			}
			for _, r := range cfnList(s["Resource"]) {
				target, err := tp.resourceTarget(r)
				if err != nil {
					return nil, fmt.Errorf("Statement[%d]: %w", i, err)
				}
				for svc := range services {
					out = append(out, grant{service: svc, target: target, cond: cond})
				}
			}
		}
		return out, nil
	}
	if len(m) == 1 {
		for name, args := range m {
			spec, ok := samPolicyTemplates[name]
			if !ok {
				return nil, fmt.Errorf("policy template %s is not in samPolicyTemplates: check what it grants (some grant \"*\") and add it", name)
			}
			v := cfnMap(args)[spec.param]
			target, ok := refTo(v)
			if spec.want != "Ref" {
				id, attr, isAtt := getAtt(v)
				target, ok = id, isAtt && attr == spec.want
			}
			if !ok || tp.typeOf(target) != spec.typ {
				want := "!Ref <" + spec.typ + ">"
				if spec.want != "Ref" {
					want = "!GetAtt <" + spec.typ + ">." + spec.want
				}
				return nil, fmt.Errorf("%s: %s is %v, want %s of this template", name, spec.param, v, want)
			}
			return []grant{{service: spec.service, target: target, cond: cond}}, nil
		}
	}
	return nil, fmt.Errorf("unrecognised policy %v", p)
}

// resourceTarget returns the resource or parameter a policy Resource
// names: a Ref, a GetAtt, or a Fn::Sub without "*" built on exactly one.
func (tp *samTemplate) resourceTarget(r any) (string, error) {
	if s, ok := r.(string); ok {
		return "", fmt.Errorf("literal resource %q: refer to the template's resource or parameter instead", s)
	}
	if id, ok := refTo(r); ok && tp.typeOf(id) != "" {
		return id, nil
	}
	if id, _, ok := getAtt(r); ok && tp.typeOf(id) != "" {
		return id, nil
	}
	if s, ok := cfnMap(r)["Fn::Sub"].(string); ok && !strings.Contains(s, "*") {
		var own []string
		for _, n := range refsHere(r) {
			if tp.typeOf(n) != "" {
				own = append(own, n)
			}
		}
		if len(own) == 1 {
			return own[0], nil
		}
	}
	return "", fmt.Errorf("resource %v is not one resource or parameter of this template (and no \"*\")", r)
}

// needs returns the access a function's environment and events imply.
func (tp *samTemplate) needs(fn map[string]any) []grant {
	var out []grant
	encrypted := func(res, why, cond string) {
		key := cfnDig(tp.Resources[res], "Properties", "KmsMasterKeyId")
		if id, _, ok := getAtt(key); ok {
			out = append(out, grant{service: "kms", target: id, cond: cond, why: why + " is encrypted with " + id})
		} else if id, ok := refTo(key); ok {
			out = append(out, grant{service: "kms", target: id, cond: cond, why: why + " is encrypted with " + id})
		}
	}
	for name, v := range envVars(fn) {
		spec, ok := envSpec[name]
		if !ok {
			continue // TestEnvironmentValues reports it
		}
		target, cond, err := envTarget(v)
		if err != nil {
			continue
		}
		out = append(out, grant{service: spec.service, target: target, cond: cond, why: name})
		encrypted(target, name+"'s "+target, cond)
	}
	// Lambda writes an asynchronous invocation's failure record with the
	// function's role; SAM grants sqs:SendMessage on the destination itself
	// (EventInvokeConfig OnFailure, "SAM will add any necessary
	// permissions": docs.aws.amazon.com/serverless-application-model/latest/
	// developerguide/sam-property-function-onfailure.html), not the key of
	// an encrypted queue.
	if q, ok := failureQueue(fn); ok {
		encrypted(q, "EventInvokeConfig's failure destination "+q, "")
	}
	for ev, e := range cfnMap(fn["Events"]) {
		if cfnDig(e, "Type") == "SQS" {
			if q, _, ok := getAtt(cfnDig(e, "Properties", "Queue")); ok {
				// SAM grants the polling itself (SQSPollerPolicy); only
				// the key of an encrypted queue is left to the template.
				encrypted(q, "event "+ev+"'s queue "+q, "")
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// The store's table.

type captureClient struct {
	create *dynamodb.CreateTableInput
	ttl    *dynamodb.UpdateTimeToLiveInput
}

func (c *captureClient) CreateTable(_ context.Context, in *dynamodb.CreateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	c.create = in
	return &dynamodb.CreateTableOutput{}, nil
}

func (c *captureClient) UpdateTimeToLive(_ context.Context, in *dynamodb.UpdateTimeToLiveInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error) {
	c.ttl = in
	return &dynamodb.UpdateTimeToLiveOutput{}, nil
}

type dynamodbKey struct{ name, typ string }

func keySchema(ks []ddbtypes.KeySchemaElement) []dynamodbKey {
	var out []dynamodbKey
	for _, k := range ks {
		out = append(out, dynamodbKey{aws.ToString(k.AttributeName), string(k.KeyType)})
	}
	return out
}

// ---------------------------------------------------------------------------
// Environment variables the code reads.

// slawatchName is the shape of slawatch's own variables.
var slawatchName = regexp.MustCompile(`^SLAWATCH_[A-Z0-9_]+$`)

// implicitMethods are methods the standard library calls through its own
// interfaces (fmt, errors, encoding/json, net/http, …), which the walk in
// scanEnv cannot see being called: every such method of the module counts
// as reachable.
var implicitMethods = []string{
	"String", "GoString", "Format", "Error", "Unwrap", "Is", "As", "MarshalJSON", "UnmarshalJSON",
	"MarshalText", "UnmarshalText", "MarshalYAML", "UnmarshalYAML", "ServeHTTP", "Len", "Less", "Swap",
}

// scanEnv returns the environment variables the Go package pkg (a main
// package such as ./functions/webhook) reads, each with where, by walking the
// code reachable from its main function (and every init function and
// package-level variable) through the packages of this module it imports.
//
// What counts as a read, in reachable code only:
//   - os.Getenv(X) and os.LookupEnv(X) where X is a constant expression (a
//     literal or a constant): X, whatever its name;
//   - a string literal, or a use of a string constant, whose value is a
//     whole SLAWATCH_ name (^SLAWATCH_[A-Z0-9_]+$): lambdaenv reads its
//     variables through an injected getenv, by named constants.
//
// What does not: names built at run time (a source's SLAWATCH_<NAME>_SECRET,
// which the functions take from the Secrets Manager secret), reads by
// packages outside the module (the AWS SDK's own AWS_* variables), a
// constant that is declared but never used on a reachable path (lambdaenv
// declares all its variables in one block; each function reaches only the
// accessors it calls), and code in cmd/, which no function imports.
//
// Reachability is per function and method, from the type-checked source:
// static calls and method values are followed exactly; a call through an
// interface reaches every method of that name in the module; the methods in
// implicitMethods are always reached. Packages outside the module are not
// walked.
func scanEnv(root, pkg string) (map[string]string, error) {
	u, err := scanCode(root, pkg)
	if err != nil {
		return nil, err
	}
	return u.env, nil
}

// codeUses is what scanCode finds in the code reachable from a main
// package, each name with where it was first seen.
type codeUses struct {
	env     map[string]string // environment variables read (see scanEnv)
	metrics map[string]string // metric names: string constants of shared/metrics used
}

var codeScans sync.Map // package → func() (*codeUses, error)

// scanCode walks the code reachable from the main package pkg once (the
// walk type-checks the module: seconds), for scanEnv and for the metrics a
// function can write. A metric counts when reachable code uses its
// constant, which over-approximates what the function writes (the tickets
// function reaches the webhook handler's metrics, though it gives the
// handler no recorder), but never misses one.
func scanCode(root, pkg string) (*codeUses, error) {
	f, _ := codeScans.LoadOrStore(pkg, sync.OnceValues(func() (*codeUses, error) { return walkCode(root, pkg) }))
	return f.(func() (*codeUses, error))()
}

func walkCode(root, pkg string) (*codeUses, error) {
	goBin, err := runtimeapi.GoTool()
	if err != nil {
		return nil, err
	}
	mod, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	cmd := lambdaGoCommand(root, goBin, "list", "-deps", "-export",
		"-json=ImportPath,Name,Dir,GoFiles,CgoFiles,Export,Error", pkg)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, ee.Stderr)
		}
		return nil, err
	}
	type listed struct {
		ImportPath, Name, Dir string
		GoFiles, CgoFiles     []string
		Export                string
		Error                 *struct{ Err string }
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 || pkgs[len(pkgs)-1].Name != "main" {
		return nil, fmt.Errorf("%s is not a main package", pkg)
	}
	mainPath := pkgs[len(pkgs)-1].ImportPath // -deps lists the package itself last

	fset := token.NewFileSet()
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f := exports[path]
		if f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})

	type body struct {
		node ast.Node
		info *types.Info
	}
	bodies := map[string]body{}            // function key → declaration
	methodsByName := map[string][]string{} // method name → keys
	roots := []string{mainPath + ".main"}
	for _, p := range pkgs {
		if p.ImportPath != mod && !strings.HasPrefix(p.ImportPath, mod+"/") {
			continue
		}
		var files []*ast.File
		for _, name := range slices.Concat(p.GoFiles, p.CgoFiles) {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
			return nil, fmt.Errorf("type-checking %s: %w", p.ImportPath, err)
		}
		n := 0
		for _, f := range files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Body == nil {
						continue
					}
					key := funcKey(info.Defs[d.Name].(*types.Func))
					if d.Recv == nil && d.Name.Name == "init" {
						n++
						key = fmt.Sprintf("%s.init#%d", p.ImportPath, n)
						roots = append(roots, key)
					}
					if d.Recv != nil {
						methodsByName[d.Name.Name] = append(methodsByName[d.Name.Name], key)
					}
					bodies[key] = body{d, info}
				case *ast.GenDecl:
					if d.Tok == token.VAR {
						n++
						key := fmt.Sprintf("%s.var#%d", p.ImportPath, n)
						roots = append(roots, key)
						bodies[key] = body{d, info}
					}
				}
			}
		}
	}
	for _, name := range implicitMethods {
		roots = append(roots, methodsByName[name]...)
	}

	uses := &codeUses{env: map[string]string{}, metrics: map[string]string{}}
	metricsPkg := mod + "/shared/metrics"
	noteIn := func(m map[string]string, name string, pos token.Pos) {
		if _, ok := m[name]; !ok {
			p := fset.Position(pos)
			if rel, err := filepath.Rel(root, p.Filename); err == nil {
				p.Filename = filepath.ToSlash(rel)
			}
			m[name] = fmt.Sprintf("%s:%d", p.Filename, p.Line)
		}
	}
	note := func(name string, pos token.Pos) { noteIn(uses.env, name, pos) }
	seen := map[string]bool{}
	queue := roots
	for len(queue) > 0 {
		key := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[key] {
			continue
		}
		seen[key] = true
		b, ok := bodies[key]
		if !ok {
			continue // outside the module
		}
		ast.Inspect(b.node, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				switch obj := b.info.Uses[n].(type) {
				case *types.Func:
					if sig := obj.Type().(*types.Signature); sig.Recv() != nil && types.IsInterface(sig.Recv().Type()) {
						queue = append(queue, methodsByName[obj.Name()]...)
					} else {
						queue = append(queue, funcKey(obj.Origin()))
					}
				case *types.Const:
					if v := obj.Val(); v.Kind() == constant.String && slawatchName.MatchString(constant.StringVal(v)) {
						note(constant.StringVal(v), n.Pos())
					}
					// Metric names are the package's untyped string
					// constants (its units are typed metrics.Unit).
					if v := obj.Val(); v.Kind() == constant.String && obj.Pkg() != nil && obj.Pkg().Path() == metricsPkg &&
						obj.Type() == types.Typ[types.UntypedString] {
						noteIn(uses.metrics, constant.StringVal(v), n.Pos())
					}
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && slawatchName.MatchString(s) {
					note(s, n.Pos())
				}
			case *ast.CallExpr:
				if fn := calledFunc(b.info, n.Fun); fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "os" &&
					(fn.Name() == "Getenv" || fn.Name() == "LookupEnv") && len(n.Args) == 1 {
					if tv := b.info.Types[n.Args[0]]; tv.Value != nil && tv.Value.Kind() == constant.String {
						note(constant.StringVal(tv.Value), n.Pos())
					}
				}
			}
			return true
		})
	}
	return uses, nil
}

// funcKey names a function or method the same way whether its package was
// type-checked from source or imported from export data.
func funcKey(f *types.Func) string {
	path := ""
	if f.Pkg() != nil {
		path = f.Pkg().Path()
	}
	if recv := f.Type().(*types.Signature).Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			return path + ".(" + n.Obj().Name() + ")." + f.Name()
		}
	}
	return path + "." + f.Name()
}

func calledFunc(info *types.Info, fun ast.Expr) *types.Func {
	switch e := ast.Unparen(fun).(type) {
	case *ast.Ident:
		f, _ := info.Uses[e].(*types.Func)
		return f
	case *ast.SelectorExpr:
		f, _ := info.Uses[e.Sel].(*types.Func)
		return f
	}
	return nil
}

// stringConst returns the value of the string constant name declared in
// the Go package in dir.
func stringConst(dir, name string) (string, error) {
	pkgs, err := parseDir(dir)
	if err != nil {
		return "", err
	}
	for _, f := range pkgs {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if id.Name != name || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						return strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return "", fmt.Errorf("no string constant %s in %s", name, dir)
}

// loadName returns the name a function's main package gives
// lambdaenv.Load, which becomes its metrics' Function dimension.
func loadName(dir string) (string, error) {
	files, err := parseDir(dir)
	if err != nil {
		return "", err
	}
	name := ""
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Load" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "lambdaenv" {
					if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						name, _ = strconv.Unquote(lit.Value)
					}
				}
			}
			return true
		})
	}
	if name == "" {
		return "", fmt.Errorf("%s: no lambdaenv.Load(ctx, \"<name>\") call", dir)
	}
	return name, nil
}

func parseDir(dir string) ([]*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), n, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// ---------------------------------------------------------------------------
// The Makefile and the go command.

var makeTargets sync.Map // logical id → func() (string, error)

// functionDir returns the directory under functions/ that the Makefile's
// build-<id> target builds, as `make -n` prints the command sam build would
// run; it skips the test when that directory does not exist yet.
func functionDir(t *testing.T, tp *samTemplate, id string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	f, _ := makeTargets.LoadOrStore(id, sync.OnceValues(func() (string, error) { return makeTarget(tp.Root, id) }))
	dir, err := f.(func() (string, error))()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(tp.Root, "functions", dir)); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s: functions/%s does not exist yet", id, dir)
	}
	return dir
}

func makeTarget(root, id string) (string, error) {
	const artifacts = "/nonexistent/artifacts" // make -n runs nothing
	target := "build-" + id
	cmd := toolCommand(root, "make", "-s", "-n", target, "ARTIFACTS_DIR="+artifacts)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("Makefile: `make -n %s` (what sam build runs for %s): %v\n%s", target, id, err, out)
	}
	line := strings.TrimSpace(string(out))
	if line == "" { // .PHONY names it, but no rule does
		return "", fmt.Errorf("Makefile: no recipe for %s, which sam build runs for %s", target, id)
	}
	if strings.Contains(line, "\n") {
		return "", fmt.Errorf("Makefile: %s runs several commands, want one go build:\n%s", target, line)
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", " build ", "-tags lambda.norpc", "-trimpath",
		"-ldflags='-s -w -buildid='", "-o " + artifacts + "/bootstrap "} {
		if !strings.Contains(line, want) {
			return "", fmt.Errorf("Makefile: %s runs\n\t%s\nwhich lacks %q", target, line, strings.TrimSpace(want))
		}
	}
	m := regexp.MustCompile(`\./functions/([a-z0-9_]+)$`).FindStringSubmatch(line)
	if m == nil {
		return "", fmt.Errorf("Makefile: %s runs\n\t%s\nwhich does not end in ./functions/<dir>", target, line)
	}
	return m[1], nil
}

// toolCommand runs in the module root without the variables of an enclosing
// make (make test runs go test), which would change what make -n prints.
func toolCommand(root, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains([]string{"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARTIFACTS_DIR", "GO"}, k)
	})
	return cmd
}

// lambdaGoCommand runs a go subcommand (build, list) with the settings the
// bootstraps are built with (runtimeapi.Build): CGO off, -trimpath, the
// lambda.norpc tag. Besides checking the code as it is deployed, this finds
// the packages TestMain compiled in the build cache instead of compiling
// them again with other flags inside a test.
func lambdaGoCommand(root, goBin, sub string, args ...string) *exec.Cmd {
	cmd := toolCommand(root, goBin, append([]string{sub, "-tags", "lambda.norpc", "-trimpath"}, args...)...)
	cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	return cmd
}

func goTool(t *testing.T) string {
	t.Helper()
	p, err := runtimeapi.GoTool()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("go.mod: no module line")
	}
	return string(m[1]), nil
}
