package ack_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

var (
	open = ack.Data{
		Promise:    "within 2 hours",
		PromisedBy: time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC),
		TeamName:   "Acme Support",
		TicketID:   "4711",
	}
	closed = ack.Data{
		Promise:    "by Monday 11:00 (EST)",
		PromisedBy: time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC),
		ClosedNow:  true,
		OpensAt:    "Monday 09:00 EST",
		TeamName:   "Acme Support",
		TicketID:   "4711",
	}
)

func TestDefaultRenderExact(t *testing.T) {
	tests := []struct {
		channel event.Channel
		data    ack.Data
		want    string
	}{
		{event.Email, closed, `Hello,

Thanks for your message — it reached us and is filed as ticket 4711.

Our team is offline right now and back Monday 09:00 EST. You'll hear from a person by Monday 11:00 (EST).

There is no need to write again. If you have more details, reply to this message and they will join the same conversation.

Acme Support`},
		{event.Web, ack.Data{Promise: "within 8 hours"}, `Hello,

Thanks for your message — it reached us.

You'll hear from a person on our team within 8 hours.

There is no need to write again. If you have more details, reply to this message and they will join the same conversation.

The support team`},
		{event.SMS, closed, "Thanks, your message reached us. We're offline now and back Monday 09:00 EST; a person will reply by Monday 11:00 (EST)."},
		{event.Chat, open, "Thanks, your message reached us. A person from our team will reply within 2 hours."},
	}
	for _, tt := range tests {
		got, err := ack.Default().Render(tt.channel, tt.data)
		if err != nil {
			t.Errorf("Render(%s): %v", tt.channel, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Render(%s, closed=%v):\ngot:\n%s\nwant:\n%s", tt.channel, tt.data.ClosedNow, got, tt.want)
		}
	}
}

func TestDefaultRenderEveryChannel(t *testing.T) {
	for _, ch := range append(event.Channels(), "") {
		for _, d := range []ack.Data{open, closed} {
			got, err := ack.Default().Render(ch, d)
			if err != nil {
				t.Errorf("Render(%q, closed=%v): %v", ch, d.ClosedNow, err)
				continue
			}
			if !strings.Contains(got, d.Promise) {
				t.Errorf("Render(%q, closed=%v) lacks the promise %q:\n%s", ch, d.ClosedNow, d.Promise, got)
			}
			if long := strings.HasPrefix(got, "Hello,\n"); long == ch.RealTime() {
				t.Errorf("Render(%q) chose the wrong form (long %v):\n%s", ch, long, got)
			}
			if d.ClosedNow && !strings.Contains(got, d.OpensAt) {
				t.Errorf("Render(%q, closed) does not say when the team is back:\n%s", ch, got)
			}
			// What the customer reads: no internal marker (SNS publishes
			// exactly this; write-back hides it in an HTML comment).
			if strings.Contains(got, provider.AckMarker) || strings.Contains(got, "ref:") {
				t.Errorf("Render(%q, closed=%v) shows a marker to the customer:\n%s", ch, d.ClosedNow, got)
			}
		}
	}
}

// The zero Templates renders the defaults.
func TestZeroTemplates(t *testing.T) {
	var zero ack.Templates
	got, err := zero.Render(event.Chat, open)
	want, _ := ack.Default().Render(event.Chat, open)
	if err != nil || got != want {
		t.Errorf("zero Templates: %q, %v; want %q", got, err, want)
	}
	if zero.Text(ack.ClassEmail) != ack.DefaultEmail {
		t.Errorf("zero Templates Text(email) is not the default")
	}
}

func TestSMSLength(t *testing.T) {
	// Long but realistic: long day names, time-zone abbreviations, promises.
	long := []ack.Data{
		{Promise: "by Wednesday 11:00 (your time)", ClosedNow: true, OpensAt: "Wednesday 09:00 AEDT", TeamName: "Northwind Traders Customer Care", TicketID: "#12345678"},
		{Promise: "by Saturday 10:30 (your time)", ClosedNow: true, OpensAt: "Saturday 08:30 ACDT", TicketID: "98765432"},
		{Promise: "within 45 minutes", TeamName: "Northwind Traders Customer Care"},
	}
	for _, ch := range []event.Channel{event.SMS, event.Chat, event.Messaging, event.Social, event.Phone} {
		for _, d := range long {
			got, err := ack.Default().Render(ch, d)
			if err != nil {
				t.Fatalf("Render(%s): %v", ch, err)
			}
			if n := utf8.RuneCountInString(got); n > 160 {
				t.Errorf("Render(%s) is %d characters, over one SMS:\n%s", ch, n, got)
			}
			for _, r := range got {
				if r > 0x7e && r != '\n' { // plain ASCII is inside GSM 7-bit
					t.Errorf("Render(%s) has %q, outside the GSM alphabet", ch, r)
				}
			}
		}
	}
}

// lintMsgs returns the messages of Lint's errors.
func lintMsgs(t *testing.T, name, text string, extra []string) []string {
	t.Helper()
	var out []string
	for _, err := range ack.Lint(name, text, extra) {
		var le *ack.LintError
		if !errors.As(err, &le) {
			t.Fatalf("Lint error %T is not a *LintError: %v", err, err)
		}
		if le.Template != name || !strings.HasPrefix(err.Error(), `template "`+name+`": `) {
			t.Errorf("error does not name the template %q: %v", name, err)
		}
		out = append(out, le.Msg)
	}
	return out
}

func wrap(phrase string) string {
	return "Thanks for writing. " + phrase + ". You'll hear from a person {{.Promise}}."
}

func TestLintEveryBuiltinPhrase(t *testing.T) {
	variants := []struct {
		name string
		f    func(string) string
	}{
		{"as listed", func(s string) string { return s }},
		{"upper case", strings.ToUpper},
		{"title case", func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }},
		{"hyphens", func(s string) string { return strings.ReplaceAll(s, " ", "-") }},
		{"white space", func(s string) string { return strings.ReplaceAll(s, " ", " \n\t ") }},
		{"punctuation", func(s string) string { return "«" + strings.ReplaceAll(s, " ", ", ") + "!»" }},
	}
	for _, p := range ack.Phrases() {
		for _, v := range variants {
			msgs := lintMsgs(t, "email", wrap(v.f(p.Text)), nil)
			if len(msgs) != 1 || !strings.Contains(msgs[0], `"`+ack.Normalize(p.Text)+`"`) {
				t.Errorf("phrase %q (%s, %s): got %q", p.Text, p.Category, v.name, msgs)
			}
		}
	}
}

