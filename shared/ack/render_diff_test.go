package ack

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// The renderer against text/template, the engine it replaces: the same
// output, byte for byte, and the same errors, for the built-in templates,
// the templates of the documentation and the tests, and a corpus that uses
// every action, function and value a template can reach. text/template is
// linked into this test only.

// oldRender is the renderer this package had: text/template with
// missingkey=error, its output bounded and trimmed as execute does.
func oldRender(name, text string, d Data) (out string, parseErr, execErr error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err, nil
	}
	var b limited
	if err := tmpl.Execute(&b, d); err != nil {
		return "", nil, err
	}
	return strings.TrimRight(b.String(), " \t\r\n"), nil, nil
}

func newRender(name, text string, d Data) (out string, parseErr, execErr error) {
	p, err := parseTemplate(name, text)
	if err != nil {
		return "", err, nil
	}
	out, err = execute(p, d)
	return out, nil, err
}

// unavailableErr is the one way the renderer may differ: a method of the
// time that text/template would call and the renderer does not offer.
const unavailableErr = "is not available in acknowledgement templates"

// diffData are the values every corpus template is rendered with: the
// lint's samples on an email and a realtime channel, the zero Data, and
// text that the escaping functions change.
var diffData = func() []Data {
	var out []Data
	for _, d := range []Data{sampleOpen[0], sampleOpen[1], sampleClosed[0], sampleClosed[1], opaque} {
		for _, ch := range []event.Channel{event.Email, event.SMS} {
			d.Channel = ch
			out = append(out, d)
		}
	}
	zone := time.FixedZone("AEDT", 11*3600)
	return append(out, Data{}, Data{
		Promise: `within "2" <hours> & 'more' = 100% ✓` + "\x00\x01\u2028", PromisedBy: time.Date(2026, 3, 1, 23, 59, 59, 999, zone),
		ClosedNow: true, OpensAt: "Montag 09:00 MEZ", TeamName: "O'Brien & Söhne", TicketID: "#1/2?a=b c", Channel: "fax",
	})
}()

