package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/store"
)

const secret = "test-secret"

var now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

type fixture struct {
	srv     *httptest.Server
	tickets *store.Memory
	api     *httpapi.API
}

func newFixture(t *testing.T, cfgYAML string, secrets map[string]string) *fixture {
	t.Helper()
	cfg := policy.Default()
	if cfgYAML != "" {
		var err error
		if cfg, err = policy.Parse([]byte(cfgYAML)); err != nil {
			t.Fatal(err)
		}
	}
	tickets := store.NewMemory()
	api := httpapi.New(cfg, tickets, func(n string) (string, bool) { v, ok := secrets[n]; return v, ok },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	api.MaxBody = 4096
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, tickets: tickets, api: api}
}

func (f *fixture) post(t *testing.T, path, contentType, sig, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if sig != "" {
		req.Header.Set(generic.SignatureHeader, sig)
	}
	return do(t, req)
}

// postRaw posts body with the given headers (Content-Type included) and
// returns the status and decoded JSON body; end-to-end tests of each
// helpdesk adapter use it.
func (f *fixture) postRaw(t *testing.T, path string, header http.Header, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

// ticket returns the ticket's JSON view, failing the test if it is absent.
func (f *fixture) ticket(t *testing.T, source, id string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/tickets/"+source+"/"+id, nil)
	status, body := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET ticket %s/%s: %d %v", source, id, status, body)
	}
	return body
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", req.Method, req.URL.Path, ct)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, out
}

func sign(body string) string { return generic.Sign([]byte(secret), []byte(body)) }

const created = `{"ticket_id":"42","event_id":"e1","kind":"ticket_created","occurred_at":"2026-11-23T09:00:00Z","channel":"chat"}`

func TestWebhookThenReadTicket(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GENERIC_SECRET": secret})

	status, body := f.post(t, "/webhooks/generic", "application/json", sign(created), created)
	if status != http.StatusOK || body["applied"] != 1.0 || body["duplicates"] != 0.0 {
		t.Fatalf("first delivery: %d %v", status, body)
	}
	// The same delivery again is a duplicate, not an error.
	status, body = f.post(t, "/webhooks/generic", "application/json", sign(created), created)
	if status != http.StatusOK || body["applied"] != 0.0 || body["duplicates"] != 1.0 {
		t.Fatalf("redelivery: %d %v", status, body)
	}

	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/tickets/generic/42", nil)
	status, body = do(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET ticket: %d %v", status, body)
	}
	// Default config: chat is real-time, so the first response is due an
	// hour after 09:00; at 09:30 it is not breached.
	fr := body["first_response"].(map[string]any)
	want := map[string]any{"source": "generic", "ticket_id": "42", "channel": "chat", "priority": "normal", "status": "new", "policy": "realtime"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if fr["due_at"] != "2026-11-23T10:00:00Z" || fr["responded_at"] != nil || fr["breached"] != false {
		t.Errorf("first_response = %v", fr)
	}
	if body["next_reply"] != nil {
		t.Errorf("next_reply = %v, want null", body["next_reply"])
	}
}

func TestWebhookRefusals(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	big := `{"ticket_id":"` + strings.Repeat("x", 5000) + `"}`
	tests := []struct {
		name, path, ct, sig, body string
		status                    int
		field, reason, errPart    string
	}{
		{"unknown source", "/webhooks/nope", "application/json", sign(created), created, 404, "", "", "unknown source"},
		{"no content type", "/webhooks/generic", "", sign(created), created, 415, "", "", "application/json"},
		{"form content type", "/webhooks/generic", "application/x-www-form-urlencoded", sign(created), created, 415, "", "", "application/json"},
		{"missing signature", "/webhooks/generic", "application/json", "", created, 401, "", "missing_signature", "missing"},
		{"wrong signature", "/webhooks/generic", "application/json", generic.Sign([]byte("other"), []byte(created)), created, 401, "", "bad_signature", "does not match"},
		{"signature of another body", "/webhooks/generic", "application/json", sign(created + " "), created, 401, "", "bad_signature", ""},
		{"malformed signature", "/webhooks/generic", "application/json", "sha1=abc", created, 401, "", "bad_signature", ""},
		{"too large", "/webhooks/generic", "application/json", sign(big), big, 413, "", "", "limit"},
		{"malformed JSON", "/webhooks/generic", "application/json", sign(`{"ticket_id":`), `{"ticket_id":`, 400, "", "", "malformed JSON"},
		{"not an object", "/webhooks/generic", "application/json", sign(`42`), `42`, 400, "", "", "JSON object"},
		{"unknown field", "/webhooks/generic", "application/json; charset=utf-8", sign(`{"ticket":"1"}`), `{"ticket":"1"}`, 400, "ticket", "", "unknown field"},
		{"wrong type", "/webhooks/generic", "application/json", sign(`{"public":"yes"}`), `{"public":"yes"}`, 400, "public", "", ""},
		{"missing event id", "/webhooks/generic", "application/json", sign(strings.Replace(created, `"event_id":"e1",`, "", 1)), strings.Replace(created, `"event_id":"e1",`, "", 1), 400, "event_id", "", "required"},
		{"bad time", "/webhooks/generic", "application/json", sign(strings.Replace(created, "2026-11-23T09:00:00Z", "yesterday", 1)), strings.Replace(created, "2026-11-23T09:00:00Z", "yesterday", 1), 400, "occurred_at", "", "RFC 3339"},
		{"bad kind in array", "/webhooks/generic", "application/json", sign(`[` + created + `,` + strings.Replace(created, "ticket_created", "exploded", 1) + `]`), `[` + created + `,` + strings.Replace(created, "ticket_created", "exploded", 1) + `]`, 400, "[1].kind", "", "unknown kind"},
		{"source mismatch", "/webhooks/generic", "application/json", sign(`{"source":"zendesk"}`), `{"source":"zendesk"}`, 400, "source", "", "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.post(t, tt.path, tt.ct, tt.sig, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (body %v)", status, tt.status, body)
			}
			msg, _ := body["error"].(string)
			if msg == "" || !strings.Contains(msg, tt.errPart) {
				t.Errorf("error %q, want it to mention %q", msg, tt.errPart)
			}
			if tt.field != "" && body["field"] != tt.field {
				t.Errorf("field %v, want %q", body["field"], tt.field)
			}
			if tt.reason != "" && body["reason"] != tt.reason {
				t.Errorf("reason %v, want %q", body["reason"], tt.reason)
			}
			if strings.Contains(msg, sign(tt.body)) {
				t.Errorf("error echoes the expected signature")
			}
		})
	}
	// Nothing refused above may have reached the store, not even the valid
	// first element of the array with a bad second one.
	if _, err := f.tickets.Get(context.Background(), store.Key{Source: "generic", ID: "42"}); err != store.ErrNotFound {
		t.Errorf("refused requests stored a ticket (err %v)", err)
	}
}