func TestLintPhrases(t *testing.T) {
	tests := []struct {
		text  string
		extra []string
		want  []string // message prefixes, in order
	}{
		// The phrases from the brief, as bad auto-replies write them.
		{wrap("We are receiving an unusually high volume of requests"), nil, []string{`blame phrase "we are receiving an unusually high volume of requests"`}},
		{wrap("Due to HIGH DEMAND, replies may take longer"), nil, []string{`blame phrase "due to high demand": blames the volume`}},
		{wrap("Please be patient"), nil, []string{`blame phrase "please be patient"`}},
		{wrap("We're experiencing longer-than-normal wait times"), nil, []string{`blame phrase "we re experiencing longer than normal wait times" (written "We're experiencing longer-than-normal wait times")`}},
		{wrap("Your call is important to us"), nil, []string{`blame phrase "your call is important to us"`}},
		{wrap("we are receiving too many calls"), nil, []string{`blame phrase "we are receiving too many calls"`}},
		// Plural and typographic punctuation.
		{wrap("We see high volumes today"), nil, []string{`blame phrase "high volume" (written "high volumes")`}},
		{wrap("Thank you for your patience"), nil, []string{`blame phrase "your patience"`}},
		{wrap("we’ll answer ASAP"), nil, []string{`empty promise "asap": promises no time`}},
		{wrap("Your ticket will be handled in the order it was received"), nil, []string{`empty promise "in the order it was received"`}},
		{wrap("Sending duplicate tickets will delay your reply"), nil, []string{`blame phrase "duplicate tickets"`, `blame phrase "delay your"`}},
		// Canned times, written into the text.
		{wrap("We reply within 24 hours"), nil, []string{`canned time "within 24 hours"`}},
		{wrap("Expect an answer in 24–48 hours"), nil, []string{`canned time "in 24–48 hours"`}},
		{wrap("Allow 1-2 business days"), nil, []string{`canned time "1-2 business days"`}},
		{wrap("We answer within one business day"), nil, []string{`canned time "within one business day"`}},
		{wrap("Someone will be with you within the hour"), nil, []string{`canned time "within the hour"`}},
		{wrap("Our 24-hour turnaround"), nil, []string{`canned time "24-hour turnaround"`}},
		// Several faults, each reported once, in order.
		{"Due to high demand, please be patient. We answer {{.Promise}}. High demand!", nil, []string{`blame phrase "due to high demand"`, `blame phrase "please be patient"`, `blame phrase "high demand"`}},
		// Built from actions: found in the rendered text.
		{`We are {{"extremely"}} busy. {{.Promise}}`, nil, []string{`blame phrase "extremely busy"`}},
		// In a branch sample data may not take: found in the template tree.
		{`{{if eq .Channel "fax"}}Bear with us.{{end}}You'll hear from us {{.Promise}}.`, nil, []string{`blame phrase "bear with us"`}},
		// A comment is never sent.
		{`{{/* never say "as soon as possible" */}}You'll hear from us {{.Promise}}.`, nil, nil},
		// Extra phrases.
		{wrap("We apologize for the inconvenience"), nil, nil},
		{wrap("We apologize for the inconvenience"), []string{"apologize for the inconvenience", "  "}, []string{`blame phrase "apologize for the inconvenience": listed in blame_phrases`}},
		{wrap("Hang TIGHT"), []string{"hang tight!"}, []string{`blame phrase "hang tight": listed in blame_phrases`}},
		// Words containing a phrase are not the phrase.
		{wrap("Our Asaph team and the highvolume desk"), nil, nil},
		{"We're open 24 hours a day; you'll hear from a person {{.Promise}}.", nil, nil},
		// Good templates.
		{ack.DefaultEmail, nil, nil},
		{ack.DefaultRealtime, nil, nil},
		{"Hi! Got it{{with .TicketID}} (ticket {{.}}){{end}}. {{if .ClosedNow}}We're back {{.OpensAt}}. {{end}}A person replies {{ .Promise }}.", nil, nil},
		{`Thanks. A person replies by {{.PromisedBy.Format "Monday 15:04 MST"}}.`, nil, nil},
	}
	for _, tt := range tests {
		got := lintMsgs(t, "t", tt.text, tt.extra)
		if len(got) != len(tt.want) {
			t.Errorf("Lint(%q, extra %q):\ngot  %q\nwant %q", tt.text, tt.extra, got, tt.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("Lint(%q) error %d:\ngot  %q\nwant %q…", tt.text, i, got[i], tt.want[i])
			}
		}
	}
}

