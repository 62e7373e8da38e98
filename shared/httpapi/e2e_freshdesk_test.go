package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/freshdesk"
)

const freshdeskSecret = "freshdesk-e2e-secret"

func freshdeskBody(event, ticket, at string) string {
	return `{"freshdesk_webhook":{"event":"` + event + `","ticket_id":"` + ticket + `","ticket_status":"Open",` +
		`"ticket_priority":"Medium","ticket_source":"Email","ticket_tags":"","ticket_updated_at":"` + at + `",` +
		`"triggered_event":"{ticket_action:created}"}}`
}

func freshdeskPost(t *testing.T, f *fixture, h http.Header, body string) {
	t.Helper()
	h.Set("Content-Type", "application/json")
	status, resp := f.postRaw(t, "/webhooks/freshdesk", h, []byte(body))
	if status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("POST %s: %d %v", body, status, resp)
	}
}

// freshdeskBasicAuth is what Freshdesk's "Requires authentication" sends with the
// secret as the password.
func freshdeskBasicAuth() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("slawatch:"+freshdeskSecret)))
	return h
}

func freshdeskTokenAuth() http.Header {
	h := http.Header{}
	h.Set(freshdesk.TokenHeader, freshdeskSecret)
	return h
}

func TestE2EFreshdeskFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_FRESHDESK_SECRET": freshdeskSecret})

	// Ticket A: created, then an agent's reply at 09:18:45.
	freshdeskPost(t, f, freshdeskBasicAuth(), freshdeskBody("ticket_created", "4901", "2026-11-23 09:00:00 UTC"))
	freshdeskPost(t, f, freshdeskTokenAuth(), freshdeskBody("agent_reply", "4901", "2026-11-23 09:18:45 UTC"))
	fr := f.ticket(t, "freshdesk", "4901")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:18:45Z" {
		t.Errorf("ticket A first_response = %v, want responded_at 2026-11-23T09:18:45Z", fr)
	}

	// Ticket B: created, then a private note: no response yet.
	freshdeskPost(t, f, freshdeskBasicAuth(), freshdeskBody("ticket_created", "4902", "2026-11-23 09:02:00 UTC"))
	freshdeskPost(t, f, freshdeskBasicAuth(), freshdeskBody("private_note", "4902", "2026-11-23 09:04:00 UTC"))
	fr = f.ticket(t, "freshdesk", "4902")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket B first_response = %v, want responded_at null", fr)
	}

	// Freshdesk retries the same rendered body: a duplicate, not a second reply.
	body := freshdeskBody("agent_reply", "4901", "2026-11-23 09:18:45 UTC")
	h := freshdeskTokenAuth()
	h.Set("Content-Type", "application/json")
	if status, resp := f.postRaw(t, "/webhooks/freshdesk", h, []byte(body)); status != http.StatusOK || resp["duplicates"] != 1.0 {
		t.Errorf("retry: %d %v", status, resp)
	}
	// Without credentials, or with the wrong ones, the request is refused.
	for name, h := range map[string]http.Header{"none": {}, "wrong": {freshdesk.TokenHeader: {"guess"}}} {
		h.Set("Content-Type", "application/json")
		want := map[string]string{"none": "missing_signature", "wrong": "bad_signature"}[name]
		if status, resp := f.postRaw(t, "/webhooks/freshdesk", h, []byte(body)); status != http.StatusUnauthorized || resp["reason"] != want {
			t.Errorf("%s credentials: %d %v", name, status, resp)
		}
	}
}
