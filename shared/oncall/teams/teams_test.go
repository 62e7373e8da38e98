package teams_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/teams"
	"github.com/slawatch/slawatch/shared/oncall/teams/teamstest"
)

var posted = time.Date(2026, 11, 23, 16, 5, 0, 0, time.UTC)

func sender(srv *teamstest.Server) *teams.Sender {
	// A short timeout: the emulator's Hang holds a request until the client
	// gives up.
	return &teams.Sender{URL: srv.URL, Client: &http.Client{Timeout: 300 * time.Millisecond},
		Now: func() time.Time { return posted }}
}

// story is one ticket's clock: warning, breach, escalations 1 to 3, and the
// reply.
func story() []notify.Document {
	due := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	doc := func(kind, sev string, level int) notify.Document {
		return notify.Document{
			Schema: notify.Schema, ID: fmt.Sprintf("zendesk/4711/first_response/0/%s/%d", kind, level),
			Kind: kind, Severity: sev, Source: "zendesk", TicketID: "4711",
			TicketURL: "https://acme.zendesk.com/agent/tickets/4711", Metric: "first_response",
			Level: level, Team: "support", DueAt: &due, Notify: []string{},
		}
	}
	return []notify.Document{
		doc(notify.KindWarning, "warning", 1),
		doc(notify.KindBreach, "critical", 0),
		doc(notify.KindEscalation, "critical", 1),
		doc(notify.KindEscalation, "critical", 2),
		doc(notify.KindEscalation, "critical", 3),
		doc(notify.KindRecovered, "info", 0),
	}
}

// alertID reads the alert id a card shows in small print.
func alertID(c teamstest.Card) string {
	body, _ := c.Card["body"].([]any)
	last, _ := body[len(body)-1].(map[string]any)
	s, _ := last["text"].(string)
	return strings.TrimSuffix(strings.TrimPrefix(s, "Alert "), " · slawatch")
}

func titleColor(c teamstest.Card) string {
	body, _ := c.Card["body"].([]any)
	first, _ := body[0].(map[string]any)
	s, _ := first["color"].(string)
	return s
}

