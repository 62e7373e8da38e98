package pagerduty_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty/pagerdutytest"
)

// routingKey is a made-up 32-character integration key.
const routingKey = "R0UT1NGKEYSECRET0123456789abcdef"

var now = time.Date(2026, 11, 23, 19, 0, 30, 0, time.UTC)

// doc parses an alert document as a subscriber receives it.
func doc(t *testing.T, js string) notify.Document {
	t.Helper()
	d, err := notify.ParseDocument([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The documents of one clock: zendesk ticket 4711's first response, due
// 15:00 (docs/alerts.md's example and its siblings).
const (
	warningDoc = `{"schema":"slawatch.alert/1","id":"zendesk/4711/first_response/0/sla.warning/1","kind":"sla.warning","severity":"warning",
		"summary":"SLA warning: zendesk ticket 4711, first response due in 15 minutes","source":"zendesk","ticket_id":"4711",
		"ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":1,"policy":"realtime",
		"team":"support","priority":"urgent","channel":"chat","due_at":"2026-11-23T15:00:00Z","at":"2026-11-23T14:45:00Z",
		"sent_at":"2026-11-23T14:45:02Z","notify":[],"time_left_seconds":898}`
	predictedDoc = `{"schema":"slawatch.alert/1","id":"zendesk/4711/first_response/0/sla.predicted_breach/0","kind":"sla.predicted_breach","severity":"warning",
		"summary":"SLA breach predicted: zendesk ticket 4711","source":"zendesk","ticket_id":"4711","metric":"first_response","cycle":0,"level":0,
		"team":"support","at":"2026-11-23T14:30:00Z","notify":[],"due_at":"2026-11-23T15:00:00Z","time_left_seconds":1800}`
	breachDoc = `{"schema":"slawatch.alert/1","id":"zendesk/4711/first_response/0/sla.breach/0","kind":"sla.breach","severity":"critical",
		"summary":"SLA breached: zendesk ticket 4711, first response overdue by less than a minute","source":"zendesk","ticket_id":"4711",
		"ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":0,"policy":"realtime",
		"team":"support","priority":"urgent","due_at":"2026-11-23T15:00:00Z","at":"2026-11-23T15:00:00Z","notify":["on-call"],"overdue_seconds":3}`
	escalationDoc = `{"schema":"slawatch.alert/1","id":"zendesk/4711/first_response/0/sla.escalation/%d","kind":"sla.escalation","severity":"critical",
		"summary":"SLA escalation level %d: zendesk ticket 4711, first response overdue by 4 hours","source":"zendesk","ticket_id":"4711",
		"ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":%d,"policy":"realtime",
		"team":"support","priority":"urgent","channel":"chat","due_at":"2026-11-23T15:00:00Z","at":"2026-11-23T19:00:00Z",
		"sent_at":"2026-11-23T19:00:20Z","notify":["support-lead"],"overdue_seconds":14420}`
	recoveredDoc = `{"schema":"slawatch.alert/1","id":"zendesk/4711/first_response/0/sla.recovered/0","kind":"sla.recovered","severity":"info",
		"summary":"SLA recovered: zendesk ticket 4711","source":"zendesk","ticket_id":"4711","metric":"first_response","cycle":0,"level":0,
		"team":"support","due_at":"2026-11-23T15:00:00Z","at":"2026-11-23T19:30:00Z","notify":[],"overdue_seconds":16200}`
	digestDoc = `{"schema":"slawatch.alert/1","id":"digest/billing/2026-11-23T15:00:00Z","kind":"sla.breach_digest","severity":"critical",
		"summary":"SLA breaches: 2 tickets breached for team billing in the last run","source":"","cycle":0,"level":0,"team":"billing",
		"at":"2026-11-23T15:00:00Z","notify":[],"ticket_count":2,"tickets":[
		{"source":"zendesk","ticket_id":"1","ticket_url":"https://acme.zendesk.com/agent/tickets/1","metric":"first_response","due_at":"2026-11-23T14:00:00Z"},
		{"source":"freshdesk","ticket_id":"2","metric":"next_reply","priority":"high","due_at":"2026-11-23T14:30:00Z"}]}`
)

func escalation(level int) string { return fmt.Sprintf(escalationDoc, level, level, level) }

// capture is a PagerDuty that accepts everything and keeps what it got.
type capture struct {
	mu     sync.Mutex
	bodies [][]byte
	ctype  []string
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.ctype = append(c.ctype, r.Header.Get("Content-Type"))
	c.mu.Unlock()
	var ev struct {
		DedupKey string `json:"dedup_key"`
	}
	_ = json.Unmarshal(b, &ev)
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, ev.DedupKey)
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got no JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is no JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("event\n got %s\nwant %s", got, want)
	}
}

// The events, written out by hand from the Events API v2 field list
// (developer-docs docs/events-API-v2/02-Trigger-Events.md) and the mapping
// in the package comment.
func TestEventMapping(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"warning", warningDoc, `{"routing_key":"` + routingKey + `","event_action":"trigger",
			"dedup_key":"slawatch/zendesk/4711/first_response/0","client":"slawatch",
			"payload":{"summary":"SLA warning: zendesk ticket 4711, first response due in 15 minutes","source":"slawatch/zendesk",
				"severity":"warning","timestamp":"2026-11-23T14:45:00Z","component":"realtime","group":"support","class":"sla.warning",
				"custom_details":{"alert_id":"zendesk/4711/first_response/0/sla.warning/1","kind":"sla.warning","source":"zendesk",
					"ticket":"4711","ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":1,
					"policy":"realtime","team":"support","priority":"urgent","due_at":"2026-11-23T15:00:00Z","time_left_seconds":898}},
			"links":[{"href":"https://acme.zendesk.com/agent/tickets/4711","text":"zendesk ticket 4711"}]}`},
		{"predicted breach", predictedDoc, `{"routing_key":"` + routingKey + `","event_action":"trigger",
			"dedup_key":"slawatch/zendesk/4711/first_response/0","client":"slawatch",
			"payload":{"summary":"SLA breach predicted: zendesk ticket 4711","source":"slawatch/zendesk","severity":"warning",
				"timestamp":"2026-11-23T14:30:00Z","group":"support","class":"sla.predicted_breach",
				"custom_details":{"alert_id":"zendesk/4711/first_response/0/sla.predicted_breach/0","kind":"sla.predicted_breach",
					"source":"zendesk","ticket":"4711","metric":"first_response","cycle":0,"level":0,"team":"support",
					"due_at":"2026-11-23T15:00:00Z","time_left_seconds":1800}}}`},
		{"breach", breachDoc, `{"routing_key":"` + routingKey + `","event_action":"trigger",
			"dedup_key":"slawatch/zendesk/4711/first_response/0","client":"slawatch",
			"payload":{"summary":"SLA breached: zendesk ticket 4711, first response overdue by less than a minute","source":"slawatch/zendesk",
				"severity":"error","timestamp":"2026-11-23T15:00:00Z","component":"realtime","group":"support","class":"sla.breach",
				"custom_details":{"alert_id":"zendesk/4711/first_response/0/sla.breach/0","kind":"sla.breach","source":"zendesk",
					"ticket":"4711","ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":0,
					"policy":"realtime","team":"support","priority":"urgent","due_at":"2026-11-23T15:00:00Z","overdue_seconds":3,
					"notify":["on-call"]}},
			"links":[{"href":"https://acme.zendesk.com/agent/tickets/4711","text":"zendesk ticket 4711"}]}`},
		{"escalation 2", escalation(2), `{"routing_key":"` + routingKey + `","event_action":"trigger",
			"dedup_key":"slawatch/zendesk/4711/first_response/0","client":"slawatch",
			"payload":{"summary":"SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours","source":"slawatch/zendesk",
				"severity":"critical","timestamp":"2026-11-23T19:00:00Z","component":"realtime","group":"support","class":"sla.escalation",
				"custom_details":{"alert_id":"zendesk/4711/first_response/0/sla.escalation/2","kind":"sla.escalation","source":"zendesk",
					"ticket":"4711","ticket_url":"https://acme.zendesk.com/agent/tickets/4711","metric":"first_response","cycle":0,"level":2,
					"policy":"realtime","team":"support","priority":"urgent","due_at":"2026-11-23T15:00:00Z","overdue_seconds":14420,
					"notify":["support-lead"]}},
			"links":[{"href":"https://acme.zendesk.com/agent/tickets/4711","text":"zendesk ticket 4711"}]}`},
		// A resolve is routing_key, event_action and dedup_key, like the
		// documentation's Resolve example.
		{"recovered", recoveredDoc, `{"routing_key":"` + routingKey + `","event_action":"resolve",
			"dedup_key":"slawatch/zendesk/4711/first_response/0"}`},
		{"digest", digestDoc, `{"routing_key":"` + routingKey + `","event_action":"trigger",
			"dedup_key":"slawatch/digest/billing","client":"slawatch",
			"payload":{"summary":"SLA breaches: 2 tickets breached for team billing in the last run","source":"slawatch",
				"severity":"critical","timestamp":"2026-11-23T15:00:00Z","group":"billing","class":"sla.breach_digest",
				"custom_details":{"alert_id":"digest/billing/2026-11-23T15:00:00Z","kind":"sla.breach_digest","cycle":0,"level":0,
					"team":"billing","ticket_count":2,"tickets":[
					{"source":"zendesk","ticket_id":"1","ticket_url":"https://acme.zendesk.com/agent/tickets/1","metric":"first_response","due_at":"2026-11-23T14:00:00Z"},
					{"source":"freshdesk","ticket_id":"2","metric":"next_reply","priority":"high","due_at":"2026-11-23T14:30:00Z"}]}},
			"links":[{"href":"https://acme.zendesk.com/agent/tickets/1","text":"zendesk ticket 1"}]}`},
		// A kind this version does not know still pages, with the document's
		// severity, and without at the timestamp is the sender's clock.
		{"unknown kind", `{"schema":"slawatch.alert/1","id":"x/1","kind":"sla.future","severity":"info","summary":"",
			"source":"zendesk","ticket_id":"9","metric":"next_reply","cycle":2,"level":0,"team":"","notify":[]}`,
			`{"routing_key":"` + routingKey + `","event_action":"trigger","dedup_key":"slawatch/zendesk/9/next_reply/2","client":"slawatch",
			"payload":{"summary":"slawatch sla.future: zendesk ticket 9","source":"slawatch/zendesk","severity":"info",
				"timestamp":"2026-11-23T19:00:30Z","class":"sla.future",
				"custom_details":{"alert_id":"x/1","kind":"sla.future","source":"zendesk","ticket":"9","metric":"next_reply","cycle":2,"level":0}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			srv := httptest.NewServer(c)
			defer srv.Close()
			s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.URL, Client: srv.Client(), Now: func() time.Time { return now }}
			if err := s.Send(context.Background(), doc(t, tt.doc)); err != nil {
				t.Fatal(err)
			}
			if len(c.bodies) != 1 || c.ctype[0] != "application/json" {
				t.Fatalf("%d requests, Content-Type %q", len(c.bodies), c.ctype)
			}
			sameJSON(t, c.bodies[0], tt.want)
		})
	}
}

// Every event the sender makes passes the contract server.
func TestEventsPassTheContract(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL(), Client: srv.Client()}
	long := strings.Repeat("é", 3000)
	for _, js := range []string{warningDoc, predictedDoc, breachDoc, escalation(1), recoveredDoc, digestDoc,
		strings.Replace(breachDoc, `"summary":"SLA breached`, `"summary":"`+long, 1)} {
		if err := s.Send(context.Background(), doc(t, js)); err != nil {
			t.Errorf("%.60s: %v", js, err)
		}
	}
	if r := srv.Rejected(); len(r) != 0 {
		t.Errorf("rejected: %+v", r)
	}
	// The long summary was cut to PagerDuty's 1024 characters.
	ev := srv.Accepted()[len(srv.Accepted())-1]
	if n := utf8.RuneCountInString(ev.Payload.Summary); n != pagerduty.MaxSummary || !strings.HasSuffix(ev.Payload.Summary, "…") {
		t.Errorf("summary has %d characters, want %d ending in …", n, pagerduty.MaxSummary)
	}
}

// A key past PagerDuty's 255 characters is hashed, the same for every event
// of the clock. The expected hash was computed apart (Python hashlib).
func TestLongDedupKey(t *testing.T) {
	id := strings.Repeat("T", 300)
	breach := doc(t, strings.ReplaceAll(breachDoc, `"ticket_id":"4711"`, `"ticket_id":"`+id+`"`))
	recovered := doc(t, strings.ReplaceAll(recoveredDoc, `"ticket_id":"4711"`, `"ticket_id":"`+id+`"`))
	want := "slawatch/sha256/c6ebc0183e2b79c30735fd182410da94697f38ad7742261738bab0bdae5e6365"
	if got := pagerduty.DedupKey(breach); got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
	if pagerduty.DedupKey(recovered) != want {
		t.Error("the recovery of a long-keyed clock has another key than its breach")
	}
	if got := pagerduty.DedupKey(doc(t, breachDoc)); got != "slawatch/zendesk/4711/first_response/0" {
		t.Errorf("a short key was changed: %q", got)
	}

	srv := pagerdutytest.NewServer()
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL(), Client: srv.Client()}
	for _, d := range []notify.Document{breach, recovered} {
		if err := s.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if in := srv.IncidentsFor(want); len(in) != 1 || in[0].Status != "resolved" {
		t.Errorf("incidents %+v, want one resolved", in)
	}
}

// noSleep stands in for the back-off's timer and records the waits.
type noSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noSleep) sleep(_ context.Context, d time.Duration) error {
	n.mu.Lock()
	n.waits = append(n.waits, d)
	n.mu.Unlock()
	return nil
}

// The life of one clock: warning, breach, escalations 1 to 3, recovered,
// through oncall.Deliver, with PagerDuty rate limiting, failing, losing an
// answer and hanging on the way. Nothing is lost, the ticket has exactly
// one incident, its severity rises, and the recovery resolves it.
func TestStoryOneIncident(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	client := &http.Client{Timeout: 300 * time.Millisecond}
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL(), Client: client}
	ns := &noSleep{}
	b := oncall.Backoff{First: time.Second, Sleep: ns.sleep}

	steps := []struct {
		doc    string
		fault  pagerdutytest.Fault
		faults int
	}{
		{warningDoc, 0, 0},
		{breachDoc, pagerdutytest.RateLimit, 2},
		{escalation(1), pagerdutytest.ServerError, 3},
		{escalation(2), pagerdutytest.LoseAnswer, 1}, // taken, answer lost: sent again
		{escalation(3), pagerdutytest.Hang, 1},       // not taken, timed out: sent again
		{recoveredDoc, pagerdutytest.RateLimit, 1},
	}
	var ids []string
	for _, st := range steps {
		d := doc(t, st.doc)
		ids = append(ids, d.ID)
		srv.Fail(st.fault, st.faults)
		n, err := oncall.Deliver(context.Background(), s, d, b)
		if err != nil {
			t.Fatalf("%s: %v after %d attempts", d.ID, err, n)
		}
		if n != st.faults+1 {
			t.Errorf("%s: %d attempts, want %d", d.ID, n, st.faults+1)
		}
	}
	// 429 came without Retry-After: the back-off waited anyway.
	for _, w := range ns.waits {
		if w < 500*time.Millisecond {
			t.Errorf("a retry waited only %v", w)
		}
	}

	// Nothing lost: every alert reached PagerDuty.
	got := map[string]bool{}
	for _, ev := range srv.Accepted() {
		if ev.Payload != nil {
			got[fmt.Sprint(ev.Payload.CustomDetails["alert_id"])] = true
		} else if ev.EventAction == "resolve" {
			got["zendesk/4711/first_response/0/sla.recovered/0"] = true
		}
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("lost: %s", id)
		}
	}
	// One incident for the ticket: the re-sent escalation 2 was applied to
	// it, not made into a second.
	all := srv.Incidents()
	if len(all) != 1 {
		t.Fatalf("%d incidents, want 1: %+v", len(all), all)
	}
	in := all[0]
	if in.DedupKey != "slawatch/zendesk/4711/first_response/0" || in.Status != "resolved" {
		t.Errorf("incident %+v, want slawatch/zendesk/4711/first_response/0 resolved", in)
	}
	if in.Triggers != 6 { // 5 alerts and the duplicate of escalation 2
		t.Errorf("%d triggers, want 6", in.Triggers)
	}
	if want := []string{"warning", "error", "critical", "critical", "critical", "critical"}; !reflect.DeepEqual(in.Severities, want) {
		t.Errorf("severities %v, want %v", in.Severities, want)
	}
}

// A storm digest is one incident per team; the next digest of a team
// updates it.
func TestDigestOneIncidentPerTeam(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL(), Client: srv.Client()}
	second := strings.Replace(digestDoc, "2026-11-23T15:00:00Z", "2026-11-23T15:05:00Z", 1)
	support := strings.ReplaceAll(digestDoc, "billing", "support")
	for _, js := range []string{digestDoc, second, support} {
		if err := s.Send(context.Background(), doc(t, js)); err != nil {
			t.Fatal(err)
		}
	}
	all := srv.Incidents()
	if len(all) != 2 {
		t.Fatalf("%d incidents, want 2 (billing, support): %+v", len(all), all)
	}
	if all[0].DedupKey != "slawatch/digest/billing" || all[0].Triggers != 2 ||
		all[1].DedupKey != "slawatch/digest/support" || all[1].Triggers != 1 {
		t.Errorf("incidents %+v", all)
	}
}

// A 400 is the event's fault: one attempt, a permanent error that keeps
// PagerDuty's explanation.
func TestBadRequestNotRetried(t *testing.T) {
	srv := pagerdutytest.NewServer()
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL(), Client: srv.Client()}
	srv.Fail(pagerdutytest.BadRequest, 1)
	n, err := oncall.Deliver(context.Background(), s, doc(t, breachDoc), oncall.Backoff{Sleep: (&noSleep{}).sleep})
	var e *oncall.Error
	if n != 1 || !errors.As(err, &e) || !e.Permanent || e.Status != 400 {
		t.Fatalf("%d attempts, %#v; want 1 and a permanent 400", n, err)
	}
	if e.Reason != "Event object is invalid: injected fault" {
		t.Errorf("Reason %q, want PagerDuty's message and errors", e.Reason)
	}
	if srv.Requests() != 1 {
		t.Errorf("%d requests, want 1", srv.Requests())
	}

	// A routing key that cannot be one is refused before sending.
	s.RoutingKey = routingKey[:31]
	err = s.Send(context.Background(), doc(t, breachDoc))
	if retry, _ := oncall.Retryable(err); err == nil || retry || srv.Requests() != 1 {
		t.Errorf("short key: %v (retry %v), %d requests; want a permanent error and no request", err, retry, srv.Requests())
	}
}

// PagerDuty's real 400 body, as its documentation shows it, lands in Reason.
func TestDocumented400(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters)"]}`)
	}))
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.URL, Client: srv.Client()}
	err := s.Send(context.Background(), doc(t, breachDoc))
	want := "pagerduty: HTTP 400: Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters) (not retried)"
	if err == nil || err.Error() != want {
		t.Errorf("err %v\nwant %s", err, want)
	}
}