// diffCorpus: every template users can be shown, and one or more uses of
// every part of the language.
var diffCorpus = []string{
	DefaultEmail,
	DefaultRealtime,
	// docs/acknowledgements.md and the package's tests.
	"…{{.Promise}}…",
	"… {{.Promise}}.",
	"Thanks for writing. Hang tight. You'll hear from a person {{.Promise}}.",
	`We are {{"extremely"}} busy. {{.Promise}}`,
	`{{if eq .Channel "fax"}}Bear with us.{{end}}You'll hear from us {{.Promise}}.`,
	`{{/* never say "as soon as possible" */}}You'll hear from us {{.Promise}}.`,
	"Hi! Got it{{with .TicketID}} (ticket {{.}}){{end}}. {{if .ClosedNow}}We're back {{.OpensAt}}. {{end}}A person replies {{ .Promise }}.",
	`Thanks. A person replies by {{.PromisedBy.Format "Monday 15:04 MST"}}.`,
	"Thanks. {{/* {{.Promise}} */}}",
	"Thanks. {{`{{.Promise}}`}}",
	"Thanks. A person replies {{- .Promise -}}.",
	"Thanks. A person replies by {{$.PromisedBy.Format \"15:04\"}}.",
	"Thanks. {{with .Promise}}A person replies {{.}}.{{end}}",
	"Thanks.{{if not .ClosedNow}} A person replies {{.Promise}}.{{end}}",
	"Hi {{.CustomerName}}, you'll hear from us {{.Promise}}.",
	`{{if eq .Channel "fax"}}{{.Agent}}{{end}}We reply {{.Promise}}.`,
	`We reply {{$.Promised}}.`,
	"We reply {{.Promise}",
	"We reply\n{{.Promise | nosuchfunc}}",
	"We reply {{.PromisedBy.Nope}} {{.Promise}}.",
	"We reply {{.Promise}}{{template \"missing\"}}.",
	`{{if eq .TeamName "Boom"}}{{index .TicketID 99}}{{end}}A person replies {{.Promise}}.`,
	"Hello,\n\nYour message reached us{{with .TicketID}} as ticket {{.}}{{end}}.\n{{if .ClosedNow}}We are back {{.OpensAt}}. {{end}}A person will answer {{.Promise}}.\n",
	"Thank you very much for your message to the {{.TeamName}} team. We have it, and it is filed as ticket {{.TicketID}}. {{if .ClosedNow}}We are back {{.OpensAt}} and a{{else}}A{{end}} person will reply {{.Promise}}. You need not write again.",
	"A person replies {{.Promise}}.\n\nref: slawatch:ack",

	// Printing every value a template reaches.
	"{{.}}|{{$}}|{{.PromisedBy}}|{{.ClosedNow}}|{{.Channel}}|{{.TicketID}}",
	"{{1}} {{-2}} {{1.5}} {{1e3}} {{0x1F}} {{0x1p4}} {{'a'}} {{1i}} {{true}} {{\"s\"}} {{`raw`}} {{0o17}} {{1_000}}",
	`{{printf "%T %T %T %T %T %T %T %T" 1 1.5 1e3 0x1p4 1i 'a' (index .Promise 0) .PromisedBy.Weekday}}`,
	"{{99999999999999999999}}",
	"{{nil}}",
	"{{.Promise 1}}",
	"{{. 1}}",
	"{{1 2}}",
	// Methods, available or not.
	"{{.PromisedBy.Year}}-{{.PromisedBy.Month}}-{{.PromisedBy.Day}} {{.PromisedBy.Hour}}:{{.PromisedBy.Minute}}:{{.PromisedBy.Second}}.{{.PromisedBy.Nanosecond}}",
	"{{.PromisedBy.Weekday}} {{.PromisedBy.Weekday.String}} {{.PromisedBy.Month.String}} {{.PromisedBy.YearDay}} {{.PromisedBy.IsZero}} {{.PromisedBy.IsDST}}",
	"{{.PromisedBy.Unix}} {{.PromisedBy.UnixMilli}} {{.PromisedBy.UnixMicro}} {{.PromisedBy.UnixNano}} {{.PromisedBy.String}} {{.PromisedBy.UTC}} {{.PromisedBy.UTC.Hour}}",
	`{{.PromisedBy.Format "2006-01-02T15:04:05.000Z07:00 Mon Jan _2 pm"}} {{.PromisedBy.UTC.Format "Monday"}}`,
	`{{.Channel.RealTime}} {{if .Channel.RealTime}}short{{else}}long{{end}}`,
	"{{.PromisedBy.Format}}",
	"{{.PromisedBy.Format 1}}",
	`{{.PromisedBy.Format "a" "b"}}`,
	"{{.PromisedBy.Format .Channel}}",
	"{{.PromisedBy.Format .Promise}}",
	"{{.PromisedBy.Format nil}}",
	`{{"15:04" | .PromisedBy.Format}}`,
	"{{.PromisedBy.Year 1}}",
	"{{.PromisedBy.wall}}",
	"{{.PromisedBy.Local}}",
	"{{.PromisedBy.Clock}}",
	"{{.Promise.Len}}",
	"{{.Channel.Foo}}",
	"{{.ClosedNow.X}}",
	"{{.TeamName.X.Y}}",
	// Variables, assignment, scope.
	"{{$x := .Promise}}{{$x}} {{$x = .TeamName}}{{$x}} {{with $y := .TicketID}}{{$y}}{{$x}}{{end}}",
	"{{$t := .PromisedBy}}{{$t.Format \"15:04\"}} {{$t.Weekday}}",
	"{{if $c := .ClosedNow}}{{$c}}{{else}}open {{$c}}{{end}}",
	"{{$}}{{$.Promise}}{{with .TeamName}}{{$.TicketID}}{{.}}{{end}}",
	// Pipelines and parentheses.
	`{{.Promise | printf "%q"}} {{.Promise | len | printf "%03d"}} {{(len .Promise) | print}}`,
	`{{print (.PromisedBy.Format "15:04") .ClosedNow 1 2.5 nil}}`,
	`{{(.PromisedBy).Year}} {{(.).Promise}}`,
	`{{.Promise | .PromisedBy.Year}}`,
	`{{printf "%s-%v-%d-%x-%T" .Promise .PromisedBy 3 "hi" .Channel}}`,
	`{{printf "%v %v" .ClosedNow}} {{printf "%d" .Promise}} {{printf "%!"}}`,
	`{{printf 1}}`,
	`{{printf .Channel}}`,
	`{{printf}}`,
	`{{println .Promise .TeamName}}{{println}}`,
	// Functions.
	`{{and .ClosedNow .Promise}}|{{and .Promise .TeamName}}|{{or .OpensAt .TeamName "x"}}|{{or "" 0 false}}|{{and 1}}|{{or nil 2}}`,
	`{{and}}`,
	`{{.ClosedNow | and .Promise}}|{{"" | or .TicketID}}|{{true | and .ClosedNow}}`,
	`{{not .ClosedNow}} {{not .Promise}} {{not 0}} {{not nil}} {{not 1 2}}`,
	`{{len .Promise}} {{len .TeamName}} {{len .Channel}}`,
	`{{len .ClosedNow}}`,
	`{{len 3}}`,
	`{{len nil}}`,
	`{{index .Promise 0}} {{index .TicketID 1}} {{index .Promise}}`,
	`{{index .Promise -1}}`,
	`{{index .Promise 1000}}`,
	`{{index .ClosedNow 0}}`,
	`{{index nil 0}}`,
	`{{index .Promise "a"}}`,
	`{{index .Promise nil}}`,
	`{{index .Promise 0 0}}`,
	`{{slice .Promise 1 3}}|{{slice .Promise 2}}|{{slice .Promise}}|{{slice .TeamName 0 0}}`,
	`{{slice .Promise 3 1}}`,
	`{{slice .Promise 1 2 3}}`,
	`{{slice .Promise 1 2 3 4}}`,
	`{{slice .PromisedBy 1}}`,
	`{{slice nil}}`,
	`{{html .Promise}}|{{html .TeamName 1 nil}}|{{js .Promise}}|{{js .TeamName .PromisedBy}}|{{urlquery .TicketID}}|{{urlquery .Promise 2}}`,
	`{{.Promise | html}} {{.TeamName | js}} {{.TicketID | urlquery}} {{html}} {{js}}`,
	`{{call .Promise}}`,
	`{{call nil}}`,
	`{{call}}`,
	`{{.Promise | call}}`,
	// Comparisons over every kind.
	`{{eq .Channel "email"}} {{eq .Channel "sms" "email"}} {{eq .ClosedNow true}} {{eq 1 1}} {{eq 1.5 1.5}} {{eq 1i 1i}} {{eq (index .Promise 0) 119}}`,
	`{{eq .PromisedBy .PromisedBy}} {{eq . .}} {{eq nil nil}}`,
	`{{eq .Promise 1}}`,
	`{{eq .Promise}}`,
	`{{eq .PromisedBy 1}}`,
	`{{eq .PromisedBy nil}}`,
	`{{ne .Promise ""}} {{ne .ClosedNow false}} {{ne 1 2}}`,
	`{{lt .Promise "x"}} {{le 1 1}} {{gt 2.5 1.5}} {{ge "b" "a"}} {{lt (index .Promise 0) 200}} {{lt -1 (index .Promise 0)}} {{gt (index .Promise 0) -1}}`,
	`{{lt true false}}`,
	`{{lt .PromisedBy .PromisedBy}}`,
	`{{lt 1 "a"}}`,
	`{{lt 1}}`,
	`{{lt 1i 2i}}`,
	`{{eq (index .Promise 0) -1}} {{eq -1 (index .Promise 0)}} {{eq (index .Promise 0) (index .Promise 0)}}`,
	`{{lt .PromisedBy.Weekday 3}} {{eq .PromisedBy.Month 11}} {{gt .PromisedBy.Year 2000}} {{lt .PromisedBy.Unix 0}}`,
	// if / else if / with / else with.
	`{{if .ClosedNow}}a{{else if .TeamName}}b{{else}}c{{end}}`,
	`{{with .OpensAt}}open {{.}}{{else with .TeamName}}team {{.}}{{else}}none{{end}}`,
	`{{with .PromisedBy}}{{.Weekday}}{{end}}{{with .ClosedNow}}closed{{end}}{{with 0}}x{{else}}zero{{end}}`,
	`{{if .PromisedBy}}t{{end}}{{if .}}d{{end}}{{if nil}}n{{end}}{{if 0.0}}f{{end}}{{if 0i}}c{{end}}{{if (index .Promise 0)}}u{{end}}`,
	`{{if}}x{{end}}`,
	// range over integers, break, continue, else.
	`{{range 3}}{{.}}{{end}}|{{range $i := 4}}{{if eq $i 2}}{{continue}}{{end}}{{$i}}{{end}}|{{range 10}}{{if gt . 2}}{{break}}{{end}}{{.}}{{end}}|{{range 0}}x{{else}}empty{{end}}`,
	`{{range .PromisedBy.Weekday}}{{.}} {{end}}|{{range (index .Promise 0)}}{{end}}done`,
	`{{range $i, $e := 3}}{{end}}`,
	`{{range .Promise}}{{.}}{{end}}`,
	`{{range .PromisedBy}}{{.}}{{end}}`,
	`{{range nil}}x{{else}}nil{{end}}`,
	`{{range -2}}x{{else}}negative{{end}}`,
	`{{$x := 0}}{{range $x = 3}}{{$x}}{{end}}`,
	`{{range 100000}}{{.Promise}}{{end}}`,
	// define, template, block.
	`{{define "sig"}}-- {{.}}{{end}}{{.Promise}}{{template "sig" .TeamName}}`,
	`{{block "greet" .}}Hello {{.TeamName}}{{end}}, {{.Promise}}`,
	`{{define "t"}}{{.Promise}} {{$}}{{end}}{{template "t" .}}`,
	`{{define "e"}}{{.Nope}}{{end}}{{template "e" .}}`,
	`{{define "x"}}a{{end}}{{define "x"}}b{{end}}`,
	`{{define "x"}}only a definition{{end}}`,
	// Parse errors.
	"{{end}}",
	"{{if .ClosedNow}}x",
	"{{else}}",
	"{{break}}",
	"{{.Promise | 1}}",
	"{{$undefined}}",
	"line one\nline two {{",
	"{{\"unterminated}}",
	"{{.Promise}}{{/* unterminated",
	"{{range $i, $j, $k := 3}}{{end}}",
}

