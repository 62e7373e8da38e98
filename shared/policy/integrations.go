package policy

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Tools are the on-call tools alerts can be delivered into (package
// oncall): the keys of the integrations section.
var Tools = []string{"pagerduty", "opsgenie", "slack", "teams"}

// credentials names, per tool, the settings that hold a credential. The
// configuration holds only the name of the environment variable (or key of
// the Secrets Manager secret) that has it, never the credential: these
// keys end in _env.
var credentials = map[string][]string{
	"pagerduty": {"routing_key_env", "webhook_secret_env"},
	"opsgenie":  {"api_key_env", "webhook_secret_env"},
	"slack":     {"bot_token_env", "signing_secret_env", "webhook_url_env"},
	"teams":     {"webhook_url_env"},
}

// required names, per tool, the credential a destination cannot deliver
// without (one of them, for Slack's two modes).
var required = map[string]string{
	"pagerduty": "routing_key_env",
	"opsgenie":  "api_key_env",
	"slack":     "bot_token_env or webhook_url_env",
	"teams":     "webhook_url_env",
}

// Integration configures delivery of alerts into one on-call tool.
type Integration struct {
	Tool string
	// Default is where alerts of a team without its own entry go; Teams,
	// per team. A team with neither gets nothing from this tool.
	Default *Destination
	Teams   map[string]Destination
	// Kinds limits the alert kinds delivered; empty: the tool's default
	// (oncall.DefaultKinds).
	Kinds []string
	At    Location
}

// Destination is one destination in a tool: the names of the environment
// variables holding its credentials (by setting, e.g. "routing_key_env"),
// and the tool's own settings.
type Destination struct {
	Env     map[string]string
	Channel string // slack: the channel to post in (app mode)
	Region  string // opsgenie: us or eu
}

// Secrets lists the names of every destination's credential set under
// key (e.g. "webhook_secret_env"): a tool's webhook may come from any of
// them, and is verified against each.
func (in *Integration) Secrets(key string) []string {
	var out []string
	add := func(d Destination) {
		if v := d.Env[key]; v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if in.Default != nil {
		add(*in.Default)
	}
	for _, team := range slices.Sorted(maps.Keys(in.Teams)) {
		add(in.Teams[team])
	}
	return out
}

// For returns where team's alerts go in this tool.
func (in *Integration) For(team string) (Destination, bool) {
	if t, ok := in.Teams[team]; ok {
		return t, true
	}
	if in.Default != nil {
		return *in.Default, true
	}
	return Destination{}, false
}

// integrations reads the integrations section:
//
//	integrations:
//	  pagerduty:
//	    routing_key_env: SLAWATCH_PAGERDUTY_ROUTING_KEY
//	    teams: {billing: {routing_key_env: SLAWATCH_PAGERDUTY_BILLING_KEY}}
//	    kinds: [sla.breach, sla.escalation, sla.recovered, sla.breach_digest]
func (r *reader) integrations(n *yaml.Node, path string) map[string]*Integration {
	out := map[string]*Integration{}
	for _, f := range r.fields(n, path, Tools...) {
		in := &Integration{Tool: f.key, At: Location{Path: f.path, Line: f.node.Line}}
		top := r.destination(f.key, f.node, f.path, "teams", "kinds")
		if len(top.Env) > 0 || top.Channel != "" || top.Region != "" {
			in.Default = &top
		}
		for _, g := range r.fields(f.node, f.path) {
			switch g.key {
			case "teams":
				in.Teams = map[string]Destination{}
				for _, tf := range r.fields(g.node, g.path) {
					in.Teams[tf.key] = r.destination(f.key, tf.node, tf.path)
				}
			case "kinds":
				for _, k := range r.strs(g.node, g.path) {
					if !slices.Contains(AlertKinds, k) {
						r.fail(g.node, g.path, "unknown alert kind %q (known: %s)", k, strings.Join(AlertKinds, ", "))
					}
					in.Kinds = append(in.Kinds, k)
				}
			}
		}
		if in.Default == nil && len(in.Teams) == 0 {
			r.fail(f.node, f.path, "%s: give its credentials (%s), for every team or per team under teams", f.key, required[f.key])
		}
		out[f.key] = in
	}
	return out
}

// AlertKinds are the kinds of alert an integration may be limited to.
var AlertKinds = []string{"sla.warning", "sla.predicted_breach", "sla.breach", "sla.escalation", "sla.recovered", "sla.breach_digest",
	"sla.source_silent", "sla.source_back", "sla.source_rejected", "sla.config_refused"}

// destination reads one destination of tool; skip names the keys of the
// enclosing mapping that are not part of it.
func (r *reader) destination(tool string, n *yaml.Node, path string, skip ...string) Destination {
	t := Destination{Env: map[string]string{}}
	known := append(slices.Clone(credentials[tool]), skip...)
	switch tool {
	case "slack":
		known = append(known, "channel")
	case "opsgenie":
		known = append(known, "region")
	}
	for _, f := range r.fields(n, path, known...) {
		switch {
		case slices.Contains(skip, f.key):
		case f.key == "channel":
			t.Channel = r.str(f.node, f.path)
		case f.key == "region":
			t.Region = r.str(f.node, f.path)
			if t.Region != "us" && t.Region != "eu" {
				r.fail(f.node, f.path, "want us or eu, got %q", t.Region)
			}
		default: // a credential's variable name
			v := r.str(f.node, f.path)
			if !isEnvName(v) && isString(f.node) {
				// Not echoed: the value may be the credential itself.
				r.fail(f.node, f.path, "want the name of the environment variable (or secret key) that holds the credential, such as SLAWATCH_%s, not the credential itself",
					strings.ToUpper(strings.TrimSuffix(tool+"_"+f.key, "_env")))
				continue
			}
			t.Env[f.key] = v
		}
	}
	if len(t.Env) > 0 && !slices.ContainsFunc(strings.Split(required[tool], " or "), func(k string) bool { return t.Env[k] != "" }) {
		r.fail(n, path, "%s: %s is needed to deliver", tool, required[tool])
	}
	if tool == "slack" && t.Env["bot_token_env"] != "" && t.Env["webhook_url_env"] != "" {
		r.fail(n, path, "slack: give bot_token_env (a Slack app: one message per ticket, edited, with buttons) or webhook_url_env (an incoming webhook), not both")
	}
	if tool == "slack" && t.Env["bot_token_env"] != "" && t.Channel == "" {
		r.fail(n, path, "slack: a bot token needs the channel to post in")
	}
	return t
}
