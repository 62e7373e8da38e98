package policy_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
)

// mustParse parses a configuration that the test expects to be valid.
func mustParse(t *testing.T, doc string) *policy.Config {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: unexpected error:\n%v\nconfig:\n%s", err, doc)
	}
	return c
}

// parseErrors parses a configuration that the test expects to be rejected
// and returns the individual errors.
func parseErrors(t *testing.T, doc string) policy.Errors {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err == nil {
		t.Fatalf("Parse: want an error, got none\nconfig:\n%s", doc)
	}
	if c != nil {
		t.Errorf("Parse returned a Config together with an error")
	}
	var errs policy.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error %T is not policy.Errors: %v", err, err)
	}
	return errs
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestDefaultParses(t *testing.T) {
	c := policy.Default() // panics if the embedded file is invalid
	if !bytes.Equal(policy.DefaultYAML(), mustDefaultYAML(t)) {
		t.Errorf("DefaultYAML differs from default.yaml")
	}
	if _, err := policy.Parse(policy.DefaultYAML()); err != nil {
		t.Fatalf("Parse(DefaultYAML()): %v", err)
	}
	if _, ok := c.Sources["generic"]; !ok {
		t.Errorf("default config has no generic source: %v", c.Sources)
	}
	if c.Calendars["support"] == nil {
		t.Errorf("default config has no support calendar")
	}
	if len(c.Policies) == 0 {
		t.Fatalf("default config has no policies")
	}
	// Every ticket gets a policy: the last one is a catch-all.
	if !isEmptyMatch(c.Policies[len(c.Policies)-1].Match) {
		t.Errorf("last default policy %q is not a catch-all", c.Policies[len(c.Policies)-1].Name)
	}
}

func mustDefaultYAML(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isEmptyMatch(m policy.Match) bool {
	return len(m.Sources) == 0 && len(m.Channels) == 0 && len(m.Priorities) == 0 && len(m.Tags) == 0
}

// The default targets: an hour on real-time channels, a day on email and
// web, tighter for urgent tickets; all in calendar time.
func TestDefaultTargets(t *testing.T) {
	c := policy.Default()
	realtime := map[event.Channel]bool{
		event.Chat: true, event.Messaging: true, event.Social: true, event.Phone: true, event.SMS: true,
	}
	for _, ch := range event.Channels() {
		normal := c.Match(policy.Ticket{Source: "generic", Channel: ch, Priority: event.Normal})
		urgent := c.Match(policy.Ticket{Source: "generic", Channel: ch, Priority: event.Urgent})
		if normal == nil || urgent == nil {
			t.Fatalf("%s: no policy (normal %v, urgent %v)", ch, normal, urgent)
		}
		want := 24 * time.Hour
		if realtime[ch] {
			want = time.Hour
		}
		for _, tg := range []*policy.Target{normal.FirstResponse, normal.NextReply} {
			if tg == nil || tg.Within != want || tg.Calendar != nil {
				t.Errorf("%s normal (policy %s): target %+v, want %v in calendar time", ch, normal.Name, tg, want)
			}
		}
		for name, pair := range map[string][2]*policy.Target{
			"first_response": {normal.FirstResponse, urgent.FirstResponse},
			"next_reply":     {normal.NextReply, urgent.NextReply},
		} {
			if pair[1] == nil || pair[1].Within >= pair[0].Within {
				t.Errorf("%s %s: urgent target %+v is not tighter than normal %v", ch, name, pair[1], pair[0].Within)
			}
		}
		if len(urgent.Escalation) == 0 || len(normal.Escalation) == 0 {
			t.Errorf("%s: default policies should escalate", ch)
		}
	}
	// Spot checks of the exact values.
	for _, tc := range []struct {
		ch     event.Channel
		pr     event.Priority
		policy string
		fr, nr time.Duration
	}{
		{event.Email, event.Low, "standard", 24 * time.Hour, 24 * time.Hour},
		{event.Web, event.High, "standard", 24 * time.Hour, 24 * time.Hour},
		{event.Chat, event.Normal, "realtime", time.Hour, time.Hour},
		{event.Email, event.Urgent, "urgent", time.Hour, 2 * time.Hour},
		{event.SMS, event.Urgent, "urgent-realtime", 15 * time.Minute, 15 * time.Minute},
	} {
		p := c.Match(policy.Ticket{Source: "generic", Channel: tc.ch, Priority: tc.pr})
		if p.Name != tc.policy || p.FirstResponse.Within != tc.fr || p.NextReply.Within != tc.nr {
			t.Errorf("%s/%s: got %s fr=%v nr=%v, want %s fr=%v nr=%v", tc.ch, tc.pr,
				p.Name, p.FirstResponse.Within, p.NextReply.Within, tc.policy, tc.fr, tc.nr)
		}
	}
	// The standard warnings: 4h and 1h before the deadline, latest last.
	std := c.Policy("standard")
	if len(std.Warnings) != 2 || std.Warnings[0].Before != 4*time.Hour || std.Warnings[1].Before != time.Hour {
		t.Errorf("standard warnings = %+v, want [4h 1h]", std.Warnings)
	}
}

const matchConfig = `
sources:
  zendesk: {provider: generic}
  generic: {}
policies:
  - name: vip
    match: {tags: [vip, enterprise]}
    first_response: {within: 30m}
  - name: zendesk-urgent
    match: {source: zendesk, priority: urgent}
    first_response: {within: 1h}
  - name: chat
    match: {channel: [chat, sms]}
    first_response: {within: 2h}
  - name: low-email
    match: {channel: email, priority: [low, normal]}
    first_response: {within: 48h}
  - name: catchall
    first_response: {within: 24h}
`

func TestMatchFirstWins(t *testing.T) {
	c := mustParse(t, matchConfig)
	for _, tc := range []struct {
		name string
		t    policy.Ticket
		want string
	}{
		{"tag vip", policy.Ticket{Source: "generic", Channel: event.Email, Priority: event.Normal, Tags: []string{"vip"}}, "vip"},
		{"one of several tags", policy.Ticket{Source: "generic", Channel: event.Web, Priority: event.Low, Tags: []string{"x", "enterprise"}}, "vip"},
		{"vip wins over later policies", policy.Ticket{Source: "zendesk", Channel: event.Chat, Priority: event.Urgent, Tags: []string{"vip"}}, "vip"},
		{"source and priority", policy.Ticket{Source: "zendesk", Channel: event.Chat, Priority: event.Urgent}, "zendesk-urgent"},
		{"source matches, priority not", policy.Ticket{Source: "zendesk", Channel: event.Chat, Priority: event.High}, "chat"},
		{"priority matches, source not", policy.Ticket{Source: "generic", Channel: event.Chat, Priority: event.Urgent}, "chat"},
		{"second channel of list", policy.Ticket{Source: "generic", Channel: event.SMS, Priority: event.Normal}, "chat"},
		{"channel and priority", policy.Ticket{Source: "generic", Channel: event.Email, Priority: event.Low}, "low-email"},
		{"channel matches, priority not", policy.Ticket{Source: "generic", Channel: event.Email, Priority: event.High}, "catchall"},
		{"other tags", policy.Ticket{Source: "generic", Channel: event.Phone, Priority: event.Normal, Tags: []string{"vipish"}}, "catchall"},
		{"nothing set", policy.Ticket{}, "catchall"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.Match(tc.t)
			if p == nil || p.Name != tc.want {
				t.Errorf("Match(%+v) = %v, want %s", tc.t, p, tc.want)
			}
		})
	}
	if p := c.Policy("chat"); p == nil || p.FirstResponse.Within != 2*time.Hour {
		t.Errorf("Policy(chat) = %+v", p)
	}
	if p := c.Policy("nope"); p != nil {
		t.Errorf("Policy(nope) = %+v, want nil", p)
	}
	if got := c.Sources["zendesk"]; got.Provider != "generic" || got.SecretEnv != "SLAWATCH_ZENDESK_SECRET" {
		t.Errorf("source zendesk = %+v", got)
	}
	if got := c.Sources["generic"]; got.Provider != "generic" {
		t.Errorf("source generic named after its provider = %+v", got)
	}
}

