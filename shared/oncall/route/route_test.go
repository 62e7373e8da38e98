package route

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
	"github.com/slawatch/slawatch/shared/oncall/teams"
	"github.com/slawatch/slawatch/shared/policy"
)

func TestRouter(t *testing.T) {
	cfg, err := policy.Parse([]byte(`policies:
  - name: p
    team: billing
    first_response: {within: 1h}
integrations:
  pagerduty:
    teams:
      billing: {routing_key_env: PD_BILLING}
  teams:
    webhook_url_env: TEAMS_URL
    kinds: [sla.warning]
`))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"PD_BILLING": "0123456789abcdef0123456789abcdef", "TEAMS_URL": "https://example.test/hook?sig=s"}
	r := &Router{Integrations: cfg.Integrations, Builders: Builtin(http.DefaultClient, time.Now, nil),
		Secret: func(n string) (string, bool) { v, ok := secrets[n]; return v, ok }}
	breach := notify.Document{Kind: notify.KindBreach, Team: "billing"}
	warning := notify.Document{Kind: notify.KindWarning, Team: "billing"}

	s, ok, err := r.Sender("pagerduty", breach)
	if pd, isPD := s.(*pagerduty.Sender); !ok || err != nil || !isPD || pd.RoutingKey != secrets["PD_BILLING"] {
		t.Fatalf("pagerduty for billing's breach: %#v, %v, %v", s, ok, err)
	}
	if again, _, _ := r.Sender("pagerduty", breach); again != s {
		t.Error("the sender was built twice")
	}
	// PagerDuty's default kinds leave out warnings; Teams here takes only them.
	for _, tt := range []struct {
		tool string
		d    notify.Document
		want bool
	}{
		{"pagerduty", warning, false},
		{"pagerduty", notify.Document{Kind: notify.KindRecovered, Team: "billing"}, true},
		{"pagerduty", notify.Document{Kind: notify.KindBreach, Team: "support"}, false}, // no destination for support
		{"teams", warning, true},
		{"teams", breach, false},
		{"opsgenie", breach, false}, // not configured
	} {
		_, ok, err := r.Sender(tt.tool, tt.d)
		if ok != tt.want || err != nil {
			t.Errorf("%s %s/%s: ok %v, %v; want %v", tt.tool, tt.d.Kind, tt.d.Team, ok, err, tt.want)
		}
	}
	if s, _, _ := r.Sender("teams", warning); s.(*teams.Sender).URL != secrets["TEAMS_URL"] {
		t.Error("teams URL not from its secret")
	}

	delete(secrets, "PD_BILLING")
	r2 := &Router{Integrations: cfg.Integrations, Builders: Builtin(nil, nil, nil), Secret: r.Secret}
	if _, ok, err := r2.Sender("pagerduty", breach); ok || !errors.Is(err, ErrNoCredential) {
		t.Errorf("missing key: ok %v, %v; want ErrNoCredential", ok, err)
	}
}
