package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

const zendeskSecret = "zendesk-e2e-secret"

// zendeskHeader signs body as Zendesk does, with a timestamp inside the
// fixture clock's window (the fixture clock is 09:30:00Z).
func zendeskHeader(body, invocation string) http.Header {
	const ts = "2026-11-23T09:29:58Z"
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(zendesk.TimestampHeader, ts)
	h.Set(zendesk.SignatureHeader, zendesk.Sign([]byte(zendeskSecret), ts, []byte(body)))
	if invocation != "" {
		h.Set(zendesk.InvocationHeader, invocation)
	}
	return h
}

func zendeskPost(t *testing.T, f *fixture, body, invocation string) {
	t.Helper()
	status, resp := f.postRaw(t, "/webhooks/zendesk", zendeskHeader(body, invocation), []byte(body))
	if status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("POST %s: %d %v", body, status, resp)
	}
}

func zendeskEvent(typ, id, at, ticket, event string) string {
	return `{"account_id":9876543,"id":"` + id + `","time":"` + at + `","type":"zen:event-type:` + typ +
		`","subject":"zen:ticket:` + ticket + `","zendesk_event_version":"2022-11-06","detail":{"id":"` + ticket +
		`","status":"NEW","priority":"NORMAL","requester_id":"101","submitter_id":"101","tags":[],"via":{"channel":"mail"}},"event":` + event + `}`
}

func TestE2EZendeskSubscriptionFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_ZENDESK_SECRET": zendeskSecret})

	// Ticket A: created, then an agent's public reply at 09:12:30.
	zendeskPost(t, f, zendeskEvent("ticket.created", "evt-a1", "2026-11-23T09:00:00Z", "701", `{}`), "")
	zendeskPost(t, f, zendeskEvent("ticket.comment_added", "evt-a2", "2026-11-23T09:12:30Z", "701",
		`{"comment":{"id":"9001","body":"We are on it.","is_public":true,"author":{"id":"201","is_staff":true,"name":"Alex Agent"}}}`), "")
	fr := f.ticket(t, "zendesk", "701")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:12:30Z" {
		t.Errorf("ticket A first_response = %v, want responded_at 2026-11-23T09:12:30Z", fr)
	}

	// Ticket B: created, then only an internal note: no response yet.
	zendeskPost(t, f, zendeskEvent("ticket.created", "evt-b1", "2026-11-23T09:01:00Z", "702", `{}`), "")
	zendeskPost(t, f, zendeskEvent("ticket.comment_added", "evt-b2", "2026-11-23T09:05:00Z", "702",
		`{"comment":{"id":"9002","body":"Checking with billing.","is_public":false,"author":{"id":"201","is_staff":true,"name":"Alex Agent"}}}`), "")
	fr = f.ticket(t, "zendesk", "702")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket B first_response = %v, want responded_at null", fr)
	}

	// A redelivery of the same event id is a duplicate; a bad signature is refused.
	body := zendeskEvent("ticket.created", "evt-a1", "2026-11-23T09:00:00Z", "701", `{}`)
	status, resp := f.postRaw(t, "/webhooks/zendesk", zendeskHeader(body, ""), []byte(body))
	if status != http.StatusOK || resp["duplicates"] != 1.0 {
		t.Errorf("redelivery: %d %v", status, resp)
	}
	h := zendeskHeader(body, "")
	h.Set(zendesk.SignatureHeader, zendesk.Sign([]byte("wrong"), "2026-11-23T09:29:58Z", []byte(body)))
	if status, resp := f.postRaw(t, "/webhooks/zendesk", h, []byte(body)); status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
		t.Errorf("wrong secret: %d %v", status, resp)
	}
}

func TestE2EZendeskTriggerFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_ZENDESK_SECRET": zendeskSecret})
	trig := func(event, ticket, role, at string) string {
		return `{"event":"` + event + `","ticket_id":"` + ticket + `","status":"Open","priority":"Normal","via":"Mail",` +
			`"tags":"","actor_id":"201","actor_role":"` + role + `","time":"` + at + `"}`
	}
	zendeskPost(t, f, trig("ticket_created", "801", "End-user", "2026-11-23T09:00Z"), "7001")
	zendeskPost(t, f, trig("agent_public_reply", "801", "Agent", "2026-11-23T09:14Z"), "7002")
	fr := f.ticket(t, "zendesk", "801")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:14:00Z" {
		t.Errorf("ticket 801 first_response = %v, want responded_at 2026-11-23T09:14:00Z", fr)
	}

	zendeskPost(t, f, trig("ticket_created", "802", "End-user", "2026-11-23T09:03Z"), "7003")
	zendeskPost(t, f, trig("internal_note", "802", "Agent", "2026-11-23T09:04Z"), "7004")
	fr = f.ticket(t, "zendesk", "802")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket 802 first_response = %v, want responded_at null", fr)
	}
}
