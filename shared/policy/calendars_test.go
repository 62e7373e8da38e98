package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

const calendarsOnly = `
calendars:
  office:
    timezone: Europe/Paris
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"]}
`

// A file with calendars and no policies is all slawatch deadline needs;
// the full configuration still requires policies.
func TestParseCalendars(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // error text, or "" for success
	}{
		{"calendars only", calendarsOnly, ""},
		{"empty policy list", calendarsOnly + "policies: []\n", ""},
		{"with policies", calendarsOnly + "policies:\n  - {name: all, calendar: office, first_response: {within: 8h}}\n", ""},
		{"invalid calendar", "calendars:\n  office: {timezone: Nowhere/City, hours: {mon: [\"09:00-17:00\"]}}\n", "calendars.office.timezone"},
		{"invalid policy present", calendarsOnly + "policies:\n  - {name: all, calendar: nope, first_response: {within: 8h}}\n", "policies[0].calendar"},
		{"policies not a list", calendarsOnly + "policies: all\n", "policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cals, err := policy.ParseCalendars([]byte(tt.yaml))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want one naming %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := cals["office"]
			if c == nil || c.Location().String() != "Europe/Paris" {
				t.Fatalf("calendars %v", cals)
			}
			// Tuesday 16:00 Paris + 2h: one hour on Tuesday, Wednesday to
			// Sunday closed, 10:00 the next Monday.
			from := time.Date(2026, 11, 24, 16, 0, 0, 0, c.Location())
			if got, want := c.Add(from, 2*time.Hour), time.Date(2026, 11, 30, 10, 0, 0, 0, c.Location()); !got.Equal(want) {
				t.Errorf("deadline %v, want %v", got, want)
			}
		})
	}
	if _, err := policy.Parse([]byte(calendarsOnly)); err == nil || !strings.Contains(err.Error(), "policies: required") {
		t.Errorf("Parse of a file without policies: %v, want policies required", err)
	}
}
