package ack_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
)

// compile parses a configuration and compiles its templates, as the
// programs that send acknowledgements do.
func compile(t *testing.T, doc string) (*policy.Config, ack.Templates) {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v\nconfig:\n%s", err, doc)
	}
	tpl, err := ack.Compile(c.Acks)
	if err != nil {
		t.Fatalf("Compile: %v\nconfig:\n%s", err, doc)
	}
	return c, tpl
}

// configErrors returns the problems of a configuration the test expects to
// be refused, by policy.Parse or, for a valid file, by ack.Compile: the
// two report in the same form.
func configErrors(t *testing.T, doc string) policy.Errors {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err == nil {
		_, err = ack.Compile(c.Acks)
	}
	var errs policy.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not policy.Errors: %v\nconfig:\n%s", err, err, doc)
	}
	return errs
}

// ackPolicies completes a configuration that tests acknowledgements.
const ackPolicies = "policies:\n  - name: a\n    first_response: {within: 1h}\n"

func TestAcknowledgementsDefault(t *testing.T) {
	for _, doc := range []string{ackPolicies, "acknowledgements: {}\n" + ackPolicies} {
		c, tpl := compile(t, doc)
		if !c.Acks.Enabled || c.Acks.Quantile != 0.9 {
			t.Errorf("%q: Acks = enabled %v, quantile %v; want true, 0.9", doc, c.Acks.Enabled, c.Acks.Quantile)
		}
		if tpl.Text(ack.ClassEmail) != ack.DefaultEmail || tpl.Text(ack.ClassRealtime) != ack.DefaultRealtime {
			t.Errorf("%q: templates are not the defaults", doc)
		}
	}
	if c := policy.Default(); !c.Acks.Enabled || c.Acks.Quantile != 0.9 {
		t.Errorf("default config: Acks = %+v", c.Acks)
	}
}

func TestAcknowledgementsConfig(t *testing.T) {
	c, tpl := compile(t, `acknowledgements:
  enabled: false
  quantile: 0.75
  team_name: Northwind Support
  max_age: 30m
  blame_phrases: ["hang tight", "Thanks for reaching out!"]
  templates:
    email: |
      Hello,

      Your message reached us{{with .TicketID}} as ticket {{.}}{{end}}.
      {{if .ClosedNow}}We are back {{.OpensAt}}. {{end}}A person will answer {{.Promise}}.
    realtime: "Got it. A person replies {{ .Promise }}."
`+ackPolicies)
	if c.Acks.Enabled || c.Acks.Quantile != 0.75 || c.Acks.TeamName != "Northwind Support" || c.Acks.MaxAge != 30*time.Minute {
		t.Errorf("Acks = enabled %v, quantile %v, team %q, max age %v; want false, 0.75, Northwind Support, 30m",
			c.Acks.Enabled, c.Acks.Quantile, c.Acks.TeamName, c.Acks.MaxAge)
	}
	got, err := tpl.Render(event.Email, ack.Data{Promise: "by Monday 11:00 (EST)", ClosedNow: true, OpensAt: "Monday 09:00 EST", TicketID: "7"})
	want := "Hello,\n\nYour message reached us as ticket 7.\nWe are back Monday 09:00 EST. A person will answer by Monday 11:00 (EST)."
	if err != nil || got != want {
		t.Errorf("email = %q, %v\nwant %q", got, err, want)
	}
	got, err = tpl.Render(event.SMS, ack.Data{Promise: "within 1 hour"})
	if want := "Got it. A person replies within 1 hour."; err != nil || got != want {
		t.Errorf("sms = %q, %v\nwant %q", got, err, want)
	}
	// Only email given: realtime keeps the default.
	c, tpl = compile(t, "acknowledgements:\n  templates:\n    email: \"A person replies {{.Promise}}.\"\n"+ackPolicies)
	if tpl.Text(ack.ClassRealtime) != ack.DefaultRealtime || !c.Acks.Enabled {
		t.Errorf("realtime template %q, enabled %v", tpl.Text(ack.ClassRealtime), c.Acks.Enabled)
	}
}

func TestAcknowledgementsErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // error prefixes, in order
	}{
		{"blame phrase in a literal block, on its own line", `acknowledgements:
  templates:
    email: |
      Hello,

      Thanks for your message.
      We are receiving an unusually high volume of requests.
      You'll hear from us {{.Promise}}.
`, []string{`line 7: acknowledgements.templates.email: blame phrase "we are receiving an unusually high volume of requests": blames the volume`}},
		{"several phrases, with their lines", `acknowledgements:
  templates:
    email: |
      Due to high demand,
      please be patient.
      A person replies {{.Promise}}.
`, []string{
			`line 4: acknowledgements.templates.email: blame phrase "due to high demand"`,
			`line 5: acknowledgements.templates.email: blame phrase "please be patient"`,
		}},
		{"one-line template", `acknowledgements:
  templates:
    realtime: "Unusually-high volume! We reply {{.Promise}}."
`, []string{`line 3: acknowledgements.templates.realtime: blame phrase "unusually high volume" (written "Unusually-high volume"): blames`}},
		{"canned time in a folded block: the block's line", `acknowledgements:
  templates:
    email: >
      Thanks. We reply
      within 24 hours, by {{.Promise}}.
`, []string{`line 3: acknowledgements.templates.email: canned time "within 24 hours"`}},
		{"configured phrase", `acknowledgements:
  blame_phrases: [sorry for the wait]
  templates:
    realtime: "Sorry for the wait! A person replies {{.Promise}}."
`, []string{`line 4: acknowledgements.templates.realtime: blame phrase "sorry for the wait": listed in blame_phrases`}},
		{"configured phrase in a built-in template", `acknowledgements:
  blame_phrases:
    - fine
    - "Reached us"
`, []string{
			`line 4: acknowledgements.blame_phrases[1]: the built-in email template has it: blame phrase "reached us": listed in blame_phrases; write acknowledgements.templates.email or drop the phrase`,
			`line 4: acknowledgements.blame_phrases[1]: the built-in realtime template has it: blame phrase "reached us"`,
		}},
		{"no time", `acknowledgements:
  templates:
    email: "Thanks, we got your message."
`, []string{`line 3: acknowledgements.templates.email: does not state the reply time`}},
		{"unknown field, on its line", `acknowledgements:
  templates:
    email: |
      Hi {{.CustomerName}},
      a person replies {{.Promise}}.
`, []string{`line 4: acknowledgements.templates.email: unknown field .CustomerName`}},
		{"does not parse, on its line", `acknowledgements:
  templates:
    email: |
      Hi,
      a person replies {{.Promise}.
`, []string{`line 5: acknowledgements.templates.email: does not parse: line 2 of the template:`}},
		{"too long for an SMS", `acknowledgements:
  templates:
    realtime: "Thank you very much for your message to the {{.TeamName}} team. We have it, and it is filed as ticket {{.TicketID}}. A person will reply {{.Promise}}."
`, []string{`line 3: acknowledgements.templates.realtime: too long for one SMS`}},
		{"unknown class", `acknowledgements:
  templates:
    sms: "x {{.Promise}}"
`, []string{`line 3: acknowledgements.templates.sms: unknown key "sms" (known keys: email, realtime)`}},
		{"template not a string", `acknowledgements:
  templates:
    email: [a, b]
`, []string{`line 3: acknowledgements.templates.email: want a string, got a list`}},
		{"quantile out of range", "acknowledgements:\n  quantile: 1.5\n", []string{`line 2: acknowledgements.quantile: want a number between 0 and 1 (exclusive), such as 0.9 for nine in ten, got "1.5"`}},
		{"quantile zero", "acknowledgements:\n  quantile: 0\n", []string{`line 2: acknowledgements.quantile: want a number between 0 and 1`}},
		{"quantile a percentage", "acknowledgements:\n  quantile: 90%\n", []string{`line 2: acknowledgements.quantile: want a number between 0 and 1 (exclusive), such as 0.9 for nine in ten, got "90%"`}},
		{"quantile not a number", "acknowledgements:\n  quantile: [0.9]\n", []string{`line 2: acknowledgements.quantile: want a number between 0 and 1 (exclusive), such as 0.9 for nine in ten, got a list`}},
		{"enabled not a bool", "acknowledgements:\n  enabled: maybe\n", []string{`line 2: acknowledgements.enabled: want true or false, got "maybe"`}},
		{"blame_phrases not a list", "acknowledgements:\n  blame_phrases: high volume\n", []string{`line 2: acknowledgements.blame_phrases: want a list of phrases, got "high volume"`}},
		{"empty phrase", "acknowledgements:\n  blame_phrases: [ok, \"?!\"]\n", []string{`line 2: acknowledgements.blame_phrases[1]: phrase "?!" has no letters or digits to match`}},
		{"max age not positive", "acknowledgements:\n  max_age: 0s\n", []string{`line 2: acknowledgements.max_age: duration "0s" must be positive`}},
		{"unknown key", "acknowledgements:\n  enable: true\n", []string{`line 2: acknowledgements.enable: unknown key "enable" (known keys: templates, blame_phrases, quantile, enabled, team_name, max_age)`}},
		{"not a mapping", "acknowledgements: yes\n", []string{`line 1: acknowledgements: want a mapping, got "yes"`}},
	}
	for _, tt := range tests {
		errs := configErrors(t, tt.doc+ackPolicies)
		if len(errs) != len(tt.want) {
			t.Errorf("%s: got %d errors, want %d:\n%v", tt.name, len(errs), len(tt.want), errs)
			continue
		}
		for i, w := range tt.want {
			if !strings.HasPrefix(errs[i].Error(), w) {
				t.Errorf("%s: error %d:\ngot  %s\nwant %s…", tt.name, i, errs[i], w)
			}
		}
	}
}