func TestMatchNone(t *testing.T) {
	c := mustParse(t, `
policies:
  - name: chat
    match: {channel: chat}
    next_reply: {within: 1h}
`)
	if p := c.Match(policy.Ticket{Source: "generic", Channel: event.Email, Priority: event.Normal}); p != nil {
		t.Errorf("email ticket matched %s, want no policy", p.Name)
	}
	p := c.Match(policy.Ticket{Source: "generic", Channel: event.Chat})
	if p == nil || p.FirstResponse != nil || p.NextReply == nil || p.NextReply.Within != time.Hour {
		t.Errorf("chat policy = %+v, want only next_reply 1h", p)
	}
	// Without a sources section the generic source is configured.
	if s, ok := c.Sources["generic"]; !ok || s.Provider != "generic" || s.SecretEnv != "SLAWATCH_GENERIC_SECRET" {
		t.Errorf("implicit generic source = %+v, %v", s, ok)
	}
}

func TestPolicyFields(t *testing.T) {
	c := mustParse(t, `
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon: ["09:00-17:00"]}
sources:
  eu: {provider: generic, secret_env: EU_SECRET, insecure: true}
policies:
  - name: biz
    calendar: office
    first_response: {within: 4h, clock: business}
    next_reply: {within: 8h}
    warnings: ["25%", 30m]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 90m, notify: [lead, head]}
`)
	p := c.Policy("biz")
	if p.FirstResponse.Within != 4*time.Hour || p.FirstResponse.CalendarName != "office" || p.FirstResponse.Calendar != c.Calendars["office"] || p.FirstResponse.Calendar == nil {
		t.Errorf("first_response = %+v, want 4h on the office calendar", p.FirstResponse)
	}
	if p.NextReply.Within != 8*time.Hour || p.NextReply.Calendar != nil || p.NextReply.CalendarName != "" {
		t.Errorf("next_reply = %+v, want 8h in calendar time", p.NextReply)
	}
	if len(p.Warnings) != 2 || p.Warnings[0].Fraction != 0.25 || p.Warnings[1].Before != 30*time.Minute {
		t.Errorf("warnings = %+v", p.Warnings)
	}
	// 25% of 4h is 1h; of 8h is 2h. A fixed warning is the same for both.
	if got := p.Warnings[0].Lead(p.FirstResponse); got != time.Hour {
		t.Errorf("25%% of 4h = %v, want 1h", got)
	}
	if got := p.Warnings[0].Lead(p.NextReply); got != 2*time.Hour {
		t.Errorf("25%% of 8h = %v, want 2h", got)
	}
	if got := p.Warnings[1].Lead(p.NextReply); got != 30*time.Minute {
		t.Errorf("30m lead = %v", got)
	}
	if p.Warnings[0].String() != "25%" || p.Warnings[1].String() != "30m0s" {
		t.Errorf("warning strings %q %q", p.Warnings[0], p.Warnings[1])
	}
	if len(p.Escalation) != 2 || p.Escalation[0].After != 0 || strings.Join(p.Escalation[0].Notify, ",") != "on-call" ||
		p.Escalation[1].After != 90*time.Minute || strings.Join(p.Escalation[1].Notify, ",") != "lead,head" {
		t.Errorf("escalation = %+v", p.Escalation)
	}
	if s := c.Sources["eu"]; s.SecretEnv != "EU_SECRET" || !s.Insecure || s.Provider != "generic" || s.Name != "eu" {
		t.Errorf("source eu = %+v", s)
	}
	if _, ok := c.Sources["generic"]; ok {
		t.Errorf("generic source added although sources are configured")
	}
}

func TestSecretEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"generic":    "SLAWATCH_GENERIC_SECRET",
		"zendesk-eu": "SLAWATCH_ZENDESK_EU_SECRET",
		"help.desk":  "SLAWATCH_HELP_DESK_SECRET",
	} {
		if got := policy.SecretEnvName(in); got != want {
			t.Errorf("SecretEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func calendarConfig(calendar string) string {
	return "calendars:\n  support:\n" + calendar + `
policies:
  - name: p
    calendar: support
    first_response: {within: 4h, clock: business}
`
}

func TestCalendarForms(t *testing.T) {
	type probe struct {
		at   time.Time
		open bool
	}
	for _, tc := range []struct {
		name   string
		cal    string
		probes []probe
	}{
		{
			name: "weekdays with a list of holiday dates",
			cal: `    timezone: UTC
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holidays: ["2025-12-25", 2025-12-26]`,
			probes: []probe{
				{utc(2025, 12, 24, 10, 0), true},   // Wednesday
				{utc(2025, 12, 25, 10, 0), false},  // Thursday, holiday
				{utc(2025, 12, 26, 10, 0), false},  // Friday, holiday
				{utc(2025, 12, 29, 10, 0), true},   // Monday
				{utc(2025, 12, 27, 10, 0), false},  // Saturday
				{utc(2025, 12, 24, 17, 0), false},  // closing time is closed
				{utc(2025, 12, 24, 8, 59), false},  // before opening
				{utc(2025, 12, 24, 16, 59), true},  // last minute
				{utc(2025, 12, 24, 9, 0), true},    // opening time is open
				{utc(2025, 12, 28, 12, 0), false},  // Sunday
				{utc(2025, 12, 22, 12, 0), true},   // Monday before
				{utc(2025, 12, 23, 20, 0), false},  // evening
				{utc(2025, 12, 31, 12, 0), true},   // new year's eve, not listed
				{utc(2026, 1, 1, 12, 0), true},     // not listed either
				{utc(2025, 12, 25, 16, 59), false}, // whole day closed
			},
		},
		{
			name: "partial holiday {date, hours}",
			cal: `    timezone: UTC
    hours: {wed: ["09:00-17:00"]}
    holidays:
      - {date: 2025-12-24, hours: ["09:00-12:00"]}
      - date: "2025-12-31"
        hours: []`,
			probes: []probe{
				{utc(2025, 12, 24, 11, 59), true},
				{utc(2025, 12, 24, 12, 0), false},
				{utc(2025, 12, 24, 15, 0), false},
				{utc(2025, 12, 17, 15, 0), true}, // an ordinary Wednesday
				{utc(2025, 12, 31, 10, 0), false},
			},
		},
		{
			name: "country holidays as a single mapping",
			cal: `    timezone: America/New_York
    hours: {thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holidays: {country: us}`,
			probes: []probe{
				{time.Date(2025, 7, 3, 10, 0, 0, 0, mustLoc(t, "America/New_York")), true},
				{time.Date(2025, 7, 4, 10, 0, 0, 0, mustLoc(t, "America/New_York")), false},   // Independence Day, a Friday
				{time.Date(2025, 11, 27, 10, 0, 0, 0, mustLoc(t, "America/New_York")), false}, // Thanksgiving
				{time.Date(2025, 11, 28, 10, 0, 0, 0, mustLoc(t, "America/New_York")), true},
			},
		},
		{
			name: "country holidays in a list with dates",
			cal: `    timezone: UTC
    hours: {thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
    holidays:
      - country: US
      - 2025-07-10
      - {date: 2025-07-04, hours: ["09:00-10:00"]}`,
			probes: []probe{
				{utc(2025, 7, 3, 12, 0), true},
				{utc(2025, 7, 4, 9, 30), true}, // an explicit date refines the national holiday
				{utc(2025, 7, 4, 12, 0), false},
				{utc(2025, 7, 10, 12, 0), false},
				{utc(2025, 7, 11, 12, 0), true},
			},
		},
		{
			name: "24/7",
			cal: `    timezone: Asia/Tokyo
    hours: 24/7`,
			probes: []probe{
				{utc(2025, 3, 1, 3, 0), true},   // Saturday
				{utc(2025, 3, 2, 23, 59), true}, // Sunday
				{utc(2025, 3, 3, 12, 0), true},
			},
		},
		{
			name: "24/7 with a holiday",
			cal: `    timezone: UTC
    hours: "24/7"
    holidays: ["2025-03-02"]`,
			probes: []probe{
				{utc(2025, 3, 1, 23, 59), true},
				{utc(2025, 3, 2, 12, 0), false},
				{utc(2025, 3, 3, 0, 0), true},
			},
		},
		{
			name: "night shift crossing midnight",
			cal: `    timezone: UTC
    hours:
      mon: ["22:00-06:00"]
      tue: ["08:00-12:00", "22:00-06:00"]`,
			probes: []probe{
				{utc(2025, 3, 3, 21, 59), false}, // Monday evening
				{utc(2025, 3, 3, 22, 0), true},
				{utc(2025, 3, 4, 3, 0), true}, // Tuesday night, Monday's shift
				{utc(2025, 3, 4, 6, 0), false},
				{utc(2025, 3, 4, 9, 0), true},
				{utc(2025, 3, 5, 5, 59), true}, // Tuesday's shift into Wednesday
				{utc(2025, 3, 5, 22, 30), false},
				{utc(2025, 3, 3, 3, 0), false}, // Sunday has no shift
			},
		},
		{
			name: "several intervals a day in New York",
			cal: `    timezone: America/New_York
    hours:
      mon: ["08:00-12:00", "13:00-17:00"]`,
			probes: []probe{
				{utc(2025, 1, 6, 13, 0), true},   // 08:00 EST
				{utc(2025, 1, 6, 12, 59), false}, // 07:59 EST
				{utc(2025, 1, 6, 17, 30), false}, // lunch
				{utc(2025, 1, 6, 18, 0), true},   // 13:00 EST
				{utc(2025, 1, 6, 22, 0), false},  // 17:00 EST
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, calendarConfig(tc.cal))
			cal := c.Calendars["support"]
			if cal == nil {
				t.Fatal("calendar support missing")
			}
			if c.Policy("p").FirstResponse.Calendar != cal {
				t.Errorf("policy does not use the support calendar")
			}
			for _, p := range tc.probes {
				if got := cal.IsOpen(p.at); got != p.open {
					t.Errorf("IsOpen(%s) = %v, want %v", p.at.In(cal.Location()).Format("Mon 2006-01-02 15:04 MST"), got, p.open)
				}
			}
		})
	}
}

func TestNightShiftElapsed(t *testing.T) {
	c := mustParse(t, calendarConfig(`    timezone: UTC
    hours: {mon: ["22:00-06:00"]}`))
	cal := c.Calendars["support"]
	// Monday 21:00 to Tuesday 12:00 holds the whole 8h shift.
	if got := cal.Elapsed(utc(2025, 3, 3, 21, 0), utc(2025, 3, 4, 12, 0)); got != 8*time.Hour {
		t.Errorf("Elapsed = %v, want 8h", got)
	}
	// 4h of business time from Monday 20:00: the shift starts at 22:00.
	if got := cal.Add(utc(2025, 3, 3, 20, 0), 4*time.Hour); !got.Equal(utc(2025, 3, 4, 2, 0)) {
		t.Errorf("Add = %v, want Tuesday 02:00", got)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // each must appear in one error, in this order
	}{
		{
			name: "unknown key",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    colour: red
`,
			want: []string{`line 4: policies[0].colour: unknown key "colour"`},
		},
		{
			name: "unknown top-level key",
			doc: `policy:
  - name: a
`,
			want: []string{`line 1: policy: unknown key "policy"`, `line 1: policies: required`},
		},
		{
			name: "key given twice",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    name: b
`,
			want: []string{`line 4: policies[0].name: key given twice`},
		},
		{
			name: "bad time zone",
			doc: `# support desk
calendars:
  support:
    timezone: Mars/Olympus_Mons
    hours: 24/7
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 4: calendars.support.timezone: unknown time zone "Mars/Olympus_Mons"`},
		},
		{
			name: "Local is not a time zone",
			doc: `calendars:
  support:
    timezone: Local
    hours: 24/7
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: calendars.support.timezone: unknown time zone "Local"`},
		},
		{
			name: "missing time zone and hours",
			doc: `calendars:
  support:
    holidays: ["2025-01-01"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: calendars.support.timezone: required`, `line 3: calendars.support.hours: required`},
		},
		{
			name: "missing time zone next to another calendar error",
			doc: `calendars:
  support:
    hours:
      mon: ["9-17"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 4: calendars.support.hours.mon[0]: interval "9-17": want HH:MM-HH:MM`, `line 3: calendars.support.timezone: required`},
		},
		{
			name: "overlapping intervals on the same day",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      mon: ["09:00-13:00", "12:00-17:00"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.hours.mon[1]: interval 12:00-17:00 overlaps 09:00-13:00`},
		},
		{
			name: "night shift overlapping a shift on the same day",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      fri:
        - "20:00-23:00"
        - "22:00-06:00"
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 7: calendars.support.hours.fri[1]: interval 22:00-06:00 overlaps 20:00-23:00`},
		},
		{
			name: "night shift overlapping the next morning",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      mon: ["22:00-06:00"]
      tue: ["05:00-13:00"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.hours: `, `Monday 22:00-06:00 overlaps Tuesday 05:00-13:00`},
		},
		{
			name: "saturday night overlapping sunday morning",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      sat: ["22:00-08:00"]
      sun: ["07:00-12:00"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.hours: `, `Saturday 22:00-08:00 overlaps Sunday 07:00-12:00`},
		},
		{
			name: "never open",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      mon: []
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.hours: calendar is never open`},
		},
		{
			name: "unknown weekday",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      monday: ["09:00-17:00"]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.hours.monday: unknown key "monday"`},
		},
		{
			name: "bad intervals",
			doc: `calendars:
  support:
    timezone: UTC
    hours:
      mon: ["9:00-17:00"]
      tue: ["25:00-26:00"]
      wed: ["09:00-09:00"]
      thu: "09:00-17:00"
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 5: calendars.support.hours.mon[0]: interval "9:00-17:00": want HH:MM-HH:MM`,
				`line 6: calendars.support.hours.tue[0]: interval "25:00-26:00": time out of range`,
				`line 7: calendars.support.hours.wed[0]: interval "09:00-09:00": empty`,
				`line 8: calendars.support.hours.thu: want a list of "HH:MM-HH:MM"`,
			},
		},
		{
			name: "bad durations",
			doc: `policies:
  - name: a
    first_response: {within: 1 hour}
    next_reply:
      within: 0s
  - name: b
    next_reply: {within: -5m}
`,
			want: []string{
				`line 3: policies[0].first_response.within: bad duration "1 hour"`,
				`line 5: policies[0].next_reply.within: duration "0s" must be positive`,
				`line 7: policies[1].next_reply.within: duration "-5m" must be positive`,
			},
		},
		{
			name: "missing target",
			doc: `policies:
  - name: a
    match: {channel: chat}
  - name: b
    first_response: {clock: calendar}
`,
			want: []string{
				`line 2: policies[0]: a policy needs first_response, next_reply, resolution or several`,
				`line 5: policies[1].first_response.within: required`,
			},
		},
		{
			name: "unknown channel and priority",
			doc: `policies:
  - name: a
    match:
      channel: [email, fax]
      priority: critical
    first_response: {within: 1h}
`,
			want: []string{
				`line 4: policies[0].match.channel: unknown channel "fax"`,
				`line 5: policies[0].match.priority: unknown priority "critical"`,
			},
		},
		{
			name: "unknown source",
			doc: `sources:
  zendesk: {provider: generic}
policies:
  - name: a
    match: {source: [zendesk, freshdesk]}
    first_response: {within: 1h}
`,
			want: []string{`line 5: policies[0].match.source: no source named "freshdesk" under sources`},
		},
		{
			name: "unknown provider",
			doc: `sources:
  zendesk:
    provider: kayako
  helpdesk: {secret_env: X}
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 3: sources.zendesk.provider: unknown provider "kayako"`,
				`line 4: sources.helpdesk.provider: required`,
			},
		},
		{
			name: "api_url over plain http",
			doc: `sources:
  zendesk:
    api_url: http://acme.zendesk.com
    api_token_env: SLAWATCH_ZENDESK_API_TOKEN
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: sources.zendesk.api_url: want https: plain http is accepted only for 127.0.0.1, localhost and ::1, got "http://acme.zendesk.com"`},
		},
		{
			name: "api_url on a loopback-looking host that is not loopback",
			doc: `sources:
  zendesk: {api_url: "http://127.0.0.2:8080", api_token_env: T}
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 2: sources.zendesk.api_url: want https: plain http is accepted only for`},
		},
		{
			name: "api_url not absolute, wrong scheme, empty",
			doc: `sources:
  zendesk:
    api_url: acme.zendesk.com
    api_token_env: T
  freshdesk:
    api_url: ftp://acme.freshdesk.com
    api_token_env: T
  zendesk-eu:
    provider: zendesk
    api_url: ""
    api_token_env: T
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 3: sources.zendesk.api_url: want the helpdesk's absolute https base URL, such as https://acme.zendesk.com, got "acme.zendesk.com"`,
				`line 6: sources.freshdesk.api_url: want the helpdesk's absolute https base URL, such as https://acme.zendesk.com, got "ftp://acme.freshdesk.com"`,
				`line 10: sources.zendesk-eu.api_url: want the helpdesk's absolute https base URL, such as https://acme.zendesk.com, got ""`,
			},
		},
		{
			name: "api_url with query or fragment",
			doc: `sources:
  zendesk:
    api_url: https://acme.zendesk.com/?locale=en
    api_token_env: T
  freshdesk:
    api_url: https://acme.freshdesk.com#tickets
    api_token_env: T
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 3: sources.zendesk.api_url: want the helpdesk's base URL without query or fragment, got "https://acme.zendesk.com/?locale=en"`,
				`line 6: sources.freshdesk.api_url: want the helpdesk's base URL without query or fragment, got "https://acme.freshdesk.com#tickets"`,
			},
		},
		{
			name: "api_url with credentials",
			doc: `sources:
  zendesk:
    api_url: https://agent:hunter2@acme.zendesk.com
    api_token_env: T
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: sources.zendesk.api_url: must not contain a user or password: the credential goes in the environment variable named by api_token_env`},
		},
		{
			name: "api_url not a string",
			doc: `sources:
  zendesk:
    api_url: [https://acme.zendesk.com]
    api_token_env: T
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: sources.zendesk.api_url: want a string, got a list`},
		},
		{
			name: "api_token_env not a variable name",
			doc: `sources:
  zendesk:
    api_url: https://acme.zendesk.com
    api_token_env: zendesk_token
  freshdesk:
    api_url: https://acme.freshdesk.com
    api_token_env: 9FRESHDESK
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 4: sources.zendesk.api_token_env: want the name of the environment variable that holds the API credential (upper-case letters, digits and _, such as SLAWATCH_ZENDESK_API_TOKEN), not the credential itself`,
				`line 7: sources.freshdesk.api_token_env: want the name of the environment variable`,
			},
		},
		{
			name: "api_url without api_token_env",
			doc: `sources:
  zendesk:
    provider: zendesk
    ack_author: "1900000001"
    api_url: https://acme.zendesk.com
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: sources.zendesk.api_token_env: required with api_url: the name of the environment variable that holds the API credential`},
		},
		{
			name: "api_token_env without api_url",
			doc: `sources:
  freshdesk:
    api_token_env: SLAWATCH_FRESHDESK_API_KEY
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 3: sources.freshdesk.api_url: required with api_token_env: the helpdesk's base URL, such as https://acme.zendesk.com`},
		},
		{
			name: "business clock without calendar",
			doc: `policies:
  - name: a
    first_response:
      within: 4h
      clock: business
`,
			want: []string{`line 5: policies[0].first_response.clock: business clock needs the policy's calendar`},
		},
		{
			name: "unknown clock",
			doc: `policies:
  - name: a
    first_response: {within: 4h, clock: wall}
`,
			want: []string{`line 3: policies[0].first_response.clock: unknown clock "wall"`},
		},
		{
			name: "unknown calendar",
			doc: `calendars:
  support: {timezone: UTC, hours: 24/7}
policies:
  - name: a
    calendar: office
    first_response: {within: 4h, clock: business}
`,
			want: []string{`line 5: policies[0].calendar: no calendar named "office" under calendars`},
		},
		{
			name: "warning not inside target",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    next_reply: {within: 8h}
    warnings: [30m, 1h, 2h]
`,
			want: []string{
				`line 5: policies[0].warnings[1]: warning 1h0m0s before the deadline is not inside the 1h0m0s target`,
				`line 5: policies[0].warnings[2]: warning 2h0m0s before the deadline is not inside the 1h0m0s target`,
			},
		},
		{
			name: "bad percentages",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    warnings:
      - "100%"
      - "0%"
      - "x%"
`,
			want: []string{
				`line 5: policies[0].warnings[0]: bad percentage "100%"`,
				`line 6: policies[0].warnings[1]: bad percentage "0%"`,
				`line 7: policies[0].warnings[2]: bad percentage "x%"`,
			},
		},
		{
			name: "escalation levels not increasing",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    escalation:
      - {after: 1h, notify: lead}
      - {after: 30m, notify: head}
      - {after: 30m, notify: ceo}
`,
			want: []string{
				`line 6: policies[0].escalation[1].after: levels must come later one after another: 30m0s is not after 1h0m0s`,
				`line 7: policies[0].escalation[2].after: levels must come later one after another: 30m0s is not after 30m0s`,
			},
		},
		{
			name: "escalation level without after or notify",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    escalation:
      - {notify: lead}
      - {after: 2h}
`,
			want: []string{
				`line 5: policies[0].escalation[0].after: required`,
				`line 6: policies[0].escalation[1].notify: required`,
			},
		},
		{
			name: "unknown country",
			doc: `calendars:
  support:
    timezone: UTC
    hours: 24/7
    holidays: {country: xx}
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 5: calendars.support.holidays.country: no holiday set for country "xx"`},
		},
		{
			name: "unknown country in a list",
			doc: `calendars:
  support:
    timezone: UTC
    hours: 24/7
    holidays:
      - "2025-01-01"
      - country: atlantis
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 7: calendars.support.holidays[1].country: no holiday set for country "atlantis"`},
		},
		{
			name: "duplicate holiday",
			doc: `calendars:
  support:
    timezone: UTC
    hours: 24/7
    holidays:
      - 2025-12-25
      - "2025-12-26"
      - {date: 2025-12-25, hours: ["09:00-12:00"]}
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{`line 8: calendars.support.holidays[2].date: holiday 2025-12-25 listed twice`},
		},
		{
			name: "bad holiday entries",
			doc: `calendars:
  support:
    timezone: UTC
    hours: 24/7
    holidays:
      - 2025-02-30
      - {hours: ["09:00-12:00"]}
      - {country: us, date: 2025-01-02}
      - [2025-01-03]
policies:
  - name: a
    first_response: {within: 1h}
`,
			want: []string{
				`line 6: calendars.support.holidays[0]: date "2025-02-30": want YYYY-MM-DD`,
				`line 7: calendars.support.holidays[1]: want date (with optional hours) or country`,
				`line 8: calendars.support.holidays[2]: country cannot be combined with date or hours`,
				`line 9: calendars.support.holidays[3]: want a date, {date, hours} or {country}`,
			},
		},
		{
			name: "duplicate policy name",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
  - name: a
    next_reply: {within: 1h}
`,
			want: []string{`line 4: policies[1].name: policy name "a" used twice`},
		},
		{
			name: "policies not a list",
			doc: `policies: {name: a}
`,
			want: []string{`line 1: policies: want a non-empty list of policies`},
		},
		{
			name: "empty document",
			doc:  "",
			want: []string{`line 1: (document): empty configuration`},
		},
		{
			name: "comments only",
			doc:  "# nothing configured yet\n\n",
			want: []string{`line 1: (document): empty configuration`},
		},
		{
			name: "document marker only",
			doc:  "# nothing configured yet\n---\n",
			want: []string{`(document): empty configuration`},
		},
		{
			name: "not a mapping",
			doc:  "- policies\n",
			want: []string{`line 1: (document): want a mapping`},
		},
		{
			name: "YAML syntax error",
			doc: `policies:
  - name: a
    first_response: {within: 1h}
    next_reply: within: 2h
`,
			want: []string{`line 4: (document): yaml: line 4: mapping values are not allowed in this context`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, tc.doc)
			all := errs.Error()
			rest := all
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("error does not contain %q (in order)\ngot:\n%s", w, all)
					continue
				}
				rest = rest[i+len(w):]
			}
			for _, e := range errs {
				if e.Line < 1 || e.Path == "" || e.Msg == "" {
					t.Errorf("incomplete FieldError %+v", *e)
				}
				if !strings.HasPrefix(e.Error(), "line ") {
					t.Errorf("FieldError %q does not start with its line", e)
				}
			}
		})
	}
}

