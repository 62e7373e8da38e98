package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/intercom"
)

const intercomSecret = "intercom-client-secret"

// intercomNotification is a trimmed Intercom notification: the envelope and
// a conversation with the part that triggered it (none for creations).
func intercomNotification(notif, topic, conv string, createdAt int64, part string) []byte {
	return fmt.Appendf(nil, `{
  "type": "notification_event",
  "app_id": "k3x9q2ab",
  "id": %q,
  "topic": %q,
  "created_at": %d,
  "delivery_attempts": 1,
  "first_sent_at": %d,
  "data": {
    "type": "notification_event_data",
    "item": {
      "type": "conversation",
      "id": %q,
      "created_at": 1795424400,
      "state": "open",
      "priority": "not_priority",
      "source": {"type": "email", "body": "<p>My export is broken.</p>", "author": {"type": "user", "id": "6672f1a0c2e0d33a0b8e4d11", "email": "alex@example.com"}},
      "tags": {"type": "tag.list", "tags": []},
      "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [%s]}
    }
  }
}`, notif, topic, createdAt, createdAt, conv, part)
}

func (f *fixture) postIntercom(t *testing.T, body []byte) (int, map[string]any) {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Hub-Signature", intercom.Sign([]byte(intercomSecret), body))
	return f.postRaw(t, "/webhooks/intercom", h, body)
}

func TestE2EIntercomFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_INTERCOM_SECRET": intercomSecret})

	// Ticket A: created 09:00, a bot answers at 09:01 (not a response), an
	// admin replies at 09:12.
	steps := [][]byte{
		intercomNotification("notif_a1", "conversation.user.created", "1001", 1795424401, ""),
		intercomNotification("notif_a2", "conversation.operator.replied", "1001", 1795424461,
			`{"type": "conversation_part", "id": "1", "part_type": "comment", "body": "<p>A teammate will reply soon.</p>", "created_at": 1795424460, "author": {"type": "bot", "id": "6827949"}}`),
		intercomNotification("notif_a3", "conversation.admin.replied", "1001", 1795425121,
			`{"type": "conversation_part", "id": "2", "part_type": "comment", "body": "<p>Fixed, sorry!</p>", "created_at": 1795425120, "author": {"type": "admin", "id": "7340012"}}`),
	}
	for i, body := range steps {
		if status, resp := f.postIntercom(t, body); status != http.StatusOK || resp["applied"] != 1.0 {
			t.Fatalf("ticket A step %d: %d %v", i, status, resp)
		}
	}
	fr := f.ticket(t, "intercom", "1001")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:12:00Z" {
		t.Errorf("ticket A responded_at = %v, want 2026-11-23T09:12:00Z", fr["responded_at"])
	}
	// A redelivery of the reply is a duplicate.
	if status, resp := f.postIntercom(t, steps[2]); status != http.StatusOK || resp["duplicates"] != 1.0 {
		t.Errorf("redelivery: %d %v", status, resp)
	}

	// Ticket B: created, then only an internal note.
	for i, body := range [][]byte{
		intercomNotification("notif_b1", "conversation.user.created", "1002", 1795424401, ""),
		intercomNotification("notif_b2", "conversation.admin.noted", "1002", 1795425001,
			`{"type": "conversation_part", "id": "3", "part_type": "note", "body": "<p>Checking with billing.</p>", "created_at": 1795425000, "author": {"type": "admin", "id": "7340012"}}`),
	} {
		if status, resp := f.postIntercom(t, body); status != http.StatusOK || resp["applied"] != 1.0 {
			t.Fatalf("ticket B step %d: %d %v", i, status, resp)
		}
	}
	fr = f.ticket(t, "intercom", "1002")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket B responded_at = %v, want null", fr["responded_at"])
	}
}

func TestE2EIntercomPingAndRefusals(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_INTERCOM_SECRET": intercomSecret})
	ping := []byte(`{"type":"notification_event","id":null,"topic":"ping","data":{"type":"notification_event_data","item":{"type":"ping","message":"hello"}},"created_at":1795426200}`)
	if status, resp := f.postIntercom(t, ping); status != http.StatusOK || resp["pong"] != true {
		t.Errorf("ping: %d %v, want 200 pong", status, resp)
	}

	body := intercomNotification("notif_c1", "conversation.user.created", "1003", 1795424401, "")
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Hub-Signature", intercom.Sign([]byte("wrong"), body))
	if status, resp := f.postRaw(t, "/webhooks/intercom", h, body); status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
		t.Errorf("wrong secret: %d %v, want 401 bad_signature", status, resp)
	}
	h.Del("X-Hub-Signature")
	if status, resp := f.postRaw(t, "/webhooks/intercom", h, body); status != http.StatusUnauthorized || resp["reason"] != "missing_signature" {
		t.Errorf("unsigned: %d %v, want 401 missing_signature", status, resp)
	}

	assigned := intercomNotification("notif_c2", "conversation.admin.assigned", "1003", 1795424401, "")
	if status, resp := f.postIntercom(t, assigned); status != http.StatusAccepted || resp["ignored"] != "conversation.admin.assigned is not tracked" {
		t.Errorf("untracked topic: %d %v, want 202", status, resp)
	}
}
