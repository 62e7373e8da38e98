package opsgenie_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie/opsgenietest"
)

const key = "eb243592-faa2-4ba2-a551q-1afdf565c889" // the docs' sample key

// escalation is the example document of docs/alerts.md.
const escalation = `{
  "schema": "slawatch.alert/1",
  "id": "zendesk/4711/first_response/0/sla.escalation/2",
  "kind": "sla.escalation",
  "severity": "critical",
  "summary": "SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours",
  "source": "zendesk",
  "ticket_id": "4711",
  "ticket_url": "https://acme.zendesk.com/agent/tickets/4711",
  "metric": "first_response",
  "cycle": 0,
  "level": 2,
  "policy": "realtime",
  "team": "support",
  "priority": "urgent",
  "channel": "chat",
  "due_at": "2026-11-23T15:00:00Z",
  "at": "2026-11-23T19:00:00Z",
  "sent_at": "2026-11-23T19:00:20Z",
  "notify": ["support-lead"],
  "overdue_seconds": 14420
}`

var due = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func parse(t *testing.T, s string) notify.Document {
	t.Helper()
	d, err := notify.ParseDocument([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// doc is one alert of the clock zendesk/4711/first_response/0.
func doc(kind string, level int) notify.Document {
	d := notify.Document{
		Schema: notify.Schema, Kind: kind, Severity: notify.SeverityOf(kind), Level: level,
		Source: "zendesk", TicketID: "4711", Metric: "first_response", Team: "support", Policy: "realtime",
		ID:      "zendesk/4711/first_response/0/" + kind + "/" + string(rune('0'+level)),
		Summary: kind + " for zendesk ticket 4711", DueAt: &due, Notify: []string{},
	}
	return d
}

func TestPriority(t *testing.T) {
	// The mapping of docs/integrations/opsgenie.md, "Priorities".
	for _, tt := range []struct {
		kind, severity string
		level          int
		want           string
	}{
		{notify.KindPredicted, "warning", 0, "P4"},
		{notify.KindWarning, "warning", 1, "P3"},
		{notify.KindWarning, "warning", 3, "P3"},
		{notify.KindBreach, "critical", 0, "P2"},
		{notify.KindEscalation, "critical", 1, "P1"},
		{notify.KindEscalation, "critical", 4, "P1"},
		{notify.KindBreachDigest, "critical", 0, "P1"},
		{notify.KindRecovered, "info", 0, "P5"},
		{"sla.future_kind", "critical", 0, "P2"},
		{"sla.future_kind", "warning", 0, "P3"},
		{"sla.future_kind", "info", 0, "P5"},
	} {
		d := notify.Document{Kind: tt.kind, Severity: tt.severity, Level: tt.level}
		if got := opsgenie.Priority(d); got != tt.want {
			t.Errorf("Priority(%s, %s, level %d) = %s, want %s", tt.kind, tt.severity, tt.level, got, tt.want)
		}
	}
}

// TestCreatePayload checks every field of the create request for the
// docs/alerts.md example, as the contract server received it.
func TestCreatePayload(t *testing.T) {
	srv := opsgenietest.NewServer(key)
	defer srv.Close()
	now := time.Date(2026, 11, 23, 19, 0, 20, 0, time.UTC)
	s := &opsgenie.Sender{APIKey: key, BaseURL: srv.URL, Now: func() time.Time { return now }}
	if err := s.Send(context.Background(), parse(t, escalation)); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %+v, want a create and a priority update", reqs)
	}
	create, prio := reqs[0], reqs[1]
	if create.Method != "POST" || create.Path != "/v2/alerts" || create.Status != 202 {
		t.Errorf("create: %s %s → %d", create.Method, create.Path, create.Status)
	}
	if prio.Method != "PUT" || prio.Path != "/v2/alerts/slawatch%2Fzendesk%2F4711%2Ffirst_response%2F0/priority" ||
		prio.Query != "identifierType=alias" || string(prio.Body) != `{"priority":"P1"}` || prio.Status != 202 {
		t.Errorf("priority: %s %s?%s %s → %d", prio.Method, prio.Path, prio.Query, prio.Body, prio.Status)
	}
	var got struct {
		Message, Alias, Description, Entity, Source, Priority string
		Tags                                                  []string
		Details                                               map[string]string
	}
	if err := json.Unmarshal(create.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Message != "SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours" ||
		got.Alias != "slawatch/zendesk/4711/first_response/0" || got.Entity != "zendesk ticket 4711" ||
		got.Source != "slawatch" || got.Priority != "P1" {
		t.Errorf("create %+v", got)
	}
	wantTags := []string{"slawatch", "sla.escalation", "severity:critical", "source:zendesk", "team:support", "policy:realtime", "metric:first_response"}
	if !slices.Equal(got.Tags, wantTags) {
		t.Errorf("tags %q, want %q", got.Tags, wantTags)
	}
	wantDetails := map[string]string{
		"alert_id": "zendesk/4711/first_response/0/sla.escalation/2", "kind": "sla.escalation", "severity": "critical",
		"source": "zendesk", "ticket": "4711", "ticket_url": "https://acme.zendesk.com/agent/tickets/4711",
		"metric": "first_response", "cycle": "0", "level": "2", "policy": "realtime", "team": "support",
		"ticket_priority": "urgent", "channel": "chat", "due_at": "2026-11-23T15:00:00Z",
		"overdue": "4 hours", // 19:00:20 − 15:00, to the minute
	}
	if len(got.Details) != len(wantDetails) {
		t.Errorf("details %q, want %q", got.Details, wantDetails)
	}
	for k, v := range wantDetails {
		if got.Details[k] != v {
			t.Errorf("details[%s] = %q, want %q", k, got.Details[k], v)
		}
	}
	for _, want := range []string{"Ticket: https://acme.zendesk.com/agent/tickets/4711", "Notify: support-lead", "Due: 2026-11-23T15:00:00Z"} {
		if !strings.Contains(got.Description, want) {
			t.Errorf("description lacks %q:\n%s", want, got.Description)
		}
	}
}

// Long fields are cut to Opsgenie's limits, which the contract server
// enforces, so the alert is accepted.
func TestLimits(t *testing.T) {
	srv := opsgenietest.NewServer(key)
	defer srv.Close()
	s := &opsgenie.Sender{APIKey: key, BaseURL: srv.URL}
	d := doc(notify.KindWarning, 1)
	d.Summary = strings.Repeat("é", 200)
	d.TicketID = strings.Repeat("7", 600)
	d.Team = strings.Repeat("t", 80)
	d.TicketURL = "https://acme.zendesk.com/" + strings.Repeat("u", 9000)
	if err := s.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	a := srv.Alerts()[0]
	if n := utf8.RuneCountInString(a.Message); n != 130 || !strings.HasSuffix(a.Message, "…") {
		t.Errorf("message of %d characters: %q", n, a.Message)
	}
	if n := utf8.RuneCountInString(a.Alias); n != 512 || !strings.HasPrefix(a.Alias, "slawatch/zendesk/777") || a.Alias[512-65] != '#' {
		t.Errorf("alias of %d characters: %q", n, a.Alias)
	}
	d2 := d
	d2.TicketID += "8" // the same first 512 characters
	if opsgenie.Alias(d2) == a.Alias || opsgenie.Alias(d) != a.Alias {
		t.Error("long aliases: not unique or not stable")
	}
	if !slices.Contains(a.Tags, "team:"+strings.Repeat("t", 44)+"…") {
		t.Errorf("tags %q: team not cut to 50 characters", a.Tags)
	}
}

type waits []time.Duration

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	*w = append(*w, d)
	return nil
}

// TestStory: a clock warns, breaches, escalates three times and recovers,
// with faults on the way. Opsgenie ends with exactly one alert, raised to
// P1 and closed; every delivery succeeds.
func TestStory(t *testing.T) {
	srv := opsgenietest.NewServer(key)
	defer srv.Close()
	s := &opsgenie.Sender{APIKey: key, BaseURL: srv.URL, Client: &http.Client{Timeout: 300 * time.Millisecond}}
	var w waits
	steps := []struct {
		d      notify.Document
		faults []opsgenietest.Fault // for the next requests; a zero Fault answers normally
		prio   string               // the alert's priority after the step
		count  int                  // and its count, by hand: accepted creates so far
	}{
		{doc(notify.KindWarning, 1), []opsgenietest.Fault{opsgenietest.RateLimited(60)}, "P3", 1},
		{doc(notify.KindBreach, 0), []opsgenietest.Fault{opsgenietest.ServerError}, "P2", 2},
		// The create passes, the priority update fails: the retry creates
		// again (counted) and updates.
		{doc(notify.KindEscalation, 1), []opsgenietest.Fault{{}, opsgenietest.ServerError}, "P1", 4},
		{doc(notify.KindEscalation, 2), []opsgenietest.Fault{opsgenietest.Hang}, "P1", 5},
		{doc(notify.KindEscalation, 3), nil, "P1", 6},
		{doc(notify.KindRecovered, 0), []opsgenietest.Fault{opsgenietest.RateLimited(1)}, "P1", 6},
	}
	for i, st := range steps {
		for _, f := range st.faults {
			srv.Inject(f, 1)
		}
		attempts, err := oncall.Deliver(context.Background(), s, st.d, oncall.Backoff{First: time.Millisecond, Sleep: w.sleep})
		if err != nil {
			t.Fatalf("step %d (%s): %v after %d attempts", i, st.d.Kind, err, attempts)
		}
		if want := 1 + min(len(st.faults), 1); attempts != want {
			t.Errorf("step %d (%s): %d attempts, want %d", i, st.d.Kind, attempts, want)
		}
		alerts := srv.Alerts()
		if len(alerts) != 1 {
			t.Fatalf("step %d: %d alerts, want 1: %+v", i, len(alerts), alerts)
		}
		if a := alerts[0]; a.Priority != st.prio || a.Count != st.count {
			t.Errorf("step %d (%s): priority %s count %d, want %s and %d", i, st.d.Kind, a.Priority, a.Count, st.prio, st.count)
		}
	}
	a := srv.Alerts()[0]
	if a.Status != "closed" || a.Alias != "slawatch/zendesk/4711/first_response/0" || a.CloseSource != "slawatch" || !strings.HasPrefix(a.CloseNote, "Recovered") {
		t.Errorf("final alert %+v", a)
	}
	// The 429s asked for their window: 60 s, then 1 s.
	if len(w) != 5 || w[0] < 60*time.Second || w[5-1] < time.Second {
		t.Errorf("waits %v: want five, the first at least 60s and the last at least 1s", w)
	}
}

// A request Opsgenie refuses as wrong is not sent again.
func TestPermanentNotRetried(t *testing.T) {
	for _, tt := range []struct {
		name   string
		key    string
		fault  opsgenietest.Fault
		status int
	}{
		{"wrong key", "not-the-key", opsgenietest.Fault{}, 401},
		{"forbidden", key, opsgenietest.Fault{Status: 403, Body: `{"message":"Forbidden"}`}, 403},
		{"syntax", key, opsgenietest.Fault{Status: 400, Body: `{"message":"Invalid JSON body"}`}, 400},
		{"semantics", key, opsgenietest.Fault{Status: 422, Body: `{"message":"Request body is not processable."}`}, 422},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := opsgenietest.NewServer(key)
			defer srv.Close()
			if tt.fault.Status != 0 {
				srv.Inject(tt.fault, 1)
			}
			s := &opsgenie.Sender{APIKey: tt.key, BaseURL: srv.URL}
			var w waits
			attempts, err := oncall.Deliver(context.Background(), s, doc(notify.KindBreach, 0), oncall.Backoff{Sleep: w.sleep})
			var e *oncall.Error
			if attempts != 1 || !errors.As(err, &e) || !e.Permanent || e.Status != tt.status {
				t.Errorf("%d attempts, err %v; want one attempt, permanent %d", attempts, err, tt.status)
			}
			if len(srv.Requests()) != 1 || len(srv.Alerts()) != 0 {
				t.Errorf("requests %+v", srv.Requests())
			}
		})
	}
}

