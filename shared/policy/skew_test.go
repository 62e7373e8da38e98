package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

func TestSourceMaxFutureSkew(t *testing.T) {
	c := mustParse(t, `sources:
  zendesk: {max_future_skew: 2h}
  jira: {max_future_skew: 72h}
  generic: {}
policies:
  - name: a
    first_response: {within: 1h}
`)
	for name, want := range map[string]time.Duration{"zendesk": 2 * time.Hour, "jira": 72 * time.Hour, "generic": 0} {
		if got := c.Sources[name].MaxFutureSkew; got != want {
			t.Errorf("source %s: MaxFutureSkew %v, want %v", name, got, want)
		}
	}
	for value, want := range map[string]string{
		"0":     `line 2: sources.zendesk.max_future_skew: duration "0" must be positive`,
		"-1h":   `line 2: sources.zendesk.max_future_skew: duration "-1h" must be positive`,
		"a day": `line 2: sources.zendesk.max_future_skew: bad duration "a day"`,
		"[1h]":  `line 2: sources.zendesk.max_future_skew:`,
	} {
		_, err := policy.Parse([]byte("sources:\n  zendesk: {max_future_skew: " + value + "}\npolicies:\n  - name: a\n    first_response: {within: 1h}\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("max_future_skew: %s: error %v, want %q", value, err, want)
		}
	}
}
