package policy

import "testing"

func TestScratch(t *testing.T) {
	for _, s := range []string{"a: 1\nb: 2\n\tc: 3\n", "policies:\n  - name: x\n    match: {channel: chat\n    next_reply: {within: 1h}\n", "policies:\n  - name: \"x\n", "calendars:\n  support:\n    timezone: UTC\n   hours: 24/7\n"} {
		_, err := Parse([]byte(s))
		t.Logf("%q -> %v", s, err)
	}
}