// The story posts six cards through throttling, server errors, a hung
// request and a lost answer: none is lost; the lost answer costs one
// duplicate, which shows the same alert id.
func TestStory(t *testing.T) {
	srv := teamstest.NewServer()
	defer srv.Close()
	s := sender(srv)
	faults := []func(){
		func() { srv.Fail(1, http.StatusTooManyRequests, "3") },
		func() { srv.Fail(2, http.StatusInternalServerError, "") },
		func() { srv.Hang(1) },
		func() { srv.LoseAnswer(1) },
		func() { srv.Fail(1, http.StatusServiceUnavailable, "") },
		func() {},
	}
	wantAttempts := []int{2, 3, 2, 2, 2, 1}
	var waits []time.Duration
	b := oncall.Backoff{First: 10 * time.Millisecond, Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	docs := story()
	for i, d := range docs {
		faults[i]()
		n, err := oncall.Deliver(context.Background(), s, d, b)
		if err != nil || n != wantAttempts[i] {
			t.Errorf("%s: %d attempts, %v; want %d and delivered", d.ID, n, err, wantAttempts[i])
		}
		if i == 0 && (len(waits) != 1 || waits[0] < 3*time.Second) {
			t.Errorf("after the 429 waited %v, want at least its Retry-After of 3s", waits)
		}
	}
	cards := srv.Cards()
	seen := map[string]int{}
	for _, c := range cards {
		seen[alertID(c)]++
	}
	var lost, dups []string
	for _, d := range docs {
		switch seen[d.ID] {
		case 0:
			lost = append(lost, d.ID)
		case 1:
		default:
			dups = append(dups, d.ID)
		}
	}
	if len(lost) != 0 || len(seen) != len(docs) {
		t.Errorf("lost %v; %d distinct cards, want %d", lost, len(seen), len(docs))
	}
	if len(cards) != 7 || len(dups) != 1 || dups[0] != docs[3].ID {
		t.Errorf("%d cards, duplicates %v; want 7 with escalation 2 (the lost answer) twice", len(cards), dups)
	}
	var colors []string
	for _, c := range cards {
		colors = append(colors, titleColor(c))
	}
	if got, want := strings.Join(colors, " "), "warning attention attention attention attention attention good"; got != want {
		t.Errorf("title colours %s, want %s", got, want)
	}
}

// A 400 is the request's fault: sent again it fails again.
func TestBadRequestNotRetried(t *testing.T) {
	srv := teamstest.NewServer()
	defer srv.Close()
	srv.Fail(1, http.StatusBadRequest, "")
	n, err := oncall.Deliver(context.Background(), sender(srv), story()[1], oncall.Backoff{Sleep: func(context.Context, time.Duration) error {
		t.Error("slept before retrying a 400")
		return nil
	}})
	var e *oncall.Error
	if n != 1 || !errors.As(err, &e) || !e.Permanent || e.Status != 400 || srv.Requests() != 1 {
		t.Errorf("%d attempts, %d requests, %v; want one attempt and a permanent 400", n, srv.Requests(), err)
	}
}

// A wrong, revoked or deleted workflow URL is permanent and says what to do.
func TestRefusedURL(t *testing.T) {
	srv := teamstest.NewServer()
	defer srv.Close()
	tests := []struct {
		name, url, code string
		status          int
	}{
		{"wrong signature", strings.Replace(srv.URL, teamstest.Sig, "OTHERsig-0000000000000000000000", 1), "DirectApiInvalidAuthorizationSignature", 401},
		{"deleted workflow", strings.Replace(srv.URL, "/workflows/", "/workflows/gone", 1), "WorkflowNotFound", 404},
	}
	for _, tt := range tests {
		s := sender(srv)
		s.URL = tt.url
		err := s.Send(context.Background(), story()[1])
		var e *oncall.Error
		if !errors.As(err, &e) || !e.Permanent || e.Status != tt.status ||
			!strings.Contains(e.Reason, tt.code) || !strings.Contains(e.Reason, "create a new one") {
			t.Errorf("%s: %v; want a permanent %d naming %s and the remedy", tt.name, err, tt.status, tt.code)
		}
	}
	if len(srv.Cards()) != 0 {
		t.Error("a card was posted through a refused URL")
	}
}

// The webhook URL is a credential: its signature, its path and the URL
// itself appear in no error, whatever went wrong.
func TestURLNeverInErrors(t *testing.T) {
	srv := teamstest.NewServer()
	defer srv.Close()
	closed := teamstest.NewServer()
	closed.Close()
	// A server that echoes the request URL in its error body.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"code":"Echo","message":"bad request to %s (sig %s)"}}`, r.URL.String(), r.URL.Query().Get("sig"))
	}))
	defer echo.Close()
	echoURL := echo.URL + "/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=" + teamstest.Sig
	wrongSig := "WRONGsig-1111111111111111111111"

	tests := []struct {
		name  string
		url   string
		setup func()
	}{
		{"401", strings.Replace(srv.URL, teamstest.Sig, wrongSig, 1), func() {}},
		{"404", strings.Replace(srv.URL, "/workflows/", "/workflows/x", 1), func() {}},
		{"400", srv.URL, func() { srv.Fail(1, 400, "") }},
		{"413", srv.URL, func() { srv.Fail(1, 413, "") }},
		{"429", srv.URL, func() { srv.Fail(1, 429, "30") }},
		{"500", srv.URL, func() { srv.Fail(1, 500, "") }},
		{"timeout", srv.URL, func() { srv.Hang(1) }},
		{"connection refused", closed.URL, func() {}},
		{"echoed in the answer", echoURL, func() {}},
		{"unparsable URL", "https://bad host/workflows/x?sig=" + teamstest.Sig, func() {}},
		{"control character", "https://example.com/workflows/x?sig=" + teamstest.Sig + "\x7f", func() {}},
		{"retired connector", "https://acme.webhook.office.com/webhookb2/" + teamstest.Sig + "/IncomingWebhook/x", func() {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			s := sender(srv)
			s.URL = tt.url
			err := s.Send(context.Background(), story()[2])
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, f := range []string{"%v", "%+v", "%#v"} {
				text := fmt.Sprintf(f, err)
				for _, secret := range []string{teamstest.Sig, wrongSig, tt.url, "/triggers/manual/paths/invoke", "webhookb2"} {
					if strings.Contains(text, secret) {
						t.Errorf("%s shows %q: %s", f, secret, text)
					}
				}
			}
		})
	}
}

// The card Send posts is the one Card renders, measured at the Sender's
// clock.
func TestSendPostsTheCard(t *testing.T) {
	srv := teamstest.NewServer()
	defer srv.Close()
	d := story()[1]
	if err := sender(srv).Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	cards := srv.Cards()
	if len(cards) != 1 || !strings.Contains(string(cards[0].Content), `{"title":"Overdue by","value":"1 hour 5 minutes"}`) {
		t.Errorf("posted %d cards: %s", len(cards), cards)
	}
}

// A missing URL, or one of the retired Office 365 connectors, is refused
// before anything is sent: no retry can make it work.
func TestUnusableURL(t *testing.T) {
	for _, tt := range []struct{ url, reason string }{
		{"", "no webhook URL"},
		{"https://acme.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d", "retired"},
		{"https://outlook.office.com/webhook/a@b/IncomingWebhook/c/d", "retired"},
	} {
		var sent bool
		s := &teams.Sender{URL: tt.url, Client: &http.Client{Transport: roundTrip(func(*http.Request) (*http.Response, error) {
			sent = true
			return nil, errors.New("unreachable")
		})}}
		err := s.Send(context.Background(), story()[0])
		var e *oncall.Error
		if !errors.As(err, &e) || !e.Permanent || sent || !strings.Contains(e.Reason, tt.reason) {
			t.Errorf("%q: %v (sent %v); want a permanent error saying %q, nothing sent", tt.url, err, sent, tt.reason)
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
