// Package route decides which on-call tools an alert goes to, from the
// configuration's integrations section, and builds each tool's sender with
// its credentials. The Lambda function behind each tool's subscription and
// the local server's in-process delivery share it.
package route

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
	"github.com/slawatch/slawatch/shared/oncall/teams"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// DefaultKinds are the alert kinds a tool gets when its configuration
// names none. Paging tools get no warnings: PagerDuty fixes an incident's
// urgency when the incident opens, so a warning would open a low-urgency
// incident that the breach could not turn into a page
// (docs/integrations/pagerduty.md). Chat tools get everything.
var DefaultKinds = map[string][]string{
	"pagerduty": pagingKinds,
	"opsgenie":  pagingKinds,
}

var pagingKinds = []string{notify.KindBreach, notify.KindEscalation, notify.KindRecovered, notify.KindBreachDigest,
	notify.KindSourceSilent, notify.KindSourceBack, notify.KindSourceRejected, notify.KindConfigRefused}

// ErrNoCredential: a destination's credential is not set.
var ErrNoCredential = errors.New("route: credential not set")

// Builder makes the sender of one destination of a tool; secret reads a
// credential by the name the configuration gives.
type Builder func(dst policy.Destination, secret func(name string) (string, bool)) (oncall.Sender, error)

// Router picks and builds senders. Senders are built once per destination
// and reused.
type Router struct {
	Integrations map[string]*policy.Integration
	Secret       func(name string) (string, bool)
	Builders     map[string]Builder // by tool; Builtin's by default
	// Docs keeps each clock's recovered alert for the tools with
	// incidents, so that alerts delivered after it do not reopen the
	// incident (incidentOrder). Nil: order is trusted.
	Docs store.Docs

	mu    sync.Mutex
	cache map[string]oncall.Sender
}

// Builtin returns the builders of the tools that need nothing but their
// credentials: PagerDuty, Opsgenie and Microsoft Teams. Slack needs its
// message store too: its builder is added by the caller. endpoints
// replaces a tool's API address (its base URL, by tool name), for tests
// and local runs against a stand-in; nil: the real ones.
func Builtin(client *http.Client, now func() time.Time, endpoints map[string]string) map[string]Builder {
	return map[string]Builder{
		"pagerduty": func(dst policy.Destination, secret func(string) (string, bool)) (oncall.Sender, error) {
			k, err := credential(dst, secret, "routing_key_env")
			return &pagerduty.Sender{RoutingKey: k, URL: endpoints["pagerduty"], Client: client, Now: now}, err
		},
		"opsgenie": func(dst policy.Destination, secret func(string) (string, bool)) (oncall.Sender, error) {
			k, err := credential(dst, secret, "api_key_env")
			return &opsgenie.Sender{APIKey: k, Region: dst.Region, BaseURL: endpoints["opsgenie"], Client: client, Now: now}, err
		},
		"teams": func(dst policy.Destination, secret func(string) (string, bool)) (oncall.Sender, error) {
			u, err := credential(dst, secret, "webhook_url_env")
			return &teams.Sender{URL: u, Client: client, Now: now}, err
		},
	}
}

// Endpoints reads SLAWATCH_<TOOL>_URL for each tool: a stand-in for its
// API (PagerDuty: the full enqueue URL; Opsgenie, Slack: the API base;
// Teams has its URL in its credential). The tests point tools at their
// contract servers with it; unset, the real APIs are used.
func Endpoints(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, tool := range policy.Tools {
		if v := getenv("SLAWATCH_" + strings.ToUpper(tool) + "_URL"); v != "" {
			out[tool] = v
		}
	}
	return out
}

// credential reads the credential a destination names under key.
func credential(dst policy.Destination, secret func(string) (string, bool), key string) (string, error) {
	name := dst.Env[key]
	v, ok := secret(name)
	if !ok || v == "" {
		return "", fmt.Errorf("%w: %s (%s)", ErrNoCredential, name, key)
	}
	return v, nil
}

// Wants reports whether tool takes alerts of d's kind.
func (r *Router) Wants(tool string, d notify.Document) bool {
	in := r.Integrations[tool]
	if in == nil {
		return false
	}
	kinds := in.Kinds
	if len(kinds) == 0 {
		kinds = DefaultKinds[tool]
	}
	return len(kinds) == 0 || slices.Contains(kinds, d.Kind)
}

// Sender returns tool's sender for d's team; ok is false when the tool is
// not configured, does not take d's kind, or has no destination for the
// team. An error means the destination is configured but unusable (its
// credential is missing): a delivery failure to record and alert on.
func (r *Router) Sender(tool string, d notify.Document) (s oncall.Sender, ok bool, err error) {
	if !r.Wants(tool, d) {
		return nil, false, nil
	}
	dst, ok := r.Integrations[tool].For(d.Team)
	if !ok {
		return nil, false, nil
	}
	key := tool + "\x00" + d.Team
	if _, own := r.Integrations[tool].Teams[d.Team]; !own {
		key = tool + "\x00" // the default destination, shared by teams
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.cache[key]; ok {
		return s, true, nil
	}
	build := r.Builders[tool]
	if build == nil {
		return nil, false, fmt.Errorf("route: no sender for %s", tool)
	}
	s, err = build(dst, r.Secret)
	if err != nil {
		return nil, false, fmt.Errorf("route: %s for team %q: %w", tool, d.Team, err)
	}
	if r.Docs != nil && incidentTools[tool] {
		s = &incidentOrder{next: s, docs: r.Docs, tool: tool}
	}
	if r.cache == nil {
		r.cache = map[string]oncall.Sender{}
	}
	r.cache[key] = s
	return s, true, nil
}
