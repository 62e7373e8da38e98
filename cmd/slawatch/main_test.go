package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const nyConfig = `
calendars:
  support:
    timezone: America/New_York
    hours:
      mon: ["09:00-12:00", "13:00-17:00"]
      tue: ["09:00-12:00", "13:00-17:00"]
      wed: ["09:00-12:00", "13:00-17:00"]
      thu: ["09:00-12:00", "13:00-17:00"]
      fri: ["09:00-12:00", "13:00-17:00"]
    holidays: [{country: us}, "2026-12-31"]
policies:
  - name: all
    calendar: support
    first_response: {within: 8h, clock: business}
`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "slawatch.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeadline(t *testing.T) {
	ny := writeFile(t, nyConfig)
	tests := []struct {
		name string
		args []string
		want string
	}{
		// Default calendar: UTC Mon-Fri 09-17. Friday 16:00 + 2h: one hour on
		// Friday, the weekend is closed, one hour on Monday.
		{"default config over a weekend", []string{"--calendar", "support", "--start", "2026-11-27T16:00:00Z", "--duration", "2h"}, "2026-11-30T10:00:00Z"},
		// Wed 25 Nov 16:00 EST: 1h on Wednesday; Thursday 26 is Thanksgiving
		// (us holiday set); Friday 09-12 and 13-17 give the other 7h.
		{"split day and national holiday", []string{"--config", ny, "--calendar", "support", "--start", "2026-11-25T16:00:00-05:00", "--duration", "8h"}, "2026-11-27T17:00:00-05:00"},
		// Start given in UTC, answer in the calendar's zone: 14:00Z is 09:00
		// EST on Monday 30 Nov; 90 minutes later is 10:30.
		{"answer in calendar zone", []string{"--config", ny, "--calendar", "support", "--start", "2026-11-30T14:00:00Z", "--duration", "90m"}, "2026-11-30T10:30:00-05:00"},
		// Wed 30 Dec 16:00 EST: 1h; 31 Dec (explicit) and 1 Jan (New Year)
		// closed, then the weekend; Monday 4 Jan 09:00 + 1h.
		{"year end", []string{"--config", ny, "--calendar", "support", "--start", "2026-12-30T16:00:00-05:00", "--duration", "2h"}, "2027-01-04T10:00:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"deadline"}, tt.args...), &out, &out); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(out.String()); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// deadline --config accepts a file with calendars and no policies ("policies:
// required" before); config check still wants them.
func TestDeadlineCalendarsOnly(t *testing.T) {
	p := writeFile(t, "calendars:\n  office:\n    timezone: Europe/Paris\n    hours: {mon: [\"09:00-17:00\"], fri: [\"09:00-17:00\"]}\n")
	// Friday 27 Nov 16:00 Paris + 3h: one hour on Friday, two on Monday.
	code, out, errOut := cli("deadline", "--config", p, "--calendar", "office", "--start", "2026-11-27T16:00:00+01:00", "--duration", "3h")
	if code != 0 || strings.TrimSpace(out) != "2026-11-30T11:00:00+01:00" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and 2026-11-30T11:00:00+01:00", code, out, errOut)
	}
	code, _, errOut = cli("config", "check", p)
	if code != 1 || !strings.Contains(errOut, "policies: required") {
		t.Errorf("config check: exit %d, stderr %q; want 1, policies required", code, errOut)
	}
}

func TestCommandErrors(t *testing.T) {
	bad := writeFile(t, "calendars:\n  support:\n    timezone: Nowhere/City\n    hours: {mon: [\"09:00-17:00\"]}\npolicies: []\n")
	tests := []struct {
		name     string
		args     []string
		usage    bool
		contains string
	}{
		{"no command", nil, true, "no command"},
		{"unknown command", []string{"frobnicate"}, true, "unknown command"},
		{"deadline without calendar", []string{"deadline", "--start", "2026-01-01T00:00:00Z", "--duration", "1h"}, true, "--calendar"},
		{"deadline bad start", []string{"deadline", "--calendar", "support", "--start", "monday", "--duration", "1h"}, true, "RFC 3339"},
		{"deadline bad duration", []string{"deadline", "--calendar", "support", "--start", "2026-01-01T00:00:00Z", "--duration", "soon"}, true, "duration"},
		{"deadline unknown calendar", []string{"deadline", "--calendar", "weekend", "--start", "2026-01-01T00:00:00Z", "--duration", "1h"}, false, `no calendar "weekend"`},
		{"config check invalid", []string{"config", "check", bad}, false, "line 3: calendars.support.timezone"},
		{"config check missing file", []string{"config", "check", filepath.Join(t.TempDir(), "none.yaml")}, false, "no such file"},
		{"serve on a half-valid config", []string{"serve", "--config", bad}, false, "unknown time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUsage) != tt.usage {
				t.Errorf("usage error = %v, want %v (%v)", errors.Is(err, errUsage), tt.usage, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "check", "../../infra/config/example.yaml"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ok (3 calendars, 2 sources, 5 policies)") {
		t.Errorf("config check printed %q", out.String())
	}
}

func TestConfigCheckAndDefault(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "default"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, out.String())
	out.Reset()
	if err := run(context.Background(), []string{"config", "check", p}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ok (1 calendars, 9 sources, 4 policies)") {
		t.Errorf("config check printed %q", out.String())
	}
}

// syncBuffer lets the test read what the server logs while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeStartsAndStops(t *testing.T) {
	s := startServer(t, "--check-every", "50ms")
	resp, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := s.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
