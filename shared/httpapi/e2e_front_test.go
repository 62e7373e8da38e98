package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/front"
)

// frontEvent is a minimal Front event of the given type on conversation
// conv, emitted at the given Unix time, with a message (or comment) by
// author ("null" for none).
func frontEvent(id, typ, conv, emittedAt, author string) string {
	inbound := "false"
	if typ == "inbound" {
		inbound = "true"
	}
	return `{"id":"` + id + `","type":"` + typ + `","emitted_at":` + emittedAt + `,` +
		`"conversation":{"id":"` + conv + `","status":"assigned","tags":[]},` +
		`"source":{"_meta":{"type":"inboxes"},"data":[{"id":"inb_1","type":"smtp"}]},` +
		`"target":{"_meta":{"type":"message"},"data":{"id":"msg_` + id + `","type":"email","is_inbound":` + inbound +
		`,"body":"<p>Hello</p>","author":` + author + `}}}`
}

const frontAgent = `{"id":"tea_1","email":"agent@example.com"}`

// TestE2EFrontRuleWebhooks: rule webhooks (HMAC-SHA1 of the body). A
// customer's inbound message starts the first-response clock and the agent's
// public reply stops it; an internal comment does not.
func TestE2EFrontRuleWebhooks(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_FRONT_SECRET": secret})
	post := func(body string) {
		t.Helper()
		h := http.Header{"Content-Type": {"application/json"}}
		h.Set(front.SignatureHeader, front.SignRule([]byte(secret), []byte(body)))
		status, resp := f.postRaw(t, "/webhooks/front", h, []byte(body))
		if status != http.StatusOK || resp["applied"] != 1.0 {
			t.Fatalf("POST %s: %d %v", body, status, resp)
		}
	}

	// Ticket A: 09:00 inbound, 09:12 public reply.
	post(frontEvent("evt_a1", "inbound", "cnv_a", "1795424400", "null"))
	post(frontEvent("evt_a2", "out_reply", "cnv_a", "1795425120", frontAgent))
	fr := f.ticket(t, "front", "cnv_a")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:12:00Z" {
		t.Errorf("ticket A first_response = %v, want responded_at 2026-11-23T09:12:00Z", fr)
	}

	// Ticket B: 09:00 inbound, 09:05 internal comment.
	post(frontEvent("evt_b1", "inbound", "cnv_b", "1795424400", "null"))
	post(strings.Replace(frontEvent("evt_b2", "comment", "cnv_b", "1795424700", frontAgent), `"type":"message"`, `"type":"comment"`, 1))
	fr = f.ticket(t, "front", "cnv_b")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket B first_response = %v, want responded_at null", fr)
	}

	// A request claiming to be an application webhook must verify as one.
	body := frontEvent("evt_c1", "inbound", "cnv_c", "1795424400", "null")
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set(front.SignatureHeader, front.SignRule([]byte(secret), []byte(body)))
	h.Set(front.TimestampHeader, "1795426140000")
	if status, resp := f.postRaw(t, "/webhooks/front", h, []byte(body)); status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
		t.Errorf("rule signature with a timestamp header: %d %v, want 401 bad_signature", status, resp)
	}
}

// TestE2EFrontApplicationWebhooks: application webhooks (HMAC-SHA256 of
// timestamp:body) — the validation challenge, then a wrapped event pair.
func TestE2EFrontApplicationWebhooks(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_FRONT_SECRET": secret})
	const ts = "1795426140000" // 09:29:00Z, a minute before the fixture's clock
	post := func(body string, extra http.Header) (int, map[string]any) {
		t.Helper()
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range extra {
			h[k] = v
		}
		h.Set(front.TimestampHeader, ts)
		h.Set(front.SignatureHeader, front.SignApp([]byte(secret), ts, []byte(body)))
		return f.postRaw(t, "/webhooks/front", h, []byte(body))
	}
	wrap := func(ev string) string {
		return `{"type":"inbound_received","authorization":{"id":"cmp_1"},"payload":` + ev + `}`
	}

	status, resp := post(`{"type":"sync","authorization":{"id":"cmp_1"}}`, http.Header{"X-Front-Challenge": {"chal-123"}})
	if status != http.StatusOK || resp["challenge"] != "chal-123" {
		t.Fatalf("challenge: %d %v", status, resp)
	}

	for _, ev := range []string{
		frontEvent("evt_a1", "inbound", "cnv_a", "1795424400", "null"),
		frontEvent("evt_a2", "out_reply", "cnv_a", "1795425120", frontAgent),
	} {
		if status, resp := post(wrap(ev), nil); status != http.StatusOK || resp["applied"] != 1.0 {
			t.Fatalf("POST %s: %d %v", ev, status, resp)
		}
	}
	fr := f.ticket(t, "front", "cnv_a")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:12:00Z" {
		t.Errorf("first_response = %v, want responded_at 2026-11-23T09:12:00Z", fr)
	}
}
