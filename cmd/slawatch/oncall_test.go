package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/oncall/pagerduty/pagerdutytest"
)

// slawatch serve delivers alerts into PagerDuty in process: a chat ticket
// created 70 minutes ago has breached (1 hour); the breach opens one
// incident, and the reply resolves it.
func TestServeDeliversToPagerDuty(t *testing.T) {
	pd := pagerdutytest.NewServer()
	t.Cleanup(pd.Close)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(`sources:
  generic: {provider: generic}
policies:
  - name: realtime
    team: chat
    match: {channel: [chat]}
    first_response: {within: 1h}
integrations:
  pagerduty: {routing_key_env: SLAWATCH_TEST_PD_KEY}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLAWATCH_GENERIC_SECRET", "s")
	t.Setenv("SLAWATCH_TEST_PD_KEY", "0123456789abcdef0123456789abcdef")
	t.Setenv("SLAWATCH_PAGERDUTY_URL", pd.EnqueueURL())
	srv := startServer(t, "--config", cfg, "--check-every", "200ms")

	now := time.Now().UTC()
	post := func(body string) {
		t.Helper()
		if st := srv.post(t, "s", body); st != http.StatusOK {
			t.Fatalf("post: %d", st)
		}
	}
	post(fmt.Sprintf(`{"ticket_id":"T-1","event_id":"c","kind":"ticket_created","occurred_at":%q,"channel":"chat","priority":"normal"}`, now.Add(-70*time.Minute).Format(time.RFC3339)))
	key := "slawatch/generic/T-1/first_response/0"
	waitFor(t, "the incident", func() bool { return len(pd.IncidentsFor(key)) == 1 })
	post(fmt.Sprintf(`{"ticket_id":"T-1","event_id":"r","kind":"agent_reply","occurred_at":%q,"author":"agent","public":true}`, time.Now().UTC().Format(time.RFC3339)))
	waitFor(t, "the incident resolved", func() bool {
		inc := pd.IncidentsFor(key)
		return len(inc) == 1 && inc[0].Status == "resolved"
	})
	if n := len(pd.Incidents()); n != 1 {
		t.Errorf("%d incidents, want 1: %+v", n, pd.Incidents())
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