func TestSourceWithoutSecretFailsClosed(t *testing.T) {
	const cfg = `
sources:
  closed: {provider: generic}
  open: {provider: generic, insecure: true}
policies:
  - name: all
    first_response: {within: 1h}
`
	f := newFixture(t, cfg, nil)
	status, body := f.post(t, "/webhooks/closed", "application/json", sign(created), created)
	if status != http.StatusUnauthorized || body["reason"] != "no_secret" {
		t.Errorf("closed source without secret: %d %v, want 401 no_secret", status, body)
	}
	status, body = f.post(t, "/webhooks/open", "application/json", "", created)
	if status != http.StatusOK || body["applied"] != 1.0 {
		t.Errorf("insecure source: %d %v, want 200 applied", status, body)
	}
}

func TestRoutesAndMethods(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"GET", "/webhooks/generic", 405},
		{"GET", "/webhooks/nope", 404},
		{"POST", "/tickets/generic/42", 405},
		{"GET", "/tickets/generic/404", 404},
		{"GET", "/nothing/here", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, f.srv.URL+tt.path, nil)
		if status, body := do(t, req); status != tt.status {
			t.Errorf("%s %s: %d %v, want %d", tt.method, tt.path, status, body, tt.status)
		}
	}
}

func TestHeadProbeOfWebhookURL(t *testing.T) {
	f := newFixture(t, "", nil)
	for path, want := range map[string]int{"/webhooks/intercom": 200, "/webhooks/nope": 404} {
		resp, err := http.Head(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("HEAD %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestServeAPIGateway(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	api := f.srv.Config.Handler
	req := events.APIGatewayV2HTTPRequest{
		RawPath: "/webhooks/generic",
		Headers: map[string]string{"content-type": "application/json", "x-slawatch-signature": sign(created)},
		Body:    created,
	}
	req.RequestContext.HTTP.Method = "POST"
	resp, err := httpapi.ServeAPIGateway(context.Background(), api, req)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"applied":1`) {
		t.Fatalf("API Gateway webhook: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	if resp.Headers["Content-Type"] != "application/json" {
		t.Errorf("Content-Type %q", resp.Headers["Content-Type"])
	}
}

// A ticket id with a slash (GitHub's "owner/repo#42") is read back whole,
// through the handler and through API Gateway's greedy {id+} route, whose
// rawPath keeps the client's escapes.
func TestTicketIDWithSlash(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GENERIC_SECRET": secret})
	body := `{"ticket_id":"octo-org/helpdesk#42","event_id":"e1","kind":"ticket_created","occurred_at":"2026-11-23T09:00:00Z"}`
	if status, resp := f.post(t, "/webhooks/generic", "application/json", sign(body), body); status != http.StatusOK {
		t.Fatalf("post: %d %v", status, resp)
	}
	if got := f.ticket(t, "generic", "octo-org/helpdesk%2342"); got["ticket_id"] != "octo-org/helpdesk#42" {
		t.Errorf("ticket_id %v", got["ticket_id"])
	}
	resp, err := httpapi.ServeAPIGateway(context.Background(), f.api.Handler(), events.APIGatewayV2HTTPRequest{
		RawPath: "/tickets/generic/octo-org/helpdesk%2342",
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method: http.MethodGet, Path: "/tickets/generic/octo-org/helpdesk#42"}},
	})
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"ticket_id": "octo-org/helpdesk#42"`) {
		t.Errorf("API Gateway: %v %d %s", err, resp.StatusCode, resp.Body)
	}
}
