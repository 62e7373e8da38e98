package policy

import (
	"strings"
	"testing"
)

const integrationsBase = "policies:\n  - name: p\n    team: billing\n    first_response: {within: 1h}\n"

func TestIntegrationsParsed(t *testing.T) {
	cfg, err := Parse([]byte(integrationsBase + `
integrations:
  pagerduty:
    routing_key_env: SLAWATCH_PAGERDUTY_ROUTING_KEY
    teams:
      billing: {routing_key_env: SLAWATCH_PAGERDUTY_BILLING}
    kinds: [sla.breach, sla.recovered]
  opsgenie: {api_key_env: OG_KEY, region: eu}
  slack:
    teams:
      billing: {bot_token_env: SLACK_TOKEN, signing_secret_env: SLACK_SIGNING, channel: "#billing-sla"}
  teams: {webhook_url_env: TEAMS_URL}
`))
	if err != nil {
		t.Fatal(err)
	}
	pd := cfg.Integrations["pagerduty"]
	if got, _ := pd.For("billing"); got.Env["routing_key_env"] != "SLAWATCH_PAGERDUTY_BILLING" {
		t.Errorf("billing's PagerDuty key: %+v", got)
	}
	if got, _ := pd.For("support"); got.Env["routing_key_env"] != "SLAWATCH_PAGERDUTY_ROUTING_KEY" {
		t.Errorf("support falls back to the default: %+v", got)
	}
	if strings.Join(pd.Kinds, ",") != "sla.breach,sla.recovered" {
		t.Errorf("kinds %v", pd.Kinds)
	}
	if got, _ := cfg.Integrations["opsgenie"].For("x"); got.Region != "eu" || got.Env["api_key_env"] != "OG_KEY" {
		t.Errorf("opsgenie: %+v", got)
	}
	if _, ok := cfg.Integrations["slack"].For("support"); ok {
		t.Error("slack has no default: support gets nothing")
	}
	if got, _ := cfg.Integrations["slack"].For("billing"); got.Channel != "#billing-sla" || got.Env["signing_secret_env"] != "SLACK_SIGNING" {
		t.Errorf("slack billing: %+v", got)
	}
}

func TestIntegrationsRefused(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"integrations:\n  pagerduty: {routing_key: R0123456789abcdef}\n", `unknown key "routing_key"`},
		{"integrations:\n  pagerduty: {routing_key_env: r0123456789abcdefsecret}\n", "not the credential itself"},
		{"integrations:\n  pagerduty: {}\n", "give its credentials (routing_key_env)"},
		{"integrations:\n  opsgenie: {api_key_env: K, region: ap}\n", "want us or eu"},
		{"integrations:\n  slack: {bot_token_env: T}\n", "needs the channel"},
		{"integrations:\n  slack: {bot_token_env: T, webhook_url_env: U, channel: x}\n", "not both"},
		{"integrations:\n  pagerduty: {routing_key_env: K, kinds: [sla.page]}\n", `unknown alert kind "sla.page"`},
		{"integrations:\n  victorops: {key_env: K}\n", `unknown key "victorops"`},
		{"integrations:\n  pagerduty: {webhook_secret_env: W}\n", "routing_key_env is needed to deliver"},
		{"integrations:\n  slack: {signing_secret_env: W}\n", "bot_token_env or webhook_url_env is needed"},
	} {
		_, err := Parse([]byte(integrationsBase + tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.doc, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "abcdef") {
			t.Errorf("the error echoes what may be a credential: %v", err)
		}
	}
}

func TestReservedSourceNames(t *testing.T) {
	_, err := Parse([]byte("sources:\n  slack-actions: {provider: generic}\n" + integrationsBase))
	if err == nil || !strings.Contains(err.Error(), `source name "slack-actions" is taken`) {
		t.Errorf("err %v", err)
	}
}
