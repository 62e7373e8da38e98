package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/heartbeat"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/store"
)

// spyTraffic records what the webhook handler reports.
type spyTraffic struct {
	mu    sync.Mutex
	calls []string // "accepted <source>" or "rejected <source>"
	err   error
}

func (s *spyTraffic) RecordAccepted(_ context.Context, source string, at time.Time) error {
	return s.add("accepted "+source, at)
}

func (s *spyTraffic) RecordRejected(_ context.Context, source string, at time.Time) error {
	return s.add("rejected "+source, at)
}

func (s *spyTraffic) add(call string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !at.Equal(now) {
		call += " at " + at.String() // the API's clock, not the wall clock
	}
	s.calls = append(s.calls, call)
	return s.err
}

func (s *spyTraffic) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

const heartbeatConfig = `
sources:
  generic: {}
  closed: {provider: generic}
policies:
  - name: all
    first_response: {within: 1h}
`

func TestHeartbeatTraffic(t *testing.T) {
	f := newFixture(t, heartbeatConfig, map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	spy := &spyTraffic{}
	f.api.Traffic = spy
	for _, tc := range []struct {
		name, path, ct, sig, body string
		status                    int
		want                      string // the call, or "" for none
	}{
		{"applied", "/webhooks/generic", "application/json", sign(created), created, 200, "accepted generic"},
		{"duplicate", "/webhooks/generic", "application/json", sign(created), created, 200, "accepted generic"},
		{"wrong signature", "/webhooks/generic", "application/json", generic.Sign([]byte("rotated"), []byte(created)), created, 401, "rejected generic"},
		{"missing signature", "/webhooks/generic", "application/json", "", created, 401, "rejected generic"},
		{"no secret configured", "/webhooks/closed", "application/json", sign(created), created, 401, "rejected closed"},
		// Neither: the sender is neither shown alive nor refused for its
		// credentials.
		{"verified but unparsable", "/webhooks/generic", "application/json", sign(`{"ticket_id":`), `{"ticket_id":`, 400, ""},
		{"wrong content type", "/webhooks/generic", "text/plain", sign(created), created, 415, ""},
		{"unknown source", "/webhooks/nope", "application/json", sign(created), created, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.post(t, tc.path, tc.ct, tc.sig, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d (%v)", status, tc.status, body)
			}
			got := spy.take()
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("recorded %v, want nothing", got)
			case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("recorded %v, want [%s]", got, tc.want)
			}
		})
	}
}

// A failing store does not fail the webhook, and the log line says so
// without the secret or the signature.
func TestHeartbeatTrafficFailureLogged(t *testing.T) {
	f := newFixture(t, heartbeatConfig, map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	var logs bytes.Buffer
	f.api.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.api.Traffic = &spyTraffic{err: errors.New("store: update traffic of source generic: throttled")}
	if status, body := f.post(t, "/webhooks/generic", "application/json", sign(created), created); status != http.StatusOK {
		t.Fatalf("status %d (%v), want 200 despite the failed traffic write", status, body)
	}
	bad := generic.Sign([]byte("rotated"), []byte(created))
	if status, _ := f.post(t, "/webhooks/generic", "application/json", bad, created); status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", status)
	}
	out := logs.String()
	if n := strings.Count(out, "webhook traffic not recorded"); n != 2 {
		t.Errorf("%d failure lines, want 2:\n%s", n, out)
	}
	for _, s := range []string{secret, sign(created), bad} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
}

// Through heartbeat.Recorder into a store: a burst of webhooks is one
// write, refusals all count, and the next accepted webhook ends the
// streak.
func TestHeartbeatTrafficRecorded(t *testing.T) {
	f := newFixture(t, heartbeatConfig, map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	mem := store.NewMemory()
	writes := &countWrites{Traffic: mem}
	f.api.Traffic = heartbeat.NewRecorder(writes)
	for i := range 20 {
		body := strings.Replace(created, `"e1"`, fmt.Sprintf(`"e%d"`, i), 1)
		if status, b := f.post(t, "/webhooks/generic", "application/json", sign(body), body); status != http.StatusOK {
			t.Fatalf("webhook %d: %d %v", i, status, b)
		}
	}
	if writes.accepted != 1 {
		t.Errorf("20 webhooks in one minute: %d store writes, want 1", writes.accepted)
	}
	bad := generic.Sign([]byte("rotated"), []byte(created))
	for range 5 {
		f.post(t, "/webhooks/generic", "application/json", bad, created)
	}
	st, err := mem.Watch(context.Background(), "generic", now)
	if err != nil {
		t.Fatal(err)
	}
	if !st.LastAccepted.Equal(now) || st.RejectedInARow != 5 || !st.LastRejected.Equal(now) {
		t.Errorf("state %+v, want accepted at %v and 5 refusals in a row", st, now)
	}
	f.post(t, "/webhooks/generic", "application/json", sign(created), created)
	if st, _ := mem.Watch(context.Background(), "generic", now); st.RejectedInARow != 0 {
		t.Errorf("accepted webhook after refusals: %d in a row, want 0", st.RejectedInARow)
	}
}

type countWrites struct {
	store.Traffic
	accepted int
}

func (c *countWrites) RecordAccepted(ctx context.Context, source string, at time.Time) error {
	c.accepted++
	return c.Traffic.RecordAccepted(ctx, source, at)
}
