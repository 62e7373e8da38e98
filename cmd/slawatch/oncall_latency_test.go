package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

var onCallLatency = flag.Int("oncall.latency", 0, "tickets for TestOnCallLatency (0 skips it): deadline → PagerDuty trigger accepted, through slawatch serve")

// TestOnCallLatency measures, through slawatch serve, the time from each
// ticket's deadline to PagerDuty's stand-in accepting its breach, and
// checks each breached ticket made one incident. Opt-in: it waits for real
// deadlines. go test -run TestOnCallLatency -v ./cmd/slawatch -args -oncall.latency=200
func TestOnCallLatency(t *testing.T) {
	n := *onCallLatency
	if n == 0 {
		t.Skip("-oncall.latency=N runs it")
	}
	var mu sync.Mutex
	accepted := map[string][]time.Time{} // dedup key → arrivals of trigger events
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var ev struct {
			Action   string `json:"event_action"`
			DedupKey string `json:"dedup_key"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if ev.Action == "trigger" {
			mu.Lock()
			accepted[ev.DedupKey] = append(accepted[ev.DedupKey], now)
			mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, ev.DedupKey)
	}))
	t.Cleanup(pd.Close)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(`sources:
  generic: {provider: generic}
policies:
  - name: live
    match: {channel: [chat]}
    first_response: {within: 1m}
integrations:
  pagerduty: {routing_key_env: PD_KEY}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLAWATCH_GENERIC_SECRET", "s")
	t.Setenv("PD_KEY", "0123456789abcdef0123456789abcdef")
	t.Setenv("SLAWATCH_PAGERDUTY_URL", pd.URL+"/v2/enqueue")
	srv := startServer(t, "--config", cfg, "--check-every", "1s")
	// Deadlines spread over 20 seconds from 5 seconds on.
	start := time.Now().UTC().Add(5*time.Second - time.Minute)
	due := map[string]time.Time{}
	for i := range n {
		created := start.Add(time.Duration(i) * 20 * time.Second / time.Duration(n))
		id := fmt.Sprintf("L-%d", i)
		due["slawatch/generic/"+id+"/first_response/0"] = created.Add(time.Minute)
		body := fmt.Sprintf(`{"ticket_id":%q,"event_id":"%s-c","kind":"ticket_created","occurred_at":%q,"channel":"chat","priority":"normal"}`, id, id, created.Format(time.RFC3339Nano))
		if st := srv.post(t, "s", body); st != http.StatusOK {
			t.Fatalf("post %s: %d", id, st)
		}
	}
	waitUpTo(t, 90*time.Second, "every breach in PagerDuty", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) == n
	})
	time.Sleep(3 * time.Second) // any duplicate would have come by now
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	incidents := 0
	for key, at := range accepted {
		incidents++
		if len(at) != 1 {
			t.Errorf("%s: %d triggers, want 1", key, len(at))
		}
		lat = append(lat, at[0].Sub(due[key]))
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("%d breached tickets, %d incidents (%.2f per ticket); deadline → trigger accepted: p50 %s, p99 %s, max %s",
		n, incidents, float64(incidents)/float64(n), p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}
