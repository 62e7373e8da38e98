package pagerdutytest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const key = "R0UT1NGKEYSECRET0123456789abcdef"

func post(t *testing.T, s *Server, path, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func trigger(dedup, severity string) string {
	return `{"routing_key":"` + key + `","event_action":"trigger","dedup_key":"` + dedup +
		`","payload":{"summary":"s","source":"h","severity":"` + severity + `"}}`
}

// The documented contract: what is accepted, what is refused and how.
func TestContract(t *testing.T) {
	s := NewServer()
	defer s.Close()
	tests := []struct {
		name, path, ctype, body string
		status                  int
		errs                    []string
	}{
		{"trigger", Path, "application/json", trigger("k1", "critical"), 202, nil},
		{"charset", Path, "application/json; charset=utf-8", trigger("k1", "info"), 202, nil},
		{"resolve needs only the key", Path, "application/json", `{"routing_key":"` + key + `","event_action":"resolve","dedup_key":"k1"}`, 202, nil},
		{"short routing key", Path, "application/json", strings.Replace(trigger("k", "info"), key, key[:31], 1), 400,
			[]string{"Length of 'routing_key' is incorrect (should be 32 characters)"}},
		{"severity is case-sensitive", Path, "application/json", trigger("k", "Info"), 400,
			[]string{"'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"}},
		{"unknown action", Path, "application/json", strings.Replace(trigger("k", "info"), `"trigger"`, `"page"`, 1), 400,
			[]string{"'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"}},
		{"trigger without payload", Path, "application/json", `{"routing_key":"` + key + `","event_action":"trigger"}`, 400,
			[]string{"'payload' is missing or blank"}},
		{"missing summary and source", Path, "application/json", `{"routing_key":"` + key + `","event_action":"trigger","payload":{"severity":"info"}}`, 400,
			[]string{"'payload.summary' is missing or blank", "'payload.source' is missing or blank"}},
		{"summary of 1025", Path, "application/json", strings.Replace(trigger("k", "info"), `"summary":"s"`, `"summary":"`+strings.Repeat("é", 1025)+`"`, 1), 400,
			[]string{"'payload.summary' is too long (maximum is 1024 characters)"}},
		{"dedup key of 256", Path, "application/json", trigger(strings.Repeat("k", 256), "info"), 400,
			[]string{"'dedup_key' is too long (maximum is 255 characters)"}},
		{"dedup key of 255", Path, "application/json", trigger(strings.Repeat("k", 255), "info"), 202, nil},
		{"resolve without key", Path, "application/json", `{"routing_key":"` + key + `","event_action":"resolve"}`, 400,
			[]string{"'dedup_key' is missing or blank"}},
		{"not JSON", Path, "application/json", `{`, 400, []string{"JSON parse error"}},
		{"form post", Path, "application/x-www-form-urlencoded", trigger("k", "info"), 400, []string{"Content-Type must be application/json"}},
		{"over 512 KB", Path, "application/json", strings.Replace(trigger("k", "info"), `"source":"h"`, `"source":"`+strings.Repeat("h", 512*1024)+`"`, 1), 400,
			[]string{"Event is too large (maximum is 512 KB)"}},
		{"wrong path", "/v1/enqueue", "application/json", trigger("k", "info"), 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := post(t, s, tt.path, tt.ctype, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, m)
			}
			switch status {
			case 202:
				if m["status"] != "success" || m["message"] != "Event processed" || m["dedup_key"] == nil {
					t.Errorf("202 body %v", m)
				}
			case 400:
				var got []string
				for _, e := range m["errors"].([]any) {
					got = append(got, e.(string))
				}
				if strings.Join(got, "|") != strings.Join(tt.errs, "|") {
					t.Errorf("errors %q, want %q", got, tt.errs)
				}
			}
		})
	}
	resp, err := s.Client().Get(s.EnqueueURL())
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v, want 405", resp.StatusCode, err)
	}
}

// Incidents follow the documented de-duplication.
func TestIncidentModel(t *testing.T) {
	s := NewServer()
	defer s.Close()
	send := func(body string) {
		t.Helper()
		if status, m := post(t, s, Path, "application/json", body); status != 202 {
			t.Fatalf("%d %v", status, m)
		}
	}
	action := func(a, k string) string {
		return `{"routing_key":"` + key + `","event_action":"` + a + `","dedup_key":"` + k + `"}`
	}
	send(trigger("a", "warning"))
	send(trigger("a", "error")) // applied to the open incident
	send(action("acknowledge", "a"))
	send(trigger("a", "critical")) // still the same incident while acknowledged
	send(action("resolve", "a"))
	send(action("resolve", "a"))     // no open incident: dropped
	send(action("acknowledge", "b")) // never triggered: dropped
	send(trigger("a", "info"))       // after resolve: a new incident

	got := s.Incidents()
	if len(got) != 2 {
		t.Fatalf("%d incidents, want 2: %+v", len(got), got)
	}
	if in := got[0]; in.Number != 1 || in.Status != "resolved" || in.Triggers != 3 ||
		strings.Join(in.Severities, ",") != "warning,error,critical" || in.Severity != "critical" {
		t.Errorf("first incident %+v", in)
	}
	if in := got[1]; in.Number != 2 || in.Status != "triggered" || in.Triggers != 1 || in.Severity != "info" {
		t.Errorf("second incident %+v", in)
	}
	if n := len(s.IncidentsFor("b")); n != 0 {
		t.Errorf("%d incidents for an acknowledge of nothing", n)
	}
}

// Faults come in the order given, one request each, then the server
// answers normally again.
func TestFaults(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Fail(RateLimit, 1)
	s.Fail(ServerError, 1)
	s.Fail(BadRequest, 1)
	for _, want := range []int{429, 500, 400, 202} {
		if status, _ := post(t, s, Path, "application/json", trigger("k", "info")); status != want {
			t.Errorf("status %d, want %d", status, want)
		}
	}
	if s.Requests() != 4 || len(s.Accepted()) != 1 {
		t.Errorf("%d requests, %d accepted; want 4, 1", s.Requests(), len(s.Accepted()))
	}
}
