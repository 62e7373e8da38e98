package oncall

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
)

func TestDoClassifies(t *testing.T) {
	tests := []struct {
		status             int
		header, body       string
		wantErr, permanent bool
		after              time.Duration
	}{
		{status: 202, body: `{"status":"success"}`},
		{status: 400, body: `{"status":"invalid event","errors":["routing_key is invalid"]}`, wantErr: true, permanent: true},
		{status: 403, wantErr: true, permanent: true},
		{status: 404, wantErr: true, permanent: true},
		{status: 408, wantErr: true},
		{status: 429, header: "7", wantErr: true, after: 7 * time.Second},
		{status: 429, header: "soon", wantErr: true},
		{status: 500, wantErr: true},
		{status: 503, header: "120", wantErr: true}, // Retry-After only honoured on 429
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tt.header != "" {
				w.Header().Set("Retry-After", tt.header)
			}
			w.WriteHeader(tt.status)
			_, _ = w.Write([]byte(tt.body))
		}))
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/secret-token-in-path", nil)
		_, err := Do(srv.Client(), req, "tool")
		srv.Close()
		if (err != nil) != tt.wantErr {
			t.Fatalf("%d: err %v, want error %v", tt.status, err, tt.wantErr)
		}
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Permanent != tt.permanent || e.RetryAfter != tt.after || e.Status != tt.status {
			t.Errorf("%d: %#v, want permanent %v, retry after %v", tt.status, err, tt.permanent, tt.after)
		}
		if retry, _ := Retryable(err); retry == tt.permanent {
			t.Errorf("%d: Retryable %v", tt.status, retry)
		}
		if strings.Contains(err.Error(), "secret-token") {
			t.Errorf("%d: the error shows the URL: %v", tt.status, err)
		}
	}
}

// A transport failure is retried and does not show the URL (Slack's and
// Teams' webhook URLs are credentials).
func TestDoTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/hooks/secret-token"
	srv.Close()
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	_, err := Do(http.DefaultClient, req, "slack")
	if retry, _ := Retryable(err); err == nil || !retry || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("err %v (retry %v): want a retryable error without the URL", err, retry)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"30", 30 * time.Second}, {"-5", 0}, {"x", 0},
		{"Sat, 05 Dec 2026 12:01:30 GMT", 90 * time.Second}, {"Sat, 05 Dec 2026 11:00:00 GMT", 0},
	} {
		if got := RetryAfter(tt.v, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

type scripted struct {
	errs  []error
	calls int
}

func (s *scripted) Send(context.Context, notify.Document) error {
	s.calls++
	if s.calls <= len(s.errs) {
		return s.errs[s.calls-1]
	}
	return nil
}

func TestDeliver(t *testing.T) {
	retry := &Error{Tool: "t", Status: 503}
	limited := &Error{Tool: "t", Status: 429, RetryAfter: 40 * time.Second}
	bad := &Error{Tool: "t", Status: 400, Permanent: true}
	tests := []struct {
		name     string
		errs     []error
		attempts int
		err      error
		minWaits []time.Duration // each wait at least this
	}{
		{"first try", nil, 1, nil, nil},
		{"5xx then ok", []error{retry, retry}, 3, nil, []time.Duration{500 * time.Millisecond, time.Second}},
		{"429 waits what it asks", []error{limited}, 2, nil, []time.Duration{40 * time.Second}},
		{"400 is not retried", []error{bad, nil}, 1, bad, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{errs: tt.errs}
			var waits []time.Duration
			n, err := Deliver(context.Background(), s, notify.Document{}, Backoff{Sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}})
			if n != tt.attempts || !errors.Is(err, tt.err) {
				t.Fatalf("%d attempts, %v; want %d, %v", n, err, tt.attempts, tt.err)
			}
			if len(waits) != len(tt.minWaits) {
				t.Fatalf("waits %v, want %d", waits, len(tt.minWaits))
			}
			for i, w := range waits {
				if w < tt.minWaits[i] || w > 2*tt.minWaits[i]+time.Second && tt.minWaits[i] < 10*time.Second {
					t.Errorf("wait %d = %v, want from %v", i, w, tt.minWaits[i])
				}
			}
		})
	}
	// A deadline too close for the next wait ends the loop with the error.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s := &scripted{errs: []error{limited, nil}}
	if n, err := Deliver(ctx, s, notify.Document{}, Backoff{}); n != 1 || !errors.Is(err, limited) {
		t.Errorf("near a deadline: %d attempts, %v; want 1 and the 429", n, err)
	}
}

