package lambdaenv

import (
	"context"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/lambdaenv/lambdaenvtest"
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
	if aws.Calls("GetSecretValue") != 1 || aws.Calls("GetParameter") != 1 {
		t.Errorf("calls: %d GetSecretValue, %d GetParameter", aws.Calls("GetSecretValue"), aws.Calls("GetParameter"))
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