// A recovery whose alert Opsgenie does not have is done: a 404 on close,
// or the 202 the asynchronous API gives for an unknown alias.
func TestCloseUnknown(t *testing.T) {
	srv := opsgenietest.NewServer(key)
	defer srv.Close()
	s := &opsgenie.Sender{APIKey: key, BaseURL: srv.URL}
	if err := s.Send(context.Background(), doc(notify.KindRecovered, 0)); err != nil {
		t.Errorf("202: %v", err)
	}
	srv.Inject(opsgenietest.Fault{Status: 404, Body: `{"message":"Alert not found"}`}, 1)
	if err := s.Send(context.Background(), doc(notify.KindRecovered, 0)); err != nil {
		t.Errorf("404: %v", err)
	}
	// A 404 on create is no such success.
	srv.Inject(opsgenietest.Fault{Status: 404, Body: `{"message":"not found"}`}, 1)
	if err := s.Send(context.Background(), doc(notify.KindBreach, 0)); err == nil {
		t.Error("404 on create: no error")
	}
}

type recorder struct{ hosts []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.hosts = append(r.hosts, req.URL.Scheme+"://"+req.URL.Host+req.URL.Path)
	return &http.Response{StatusCode: 202, Body: io.NopCloser(strings.NewReader(`{"result":"Request will be processed"}`)), Header: http.Header{}}, nil
}