func TestIncidentKey(t *testing.T) {
	d := notify.Document{Source: "zendesk", TicketID: "4711", Metric: "first_response", Cycle: 0, Kind: notify.KindBreach}
	if got := IncidentKey(d); got != "slawatch/zendesk/4711/first_response/0" {
		t.Errorf("IncidentKey = %q", got)
	}
	d.Kind, d.Level = notify.KindEscalation, 2
	if IncidentKey(d) != "slawatch/zendesk/4711/first_response/0" {
		t.Error("an escalation has another key than its breach")
	}
	if got := IncidentKey(notify.Document{Kind: notify.KindBreachDigest, Team: "billing"}); got != "slawatch/digest/billing" {
		t.Errorf("digest key %q", got)
	}
	// The heartbeat: back resolves the incident of the alert it ends.
	for _, tt := range []struct {
		d    notify.Document
		want string
	}{
		{notify.Document{Kind: notify.KindSourceSilent, Source: "zendesk"}, "slawatch/source/zendesk/silent"},
		{notify.Document{Kind: notify.KindSourceBack, Source: "zendesk", Ends: notify.KindSourceSilent}, "slawatch/source/zendesk/silent"},
		{notify.Document{Kind: notify.KindSourceRejected, Source: "zendesk"}, "slawatch/source/zendesk/rejected"},
		{notify.Document{Kind: notify.KindSourceBack, Source: "zendesk", Ends: notify.KindSourceRejected}, "slawatch/source/zendesk/rejected"},
	} {
		if got := IncidentKey(tt.d); got != tt.want {
			t.Errorf("%s (ends %q): key %q, want %q", tt.d.Kind, tt.d.Ends, got, tt.want)
		}
	}
	if !Resolves(notify.Document{Kind: notify.KindSourceBack}) || Resolves(notify.Document{Kind: notify.KindSourceSilent}) {
		t.Error("source_back must resolve, source_silent must not")
	}
	if _, _, _, _, ok := ParseIncidentKey("slawatch/source/zendesk/silent"); ok {
		t.Error("a source's key parsed as a ticket clock's")
	}
}

func TestParseIncidentKey(t *testing.T) {
	for _, tt := range []struct {
		key, source, ticket, metric string
		cycle                       int
		ok                          bool
	}{
		{"slawatch/zendesk/4711/first_response/0", "zendesk", "4711", "first_response", 0, true},
		{"slawatch/github/acme/app#42/next_reply/3", "github", "acme/app#42", "next_reply", 3, true},
		{"slawatch/digest/billing", "", "", "", 0, false},
		{"slawatch/zendesk/first_response/0", "", "", "", 0, false}, // no ticket
		{"slawatch/zendesk/1/next_reply/x", "", "", "", 0, false},
		{"slawatch/zendesk/1/next_reply/-1", "", "", "", 0, false},
		{"other/zendesk/1/first_response/0", "", "", "", 0, false},
	} {
		s, tk, m, c, ok := ParseIncidentKey(tt.key)
		if s != tt.source || tk != tt.ticket || m != tt.metric || c != tt.cycle || ok != tt.ok {
			t.Errorf("ParseIncidentKey(%q) = %q %q %q %d %v", tt.key, s, tk, m, c, ok)
		}
	}
	// Round trip with IncidentKey.
	d := notify.Document{Source: "github", TicketID: "o/r#1", Metric: "next_reply", Cycle: 2}
	if s, tk, m, c, ok := ParseIncidentKey(IncidentKey(d)); !ok || s != d.Source || tk != d.TicketID || m != d.Metric || c != d.Cycle {
		t.Errorf("round trip of %+v: %q %q %q %d %v", d, s, tk, m, c, ok)
	}
}