// The routing key is never in an error, whatever PagerDuty or the network
// does: answers that quote the request, every injected fault, no server.
func TestRoutingKeyNeverInErrors(t *testing.T) {
	var errs []error
	d := doc(t, breachDoc)

	// Answers that echo the request, key included.
	for _, status := range []int{400, 403, 404, 413, 429, 500, 503} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"status":"invalid event","message":"bad %s","errors":["routing_key %s unknown"]}`, b, routingKey)
		}))
		s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.URL + "/" + routingKey, Client: srv.Client()}
		errs = append(errs, s.Send(context.Background(), d))
		srv.Close()
	}
	// Plain-text echo, and a 202 that names another dedup_key (with the key).
	for _, h := range []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusBadGateway)
			w.Write(b)
		},
		func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":"%s"}`, routingKey)
		},
	} {
		srv := httptest.NewServer(h)
		s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.URL, Client: srv.Client()}
		errs = append(errs, s.Send(context.Background(), d))
		srv.Close()
	}
	// Every fault of the contract server.
	srv := pagerdutytest.NewServer()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.EnqueueURL() + "?k=" + routingKey, Client: &http.Client{Timeout: 200 * time.Millisecond}}
	for _, f := range []pagerdutytest.Fault{pagerdutytest.RateLimit, pagerdutytest.ServerError, pagerdutytest.Hang,
		pagerdutytest.LoseAnswer, pagerdutytest.BadRequest} {
		srv.Fail(f, 1)
		errs = append(errs, s.Send(context.Background(), d))
	}
	srv.Close()
	// Nobody listening; a cancelled context.
	errs = append(errs, s.Send(context.Background(), d))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs = append(errs, s.Send(ctx, d))

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
			if strings.Contains(text, routingKey) {
				t.Errorf("case %d: the routing key is in %q", i, text)
			}
		}
		if e := errors.Unwrap(err); e != nil && strings.Contains(e.Error(), routingKey) {
			t.Errorf("case %d: the routing key is in the wrapped %q", i, e)
		}
	}
}

// A 202 naming another dedup_key than the one sent is an error: later
// events of the clock would miss the alert.
func TestAcceptedUnderAnotherKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"something-else"}`)
	}))
	defer srv.Close()
	s := &pagerduty.Sender{RoutingKey: routingKey, URL: srv.URL, Client: srv.Client()}
	err := s.Send(context.Background(), doc(t, breachDoc))
	if retry, _ := oncall.Retryable(err); err == nil || retry {
		t.Errorf("err %v (retry %v), want a permanent error", err, retry)
	}
}
