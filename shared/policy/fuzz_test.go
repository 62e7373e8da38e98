package policy_test

import (
	"errors"
	"testing"

	"github.com/slawatch/slawatch/shared/policy"
)

// FuzzParseConfig: any input gives a Config or an Errors list whose every
// entry has a line and a path — never a panic, never both or neither.
func FuzzParseConfig(f *testing.F) {
	f.Add(policy.DefaultYAML())
	for _, s := range []string{
		"", "---", "~", "[]", "policies: []",
		"calendars: {a: {timezone: UTC, hours: 24/7, holidays: [{country: us}, \"2026-01-01\"]}}\npolicies: [{name: p, calendar: a, first_response: {within: 1h, clock: business}}]",
		"calendars: {a: {timezone: UTC, hours: {mon: [\"22:00-06:00\"], tue: [\"05:00-09:00\"]}}}",
		"policies: [{name: p, first_response: {within: 1h}, warnings: [\"50%\", 10m], escalation: [{after: 0s, notify: x}]}]",
		"a: &x [*x]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := policy.Parse(b)
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", c != nil, err)
		}
		var errs policy.Errors
		if err != nil {
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty Errors: %v", err)
			}
			for _, e := range errs {
				if e.Line <= 0 || e.Path == "" {
					t.Fatalf("error without line or path: %q", e.Error())
				}
			}
		}
	})
}