func TestLintOffset(t *testing.T) {
	text := "Hello.\nThanks, {{.TeamName}} here.\nDue to high demand we reply {{.Promise}}.\n"
	errs := ack.Lint("email", text, nil)
	var le *ack.LintError
	if len(errs) != 1 || !errors.As(errs[0], &le) {
		t.Fatalf("Lint: %v", errs)
	}
	if le.Phrase != "due to high demand" || le.Offset != strings.Index(text, "Due") {
		t.Errorf("Phrase %q Offset %d, want %q %d", le.Phrase, le.Offset, "due to high demand", strings.Index(text, "Due"))
	}
}

func TestLintTimeAndFields(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Thanks, we got your message.", []string{"does not state the reply time"}},
		{"Thanks. Promise: soon-ish.", []string{"does not state the reply time"}},
		// A string search for "{{.Promise}}" would accept these.
		{"Thanks. {{/* {{.Promise}} */}}", []string{"does not state the reply time"}},
		{"Thanks. {{`{{.Promise}}`}}", []string{"does not state the reply time"}},
		// Spacing and forms the tree check accepts.
		{"Thanks. A person replies {{ .Promise }}.", nil},
		{"Thanks. A person replies {{- .Promise -}}.", nil},
		{"Thanks. A person replies by {{$.PromisedBy.Format \"15:04\"}}.", nil},
		{"Thanks. {{with .Promise}}A person replies {{.}}.{{end}}", nil},
		// Named but not in every case.
		{"Thanks.{{if not .ClosedNow}} A person replies {{.Promise}}.{{end}}", []string{`does not state the reply time when the team is closed (ClosedNow true, channel "email")`}},
		{"Thanks.{{if .ClosedNow}} A person replies {{.Promise}}.{{end}}", []string{`does not state the reply time when the team is open (ClosedNow false, channel "email")`}},
		// Unknown fields, executed or not.
		{"Hi {{.CustomerName}}, you'll hear from us {{.Promise}}.", []string{"unknown field .CustomerName (known: Promise, PromisedBy, ClosedNow, OpensAt, TeamName, TicketID, Channel)"}},
		{`{{if eq .Channel "fax"}}{{.Agent}}{{end}}We reply {{.Promise}}.`, []string{"unknown field .Agent"}},
		{`We reply {{$.Promised}}.`, []string{"unknown field .Promised", "does not state the reply time"}},
		// Parse and execution failures.
		{"We reply {{.Promise}", []string{"does not parse: line 1 of the template: "}},
		{"We reply\n{{.Promise | nosuchfunc}}", []string{`does not parse: line 2 of the template: function "nosuchfunc" not defined`}},
		{"We reply {{.PromisedBy.Nope}} {{.Promise}}.", []string{`fails with sample data (open, channel "email"): line 1 of the template: executing`}},
		{"We reply {{.Promise}}{{template \"missing\"}}.", []string{`fails with sample data (open, channel "email")`}},
	}
	for _, tt := range tests {
		got := lintMsgs(t, "t", tt.text, nil)
		if len(got) != len(tt.want) {
			t.Errorf("Lint(%q):\ngot  %q\nwant %q", tt.text, got, tt.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("Lint(%q) error %d:\ngot  %q\nwant %q…", tt.text, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParse(t *testing.T) {
	email := "Got it. A person replies {{.Promise}}.\n"
	tpl, err := ack.Parse(map[string]string{ack.ClassEmail: email})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Text(ack.ClassEmail) != email || tpl.Text(ack.ClassRealtime) != ack.DefaultRealtime {
		t.Errorf("Parse kept %q / %q", tpl.Text(ack.ClassEmail), tpl.Text(ack.ClassRealtime))
	}
	got, err := tpl.Render(event.Web, open)
	if want := "Got it. A person replies within 2 hours."; err != nil || got != want {
		t.Errorf("Render(web) = %q, %v; want %q", got, err, want)
	}
	got, err = tpl.Render(event.Messaging, open)
	if want, _ := ack.Default().Render(event.Messaging, open); err != nil || got != want {
		t.Errorf("Render(messaging) = %q, %v; want the default %q", got, err, want)
	}

	tests := []struct {
		in    map[string]string
		extra []string
		want  []string
	}{
		{map[string]string{"sms": "x {{.Promise}}"}, nil, []string{`template "sms": unknown template class (known: email, realtime)`}},
		{map[string]string{ack.ClassEmail: "Due to high demand: {{.Promise}}", ack.ClassRealtime: "Soon."}, nil, []string{
			`template "email": blame phrase "due to high demand"`,
			`template "realtime": does not state the reply time`,
		}},
		{map[string]string{ack.ClassRealtime: "Thanks for your message — a person replies {{.Promise}}."}, nil, []string{
			`template "realtime": "—" is not in the GSM 7-bit SMS alphabet`,
		}},
		{map[string]string{ack.ClassRealtime: "Thank you very much for your message to the {{.TeamName}} team. We have it, and it is filed as ticket {{.TicketID}}. " +
			"{{if .ClosedNow}}We are back {{.OpensAt}} and a{{else}}A{{end}} person will reply {{.Promise}}. You need not write again."}, nil, []string{
			// 149 characters with the sample data (167 with the old
			// 18-character marker line), plus the 26 of " You need not
			// write again.".
			`template "realtime": too long for one SMS: 175 characters with sample data`,
		}},
		{map[string]string{ack.ClassEmail: "A person replies {{.Promise}}.\n\nref: slawatch:ack"}, nil, []string{
			`template "email": writes the internal marker "slawatch:ack", which customers would read`,
		}},
		// An extra phrase checks the defaults too.
		{nil, []string{"reached us"}, []string{
			`template "email": blame phrase "reached us": listed in blame_phrases`,
			`template "realtime": blame phrase "reached us": listed in blame_phrases`,
		}},
	}
	for _, tt := range tests {
		_, err := ack.ParseWithPhrases(tt.in, tt.extra)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		got := strings.Split(err.Error(), "\n")
		if len(got) != len(tt.want) {
			t.Errorf("Parse(%q):\ngot  %q\nwant %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("Parse(%q) error %d:\ngot  %q\nwant %q…", tt.in, i, got[i], tt.want[i])
			}
		}
		var le *ack.LintError
		if !errors.As(err, &le) {
			t.Errorf("Parse error does not unwrap to *LintError: %v", err)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	// Passes lint (sample data never names the team "Boom") but fails on
	// real data: the error is returned, not a half message.
	tpl, err := ack.Parse(map[string]string{ack.ClassEmail: `{{if eq .TeamName "Boom"}}{{index .TicketID 99}}{{end}}A person replies {{.Promise}}.`})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tpl.Render(event.Email, ack.Data{Promise: "within 1 hour", TeamName: "Boom", TicketID: "1"}); err == nil || got != "" || !strings.Contains(err.Error(), "rendering the email acknowledgement") {
		t.Errorf("Render = %q, %v; want an error", got, err)
	}
	if _, err := tpl.Render(event.Email, ack.Data{Promise: "within 1 hour", TeamName: "Other"}); err != nil {
		t.Errorf("Render: %v", err)
	}
}
