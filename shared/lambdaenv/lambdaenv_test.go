package lambdaenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/slawatch/slawatch/shared/lambdaenv/lambdaenvtest"
	"github.com/slawatch/slawatch/shared/metrics"
)

const configYAML = `
sources:
  desk: {provider: generic, secret_env: DESK_SECRET}
policies:
  - name: all
    first_response: {within: 2h}
`

func TestLoadFromSSMAndSecretsManager(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:slawatch-AbCdEf"
	aws := lambdaenvtest.New(t, map[string]string{arn: `{"DESK_SECRET":"s3cret","ZENDESK_API_TOKEN":""}`},
		map[string]string{"/slawatch/config": configYAML})
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", aws.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("DESK_SECRET", "from-the-environment") // must not be used when the ARN is set
	vars := map[string]string{EnvTable: "slawatch", EnvConfigParameter: "/slawatch/config", EnvSecretsARN: arn}
	e, err := load(context.Background(), "webhook", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if e.Config.Sources["desk"].SecretEnv != "DESK_SECRET" || len(e.Config.Policies) != 1 {
		t.Errorf("config from SSM: %+v", e.Config.Sources)
	}
	if v, ok := e.Secret("DESK_SECRET"); v != "s3cret" || !ok {
		t.Errorf("secret %q, %v", v, ok)
	}
	for _, name := range []string{"ZENDESK_API_TOKEN", "MISSING"} {
		if _, ok := e.Secret(name); ok {
			t.Errorf("%s: an empty or missing secret is not set", name)
		}
	}
	// Fetched once per cold start, not per lookup.
	if aws.Calls("GetSecretValue") != 1 || aws.Calls("GetParameter") != 1 || aws.Calls("GetParameterHistory") != 0 {
		t.Errorf("calls: %d GetSecretValue, %d GetParameter, %d GetParameterHistory", aws.Calls("GetSecretValue"), aws.Calls("GetParameter"), aws.Calls("GetParameterHistory"))
	}
}

func TestLoadFailures(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:x"
	aws := lambdaenvtest.New(t, map[string]string{arn: "not-json-but-a-pasted-secret"},
		map[string]string{"/bad": "policies: [{name: x, first_response: {within: soon}}]"})
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", aws.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", aws.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no table", map[string]string{}, "SLAWATCH_TABLE is not set"},
		{"missing parameter", map[string]string{EnvTable: "t", EnvConfigParameter: "/none"}, "config parameter /none"},
		{"invalid config", map[string]string{EnvTable: "t", EnvConfigParameter: "/bad"}, `bad duration "soon"`},
		{"missing secret", map[string]string{EnvTable: "t", EnvSecretsARN: arn + "-gone"}, "ResourceNotFoundException"},
		{"secret not JSON", map[string]string{EnvTable: "t", EnvSecretsARN: arn}, "want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(context.Background(), "f", func(k string) string { return tt.vars[k] })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "not-json-but-a-pasted-secret") {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
}

// Without a secrets ARN (sam local invoke) secrets come from the
// environment, and the packaged default configuration applies.
func TestLoadLocal(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	vars := map[string]string{EnvTable: "slawatch", "SLAWATCH_GENERIC_SECRET": "dev"}
	e, err := load(context.Background(), "webhook", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Secret("SLAWATCH_GENERIC_SECRET"); v != "dev" || !ok || len(e.Config.Sources) < 9 {
		t.Errorf("secret %q %v, %d sources", v, ok, len(e.Config.Sources))
	}
	if _, err := e.Alerts(); err == nil || !strings.Contains(err.Error(), EnvAlertTopic) {
		t.Errorf("alerts without a topic: %v", err)
	}
}

// sam local invoke passes the secrets as one JSON object; a malformed one
// fails the cold start without quoting it.
func TestLoadLocalSecrets(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	vars := map[string]string{EnvTable: "slawatch", EnvLocalSecrets: `{"SLAWATCH_ZENDESK_SECRET":"local-zendesk-secret"}`,
		"SLAWATCH_ZENDESK_SECRET": "from-the-environment"}
	e, err := load(context.Background(), "webhook", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Secret("SLAWATCH_ZENDESK_SECRET"); v != "local-zendesk-secret" || !ok {
		t.Errorf("secret %q, %v", v, ok)
	}
	vars[EnvLocalSecrets] = "local-zendesk-secret"
	if _, err := load(context.Background(), "webhook", func(k string) string { return vars[k] }); err == nil ||
		strings.Contains(err.Error(), "local-zendesk-secret") || !strings.Contains(err.Error(), EnvLocalSecrets) {
		t.Errorf("malformed local secrets: %v", err)
	}
}

// An invalid current version of the configuration parameter is refused
// whole: the newest valid version before it runs, the refusal is logged
// (version and problems, never the value) and counted; with no valid
// version among the MaxHistory before it, the cold start fails.
func TestLoadParameterRefusesInvalidVersion(t *testing.T) {
	const (
		name = "/slawatch/config"
		// A credential pasted into a comment: it must reach no log line.
		pasted = "pasted-credential-4f1d9b"
		bad    = "# token: " + pasted + "\npolicies: [{name: x, first_response: {within: soon}}]\n"
		// Parses, and tells which version ran by its policy's name.
		good = "policies: [{name: %s, first_response: {within: 2h}}]\n"
	)
	goodV := func(n int) string { return fmt.Sprintf(good, fmt.Sprint("v", n)) }
	repeat := func(v string, n int) []string { return slices.Repeat([]string{v}, n) }
	tests := []struct {
		name     string
		versions []string // version 1 first; the last is current
		running  int64    // 0: the cold start fails
		pages    int      // GetParameterHistory calls
	}{
		{"previous valid", []string{goodV(1), bad}, 1, 1},
		{"newest earlier valid", []string{goodV(1), goodV(2), bad, bad}, 2, 1},
		{"found on the second page", append(append(repeat(bad, 9), goodV(10)), repeat(bad, 50)...), 10, 2},
		{"none valid", []string{bad}, 0, 1},
		{"none valid within MaxHistory", append([]string{goodV(1)}, repeat(bad, MaxHistory+1)...), 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := lambdaenvtest.New(t, nil, map[string]string{name: tt.versions[0]})
			for _, v := range tt.versions[1:] {
				fake.Put(name, v)
			}
			var logs, emf bytes.Buffer
			e := &Env{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metrics.NewRecorder(&emf, Namespace, map[string]string{"Function": "checker"}, nil), aws: fakeAWS(t, fake.URL)}
			cfg, err := e.loadParameter(context.Background(), name)
			if got := fake.Calls("GetParameterHistory"); got != tt.pages {
				t.Errorf("%d GetParameterHistory calls, want %d", got, tt.pages)
			}
			if strings.Contains(logs.String()+fmt.Sprint(err), pasted) {
				t.Errorf("the refused value reached the log or the error:\n%s\n%v", logs.String(), err)
			}
			current := int64(len(tt.versions))
			if tt.running == 0 {
				if err == nil || !strings.Contains(err.Error(), "nothing to run") || !strings.Contains(err.Error(), `bad duration "soon"`) ||
					!strings.Contains(err.Error(), fmt.Sprintf("version %d", current)) {
					t.Fatalf("error %v, want the refused version's problems and nothing to run", err)
				}
				if e.Refused != nil {
					t.Errorf("refusal %+v without a version to run", e.Refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Policies[0].Name; got != fmt.Sprint("v", tt.running) {
				t.Errorf("running policy %q, want version %d's", got, tt.running)
			}
			want := Refusal{Parameter: name, Version: current, Running: tt.running,
				Problems: []string{`line 2: policies[0].first_response.within: bad duration "soon": want a number with a unit, such as 30m, 4h or 1h30m`}}
			if e.Refused == nil || !reflect.DeepEqual(*e.Refused, want) {
				t.Errorf("refusal %+v, want %+v", e.Refused, want)
			}
			// One error line, with what an operator needs to fix it.
			var line struct {
				Level, Msg, Parameter string
				Version               int64
				Running               int64 `json:"running_version"`
				Problems              []string
			}
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			if line.Level != "ERROR" || !strings.HasPrefix(line.Msg, "configuration refused") || line.Parameter != name ||
				line.Version != current || line.Running != tt.running || !reflect.DeepEqual(line.Problems, want.Problems) {
				t.Errorf("log line %s", logs.String())
			}
			if err := e.Metrics.Flush(); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(emf.Bytes(), &doc); err != nil || doc[metrics.ConfigRefused] != 1.0 {
				t.Errorf("metrics %s: want %s 1", emf.String(), metrics.ConfigRefused)
			}
		})
	}
}

// A valid current version costs one call: the history is not read.
func TestLoadParameterValidCurrent(t *testing.T) {
	const name = "/slawatch/config"
	fake := lambdaenvtest.New(t, nil, map[string]string{name: "policies: ["})
	fake.Put(name, configYAML)
	var logs, emf bytes.Buffer
	e := &Env{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metrics.NewRecorder(&emf, Namespace, nil, nil), aws: fakeAWS(t, fake.URL)}
	cfg, err := e.loadParameter(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Sources["desk"]; !ok || e.Refused != nil || logs.Len() != 0 {
		t.Errorf("config %v, refusal %+v, log %q", cfg.Sources, e.Refused, logs.String())
	}
	if fake.Calls("GetParameter") != 1 || fake.Calls("GetParameterHistory") != 0 {
		t.Errorf("calls: %d GetParameter, %d GetParameterHistory", fake.Calls("GetParameter"), fake.Calls("GetParameterHistory"))
	}
	if err := e.Metrics.Flush(); err != nil || emf.Len() != 0 {
		t.Errorf("metrics %q, %v: nothing refused", emf.String(), err)
	}
}

// fakeAWS points the configuration's SSM requests at the fake.
func fakeAWS(t *testing.T, url string) aws.Config {
	t.Setenv("AWS_ENDPOINT_URL_SSM", url)
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

// The secret is read beside the configuration, not after it: the SSM
// endpoint answers GetParameter only once the secret's request has arrived
// at the Secrets Manager endpoint (a cold start reading them in turn waits
// out the 2 s and fails). A configuration that fails is the error
// reported, and the secret's request is not waited out.
func TestLoadReadsSecretBesideConfig(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:slawatch-AbCdEf"
	fake := lambdaenvtest.New(t, map[string]string{arn: `{"DESK_SECRET":"s3cret"}`}, map[string]string{"/slawatch/config": configYAML})
	target, err := url.Parse(fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	secretAsked := make(chan struct{})
	var once sync.Once
	secrets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(secretAsked) })
		proxy.ServeHTTP(w, r)
	}))
	defer secrets.Close()
	ssm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-secretAsked:
		case <-time.After(2 * time.Second):
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ValidationException","message":"the secret was not asked for beside the parameter"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer ssm.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", ssm.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	vars := map[string]string{EnvTable: "slawatch", EnvConfigParameter: "/slawatch/config", EnvSecretsARN: arn}
	e, err := load(context.Background(), "webhook", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Secret("DESK_SECRET"); v != "s3cret" || !ok || e.Config.Sources["desk"].SecretEnv != "DESK_SECRET" {
		t.Errorf("secret %q %v, config %+v", v, ok, e.Config.Sources)
	}

	// The parameter is missing and the secret's endpoint never answers:
	// the cold start fails at once with the parameter's error.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hang.Close()
	defer close(release) // before Close, which waits for the handler
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", hang.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", fake.URL)
	vars[EnvConfigParameter] = "/none"
	start := time.Now()
	_, err = load(context.Background(), "webhook", func(k string) string { return vars[k] })
	if err == nil || !strings.Contains(err.Error(), "ParameterNotFound") {
		t.Errorf("error %v, want the parameter's", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the failed cold start took %v: it waited for the secret", d)
	}
}
