package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/provider/hubspot"
)

// postHubSpot posts a HubSpot batch signed as HubSpot signs it: method, the
// URL it posted to, the raw body and the timestamp.
func postHubSpot(t *testing.T, f *fixture, body string) {
	t.Helper()
	timestamp := strconv.FormatInt(now.Add(-20*time.Second).UnixMilli(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(hubspot.TimestampHeader, timestamp)
	h.Set(hubspot.SignatureHeader, hubspot.Sign([]byte(secret), http.MethodPost, f.srv.URL+"/webhooks/hubspot", []byte(body), timestamp))
	status, resp := f.postRaw(t, "/webhooks/hubspot", h, []byte(body))
	if status != http.StatusOK || resp["applied"] == 0.0 {
		t.Fatalf("POST %s: %d %v", body, status, resp)
	}
}

func TestE2EHubSpotFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_HUBSPOT_SECRET": secret})

	// Ticket A: created from a chat at 09:00; the agent's first reply at
	// 09:12:30 is reported through the reply-date ticket properties.
	postHubSpot(t, f, `[{"eventId":9100001,"subscriptionId":2480551,"portalId":62515,"appId":54321,"occurredAt":1795424400000,"subscriptionType":"ticket.creation","attemptNumber":0,"objectId":5101,"changeFlag":"CREATED"},
{"eventId":9100002,"subscriptionId":2480557,"portalId":62515,"appId":54321,"occurredAt":1795424400000,"subscriptionType":"ticket.propertyChange","attemptNumber":0,"objectId":5101,"propertyName":"source_type","propertyValue":"CHAT"}]`)
	postHubSpot(t, f, `[{"eventId":9100003,"subscriptionId":2480561,"portalId":62515,"appId":54321,"occurredAt":1795425151200,"subscriptionType":"ticket.propertyChange","attemptNumber":0,"objectId":5101,"propertyName":"hs_first_agent_message_sent_at","propertyValue":"1795425150000"}]`)

	a := f.ticket(t, "hubspot", "5101")
	if a["channel"] != "chat" {
		t.Errorf("ticket A channel = %v, want chat", a["channel"])
	}
	if got := a["first_response"].(map[string]any)["responded_at"]; got != "2026-11-23T09:12:30Z" {
		t.Errorf("ticket A responded_at = %v, want 2026-11-23T09:12:30Z", got)
	}

	// Ticket B: a conversation thread with only an internal comment: no
	// response yet.
	postHubSpot(t, f, `[{"eventId":9100010,"subscriptionId":2480571,"portalId":62515,"appId":54321,"occurredAt":1795424700000,"subscriptionType":"conversation.creation","attemptNumber":0,"objectId":8876002,"changeFlag":"CREATED"}]`)
	postHubSpot(t, f, `[{"eventId":9100011,"subscriptionId":2480570,"portalId":62515,"appId":54321,"occurredAt":1795425300000,"subscriptionType":"conversation.newMessage","attemptNumber":0,"objectId":8876002,"messageId":"9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f","messageType":"COMMENT","changeFlag":"NEW_MESSAGE"}]`)

	b := f.ticket(t, "hubspot", "8876002")
	if got := b["first_response"].(map[string]any)["responded_at"]; got != nil {
		t.Errorf("ticket B responded_at = %v, want nil after an internal comment", got)
	}
}

func TestE2EHubSpotRefusesReplayAndIgnoresUntracked(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_HUBSPOT_SECRET": secret})
	body := []byte(`[{"eventId":9100020,"subscriptionId":2480500,"portalId":62515,"appId":54321,"occurredAt":1795425900000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":951}]`)
	sign := func(ts time.Time) http.Header {
		timestamp := strconv.FormatInt(ts.UnixMilli(), 10)
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set(hubspot.TimestampHeader, timestamp)
		h.Set(hubspot.SignatureHeader, hubspot.Sign([]byte(secret), http.MethodPost, f.srv.URL+"/webhooks/hubspot", body, timestamp))
		return h
	}
	if status, resp := f.postRaw(t, "/webhooks/hubspot", sign(now.Add(-10*time.Minute)), body); status != http.StatusUnauthorized || resp["reason"] != "stale_timestamp" {
		t.Errorf("replayed request: %d %v, want 401 stale_timestamp", status, resp)
	}
	if status, resp := f.postRaw(t, "/webhooks/hubspot", sign(now), body); status != http.StatusAccepted || resp["ignored"] == nil {
		t.Errorf("untracked event: %d %v, want 202 ignored", status, resp)
	}
}
