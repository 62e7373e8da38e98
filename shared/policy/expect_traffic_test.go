package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

const onePolicy = `policies:
  - name: a
    first_response: {within: 1h}
`

func TestExpectTraffic(t *testing.T) {
	// The sources come before the calendar they name: a calendar may be
	// defined anywhere in the file.
	c := mustParse(t, `sources:
  zendesk:
    expect_traffic: {within: 2h, calendar: support}
  freshdesk:
    expect_traffic: {within: 30m, rejections: 3}
  github: {}
calendars:
  support:
    timezone: Europe/Paris
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"]}
`+onePolicy)
	z := c.Sources["zendesk"].ExpectTraffic
	if z == nil || z.Within != 2*time.Hour || z.CalendarName != "support" || z.Calendar != c.Calendars["support"] || z.Calendar == nil || z.Rejections != policy.DefaultRejections {
		t.Errorf("zendesk expect_traffic = %+v, want 2h on calendar support, %d rejections", z, policy.DefaultRejections)
	}
	if policy.DefaultRejections != 5 {
		t.Errorf("DefaultRejections = %d, the documented default is 5", policy.DefaultRejections)
	}
	f := c.Sources["freshdesk"].ExpectTraffic
	if f == nil || f.Within != 30*time.Minute || f.Calendar != nil || f.CalendarName != "" || f.Rejections != 3 {
		t.Errorf("freshdesk expect_traffic = %+v, want 30m in calendar time, 3 rejections", f)
	}
	if g := c.Sources["github"].ExpectTraffic; g != nil {
		t.Errorf("github has no expect_traffic, got %+v", g)
	}
}

func TestExpectTrafficErrors(t *testing.T) {
	for _, tc := range []struct {
		name, sources string
		want          []string // exact errors, in order
	}{
		{
			name:    "within required",
			sources: "  zendesk:\n    expect_traffic: {calendar: support}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.within: required: how long the source may send nothing, such as 2h`},
		},
		{
			name:    "within zero",
			sources: "  zendesk:\n    expect_traffic: {within: 0s}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.within: duration "0s" must be positive`},
		},
		{
			name:    "within negative",
			sources: "  zendesk:\n    expect_traffic: {within: -2h}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.within: duration "-2h" must be positive`},
		},
		{
			name:    "within below the resolution",
			sources: "  zendesk:\n    expect_traffic: {within: 30s}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.within: duration "30s" is shorter than the heartbeat's resolution: want at least 1m`},
		},
		{
			name:    "within not a duration",
			sources: "  zendesk:\n    expect_traffic:\n      within: two hours\n",
			want:    []string{`line 4: sources.zendesk.expect_traffic.within: bad duration "two hours"`},
		},
		{
			name:    "unknown calendar",
			sources: "  zendesk:\n    expect_traffic:\n      within: 2h\n      calendar: office\n",
			want:    []string{`line 5: sources.zendesk.expect_traffic.calendar: no calendar named "office" under calendars`},
		},
		{
			name:    "rejections zero",
			sources: "  zendesk:\n    expect_traffic: {within: 2h, rejections: 0}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.rejections: want a whole number of refused requests in a row, at least 1, got "0"`},
		},
		{
			name:    "rejections not a number",
			sources: "  zendesk:\n    expect_traffic: {within: 2h, rejections: [5]}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.rejections: want a whole number of refused requests in a row, at least 1, got a list`},
		},
		{
			name:    "unknown key",
			sources: "  zendesk:\n    expect_traffic: {within: 2h, every: 1h}\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic.every: unknown key "every" (known keys: within, calendar, rejections)`},
		},
		{
			name:    "not a mapping",
			sources: "  zendesk:\n    expect_traffic: 2h\n",
			want:    []string{`line 3: sources.zendesk.expect_traffic: want a mapping, got "2h"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, "sources:\n"+tc.sources+"calendars:\n  support: {timezone: UTC, hours: 24/7}\n"+onePolicy)
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tc.want), errs)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
				}
			}
		})
	}
}