func TestRendererMatchesTextTemplate(t *testing.T) {
	for _, text := range diffCorpus {
		for _, d := range diffData {
			compareRender(t, text, d)
		}
	}
}

// A template that calls itself stops at the same depth, with the same
// error (once: 100,000 levels take a while in either engine).
func TestRendererRecursionMatchesTextTemplate(t *testing.T) {
	compareRender(t, `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}`, sampleOpen[0])
}

// compareRender fails the test where the renderer and text/template differ.
func compareRender(t *testing.T, text string, d Data) {
	t.Helper()
	wantOut, wantParse, wantExec := oldRender("t", text, d)
	gotOut, gotParse, gotExec := newRender("t", text, d)
	errStr := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	switch {
	case errStr(gotParse) != errStr(wantParse):
		t.Errorf("%q: parse error\ngot  %s\nwant %s", text, errStr(gotParse), errStr(wantParse))
	case gotExec != nil && strings.Contains(gotExec.Error(), unavailableErr):
		// Refused on purpose: the method is not offered (text/template
		// calls it, or refuses it for its results, as Clock).
	case errStr(gotExec) != errStr(wantExec):
		t.Errorf("%q with %+v: error\ngot  %s\nwant %s", text, d, errStr(gotExec), errStr(wantExec))
	case gotOut != wantOut:
		t.Errorf("%q with %+v:\ngot  %q\nwant %q", text, d, gotOut, wantOut)
	}
}