// One run reports every problem in the file, not only the first.
func TestMultipleErrors(t *testing.T) {
	doc := `calendars:
  support:
    timezone: Nowhere/City
    hours:
      mon: ["09:00-17:00", "16:00-18:00"]
  night:
    timezone: UTC
    hours: {tue: ["22:00-06:00"], wed: ["05:00-09:00"]}
sources:
  zendesk: {provider: kayako}
policies:
  - name: a
    match: {channel: fax}
    first_response: {within: soon}
  - name: b
    calendar: support
    next_reply: {within: 1h}
    warnings: [1h]
    escalation:
      - {after: 2h, notify: x}
      - {after: 1h, notify: y}
  - name: c
    extra: 1
    first_response: {within: 1h, clock: business}
`
	errs := parseErrors(t, doc)
	want := []string{
		`line 3: calendars.support.timezone: unknown time zone "Nowhere/City"`,
		`line 5: calendars.support.hours.mon[1]: interval 16:00-18:00 overlaps 09:00-17:00`,
		`line 8: calendars.night.hours: Tuesday 22:00-06:00 overlaps Wednesday 05:00-09:00`,
		`line 10: sources.zendesk.provider: unknown provider "kayako"`,
		`line 13: policies[0].match.channel: unknown channel "fax"`,
		`line 14: policies[0].first_response.within: bad duration "soon"`,
		`line 16: policies[1].calendar: no calendar named "support" under calendars`,
		`line 18: policies[1].warnings[0]: warning 1h0m0s before the deadline is not inside the 1h0m0s target`,
		`line 21: policies[1].escalation[1].after: levels must come later one after another: 1h0m0s is not after 2h0m0s`,
		`line 23: policies[2].extra: unknown key "extra"`,
		`line 24: policies[2].first_response.clock: business clock needs the policy's calendar`,
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if i >= len(errs) || !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d: want prefix %q\ngot all:\n%v", i, w, errs)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("policies:\n  - name: a\n    first_response: {within: 1h}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := policy.Load(good)
	if err != nil || c.Policy("a") == nil {
		t.Fatalf("Load(good) = %v, %v", c, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("policies:\n  - name: a\n    first_response: {within: 1x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = policy.Load(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 3: policies[0].first_response.within") {
		t.Errorf("Load(bad) error = %v", err)
	}
	var errs policy.Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Errorf("Load(bad) error does not wrap policy.Errors: %v", err)
	}
	if _, err := policy.Load(filepath.Join(dir, "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want not-exist error", err)
	}
}

func TestEscalationAtTheDeadline(t *testing.T) {
	for _, zero := range []string{"0", "0s", "0m"} {
		c, err := policy.Parse([]byte("policies:\n  - name: p\n    first_response: {within: 1h}\n    escalation:\n      - {after: " + zero + ", notify: on-call}\n      - {after: 10m, notify: lead}\n"))
		if err != nil {
			t.Errorf("after: %s: %v", zero, err)
			continue
		}
		if got := c.Policies[0].Escalation[0].After; got != 0 {
			t.Errorf("after: %s parsed as %v", zero, got)
		}
	}
	_, err := policy.Parse([]byte("policies:\n  - name: p\n    first_response: {within: 1h}\n    escalation:\n      - {after: -5m, notify: on-call}\n"))
	if err == nil || !strings.Contains(err.Error(), `line 5: policies[0].escalation[0].after: duration "-5m" must not be negative`) {
		t.Errorf("negative after: %v", err)
	}
}

func TestSourceNames(t *testing.T) {
	for name, ok := range map[string]bool{"zendesk-eu": true, "Help_Scout2": true, "a#b": false, "x/y": false, "-x": false, "d.e": false} {
		_, err := policy.Parse([]byte("sources:\n  \"" + name + "\": {provider: generic}\npolicies:\n  - name: p\n    first_response: {within: 1h}\n"))
		if ok != (err == nil) {
			t.Errorf("source %q: err %v, want ok=%v", name, err, ok)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "line 2: sources")) {
			t.Errorf("source %q: error %v does not name line and path", name, err)
		}
	}
}

func TestSourceAPI(t *testing.T) {
	c := mustParse(t, `sources:
  zendesk:
    ack_author: "1900000001"
    api_url: https://acme.zendesk.com
    api_token_env: SLAWATCH_ZENDESK_API_TOKEN
  freshdesk: {api_url: "http://127.0.0.1:8080", api_token_env: FD_KEY_2, ack_author: "5"}
  local: {provider: freshdesk, api_url: "http://localhost:9000/", api_token_env: _K, ack_author: "5"}
  ipv6: {provider: zendesk, api_url: "http://[::1]:8443", api_token_env: K, ack_author: "5"}
  proxied: {provider: zendesk, api_url: "https://proxy.example.com/zendesk", api_token_env: K, ack_author: "5"}
  github: {}
policies:
  - name: a
    first_response: {within: 1h}
`)
	for name, want := range map[string][2]string{
		"zendesk":   {"https://acme.zendesk.com", "SLAWATCH_ZENDESK_API_TOKEN"},
		"freshdesk": {"http://127.0.0.1:8080", "FD_KEY_2"},
		"local":     {"http://localhost:9000/", "_K"},
		"ipv6":      {"http://[::1]:8443", "K"},
		"proxied":   {"https://proxy.example.com/zendesk", "K"},
		"github":    {"", ""}, // write-back off
	} {
		s := c.Sources[name]
		if s.APIURL != want[0] || s.APITokenEnv != want[1] {
			t.Errorf("source %s: api_url %q, api_token_env %q; want %q, %q", name, s.APIURL, s.APITokenEnv, want[0], want[1])
		}
	}
	if s := c.Sources["zendesk"]; s.AckAuthor != "1900000001" || s.Provider != "zendesk" {
		t.Errorf("source zendesk = %+v", s)
	}
}

// Write-back without ack_author is refused: the acknowledgement shows the
// customer no marker, so its echo is recognised by who posted it.
func TestSourceAPINeedsAckAuthor(t *testing.T) {
	errs := parseErrors(t, `sources:
  zendesk:
    api_url: https://acme.zendesk.com
    api_token_env: SLAWATCH_ZENDESK_API_TOKEN
policies:
  - name: a
    first_response: {within: 1h}
`)
	if len(errs) != 1 || errs[0].Path != "sources.zendesk.ack_author" || errs[0].Line != 3 || !strings.Contains(errs[0].Msg, "required with api_url") {
		t.Errorf("errors %v, want sources.zendesk.ack_author required with api_url at line 3", errs)
	}
}

// A credential pasted where a name or URL belongs is refused without being
// repeated: `config check` output ends up in CI logs.
func TestSourceAPICredentialNotEchoed(t *testing.T) {
	errs := parseErrors(t, `sources:
  zendesk:
    ack_author: "1900000001"
    api_url: https://agent%40example.com:Zk8sQ2mWp@acme.zendesk.com
    api_token_env: agent@example.com/token:Zk8sQ2mWp
  freshdesk:
    ack_author: "501003979303"
    api_url: https://acme.freshdesk.com
    api_token_env: Fq7HdKeY3xLmP0aB9cZt
  freshdesk-eu:
    ack_author: "501003979303"
    provider: freshdesk
    api_url: "https://agent:Qv9 Lw2@acme.freshdesk.com"
    api_token_env: SLAWATCH_FRESHDESK_EU_API_KEY
policies:
  - name: a
    first_response: {within: 1h}
`)
	if len(errs) != 4 {
		t.Errorf("got %d errors, want 4 (api_url and api_token_env of zendesk, api_token_env of freshdesk, api_url of freshdesk-eu):\n%v", len(errs), errs)
	}
	for _, secret := range []string{"Zk8sQ2mWp", "agent@example.com", "agent%40example.com", "Fq7HdKeY3xLmP0aB9cZt", "Qv9 Lw2"} {
		if strings.Contains(errs.Error(), secret) {
			t.Errorf("errors repeat %q:\n%v", secret, errs)
		}
	}
}

func TestResolutionTarget(t *testing.T) {
	c := mustParse(t, `
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon: ["09:00-17:00"]}
policies:
  - name: biz
    calendar: office
    first_response: {within: 4h, clock: business}
    resolution: {within: 24h, clock: business}
    warnings: ["25%", 2h]
  - name: only-resolution
    resolution: {within: 72h}
  - name: none
    first_response: {within: 1h}
`)
	biz := c.Policy("biz")
	if r := biz.Resolution; r == nil || r.Within != 24*time.Hour || r.CalendarName != "office" || r.Calendar != c.Calendars["office"] || r.Calendar == nil {
		t.Errorf("biz resolution = %+v, want 24h on the office calendar", r)
	}
	// 25% of 24h is 6h: warnings apply to the resolution target as to the others.
	if got := biz.Warnings[0].Lead(biz.Resolution); got != 6*time.Hour {
		t.Errorf("25%% of 24h = %v, want 6h", got)
	}
	if r := c.Policy("only-resolution").Resolution; r == nil || r.Within != 72*time.Hour || r.Calendar != nil || r.CalendarName != "" {
		t.Errorf("only-resolution resolution = %+v, want 72h in calendar time", r)
	}
	if p := c.Policy("only-resolution"); p.FirstResponse != nil || p.NextReply != nil {
		t.Errorf("only-resolution has targets it did not set: %+v %+v", p.FirstResponse, p.NextReply)
	}
	if r := c.Policy("none").Resolution; r != nil {
		t.Errorf("a policy without resolution got %+v", r)
	}
}

func TestResolutionErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{
			name: "business clock without calendar",
			doc: `policies:
  - name: a
    resolution: {within: 24h, clock: business}
`,
			want: []string{`line 3: policies[0].resolution.clock: business clock needs the policy's calendar`},
		},
		{
			name: "days are not a unit",
			doc: `policies:
  - name: a
    resolution:
      within: 3d
      clock: calendar
`,
			want: []string{`line 4: policies[0].resolution.within: bad duration "3d": days are not a unit, write hours`},
		},
		{
			name: "no within, unknown clock, unknown key",
			doc: `policies:
  - name: a
    resolution: {clock: wall, by: 3}
`,
			want: []string{
				`line 3: policies[0].resolution.by: unknown key "by"`,
				`line 3: policies[0].resolution.within: required`,
				`line 3: policies[0].resolution.clock: unknown clock "wall"`,
			},
		},
		{
			name: "warning not inside the resolution target",
			doc: `policies:
  - name: a
    first_response: {within: 8h}
    resolution: {within: 4h}
    warnings: [1h, 4h]
`,
			want: []string{`line 5: policies[0].warnings[1]: warning 4h0m0s before the deadline is not inside the 4h0m0s target`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := parseErrors(t, tt.doc)
			for _, w := range tt.want {
				if !slices.ContainsFunc(errs, func(e *policy.FieldError) bool { return strings.HasPrefix(e.Error(), w) }) {
					t.Errorf("missing error %q in:\n%s", w, errs)
				}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%s", len(errs), len(tt.want), errs)
			}
		})
	}
}