func TestRegion(t *testing.T) {
	for _, tt := range []struct{ region, want string }{
		{"", "https://api.opsgenie.com/v2/alerts"},
		{"us", "https://api.opsgenie.com/v2/alerts"},
		{"eu", "https://api.eu.opsgenie.com/v2/alerts"},
		{"EU", "https://api.eu.opsgenie.com/v2/alerts"},
	} {
		rec := &recorder{}
		s := &opsgenie.Sender{APIKey: key, Region: tt.region, Client: &http.Client{Transport: rec}}
		if err := s.Send(context.Background(), doc(notify.KindWarning, 1)); err != nil || len(rec.hosts) != 1 || rec.hosts[0] != tt.want {
			t.Errorf("region %q: %v, sent to %q, want %s", tt.region, err, rec.hosts, tt.want)
		}
	}
	rec := &recorder{}
	s := &opsgenie.Sender{APIKey: key, Region: "ap", Client: &http.Client{Transport: rec}}
	err := s.Send(context.Background(), doc(notify.KindWarning, 1))
	if retry, _ := oncall.Retryable(err); err == nil || retry || len(rec.hosts) != 0 {
		t.Errorf("unknown region: %v (retry %v), sent %q", err, retry, rec.hosts)
	}
}

// The API key appears in no error, whatever the answer, even one that
// quotes the request's Authorization header back.
func TestKeyNeverInErrors(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := 400
		switch {
		case strings.Contains(r.URL.Path, "/close"):
			status = 500
		case r.Method == http.MethodPut:
			status = 429
		}
		if r.Header.Get("X-Test-Status") != "" {
			status = 401
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"message":"bad request from `+r.Header.Get("Authorization")+`"}`)
	}))
	defer echo.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	hang := opsgenietest.NewServer(key)
	defer hang.Close()
	hang.Inject(opsgenietest.Hang, 1)

	var errs []error
	s := &opsgenie.Sender{APIKey: key, BaseURL: echo.URL}
	errs = append(errs,
		s.Send(context.Background(), doc(notify.KindBreach, 0)),    // 400
		s.Send(context.Background(), doc(notify.KindRecovered, 0)), // 500
	)
	s = &opsgenie.Sender{APIKey: key, BaseURL: gone.URL + "/" + key}
	errs = append(errs, s.Send(context.Background(), doc(notify.KindBreach, 0))) // refused connection
	s = &opsgenie.Sender{APIKey: key, BaseURL: hang.URL, Client: &http.Client{Timeout: 100 * time.Millisecond}}
	errs = append(errs, s.Send(context.Background(), doc(notify.KindBreach, 0))) // timeout
	for i, err := range errs {
		if err == nil {
			t.Errorf("%d: no error", i)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("%d: the key is in the error: %v", i, err)
		}
	}
	if !strings.Contains(errs[0].Error(), "[redacted]") {
		t.Errorf("the echoed key was not redacted: %v", errs[0])
	}
}