// The corpus must reach every function and the methods on offer, or the
// comparison above proves less than it says.
func TestDiffCorpusCoverage(t *testing.T) {
	all := strings.Join(diffCorpus, "\n")
	for name := range builtins {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(all) {
			t.Errorf("no corpus template calls %s", name)
		}
	}
	for name := range timeMethods {
		if !strings.Contains(all, "PromisedBy."+name) {
			t.Errorf("no corpus template calls time.Time's %s", name)
		}
	}
	for _, kw := range []string{"range", "break", "continue", "define", "block", "template", "else if", "else with", "with", ":=", " = "} {
		if !strings.Contains(all, kw) {
			t.Errorf("no corpus template uses %q", kw)
		}
	}
}

// Every exported method of the types a template reaches is either on offer
// or listed as refused: a method Go adds to time.Time is refused with the
// message that names what is on offer, not "can't evaluate field".
func TestMethodTableComplete(t *testing.T) {
	offered := map[reflect.Type][]string{
		timeType:    append([]string{"Format"}, mapKeys(timeMethods)...),
		monthType:   {"String"},
		weekdayType: {"String"},
		channelType: {"RealTime"},
	}
	for typ, on := range offered {
		for i := range typ.NumMethod() {
			name := typ.Method(i).Name
			if !slices.Contains(on, name) && !slices.Contains(unavailable[typ], name) {
				t.Errorf("%s.%s is neither offered nor refused", typ, name)
			}
			if slices.Contains(on, name) && slices.Contains(unavailable[typ], name) {
				t.Errorf("%s.%s is both offered and refused", typ, name)
			}
			if _, ok := methodOf(reflect.Zero(typ), name); ok != slices.Contains(on, name) {
				t.Errorf("methodOf(%s, %s) = %v", typ, name, ok)
			}
		}
	}
	if got, ok := unavailableMethod(timeType, "Local"); !ok || !strings.HasPrefix(got, "Day, Format, Hour, IsDST") {
		t.Errorf("unavailableMethod(time.Time, Local) = %q, %v", got, ok)
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// runaway reports inputs the fuzzer should not spend its time on in
// either engine: long loops and recursive templates.
var bigNumber = regexp.MustCompile(`[0-9a-fA-FxX_.]{4,}`)

func runaway(text string) bool {
	return (strings.Contains(text, "range") && bigNumber.MatchString(text)) ||
		strings.Count(text, "template")+strings.Count(text, "block") > 1
}

// FuzzRendererMatchesTextTemplate: any text, the same parse error, output
// and execution error as text/template (go test -fuzz
// FuzzRendererMatchesTextTemplate ./shared/ack).
func FuzzRendererMatchesTextTemplate(f *testing.F) {
	for _, text := range diffCorpus {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 400 || runaway(text) {
			t.Skip()
		}
		for _, i := range []int{0, 5, len(diffData) - 1} {
			compareRender(t, text, diffData[i])
		}
	})
}

// BenchmarkRender renders the built-in templates (and the documented
// PromisedBy.Format one): text/template, the engine replaced, against the
// renderer, in the same run.
func BenchmarkRender(b *testing.B) {
	d := sampleClosed[0]
	d.Channel = event.Email
	for _, tc := range []struct{ name, text string }{
		{"email", DefaultEmail},
		{"realtime", DefaultRealtime},
		{"format", `Thanks. A person replies by {{.PromisedBy.Format "Monday 15:04 MST"}}{{with .TicketID}} on ticket {{.}}{{end}}.`},
	} {
		old, err := template.New("t").Option("missingkey=error").Parse(tc.text)
		if err != nil {
			b.Fatal(err)
		}
		p, err := parseTemplate("t", tc.text)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/text-template", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var l limited
				if err := old.Execute(&l, d); err != nil {
					b.Fatal(err)
				}
				_ = strings.TrimRight(l.String(), " \t\r\n") // as execute does
			}
		})
		b.Run(tc.name+"/renderer", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := execute(p, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
