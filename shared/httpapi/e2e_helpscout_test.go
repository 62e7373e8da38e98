package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/helpscout"
)

// Help Scout secrets are at most 40 characters.
const helpscoutSecret = "hs-webhook-secret-0123456789"

// helpscoutConversation is a trimmed v2 conversation as Help Scout posts
// it, with the given threads embedded.
func helpscoutConversation(id, status, threads string) []byte {
	return fmt.Appendf(nil, `{
  "id": %s,
  "number": 5001,
  "type": "email",
  "status": %q,
  "state": "published",
  "mailboxId": 85,
  "createdAt": "2026-11-23T09:00:00Z",
  "userUpdatedAt": "2026-11-23T09:12:00Z",
  "createdBy": {"id": 301911, "type": "customer", "email": "alex@example.com"},
  "source": {"type": "email", "via": "customer"},
  "tags": [],
  "_embedded": {"threads": [%s]}
}`, id, status, threads)
}

const (
	hsCustomerThread = `{"id": 8001, "type": "customer", "status": "active", "state": "published", "body": "Help!", "createdAt": "2026-11-23T09:00:00Z", "createdBy": {"id": 301911, "type": "customer"}}`
	hsReplyThread    = `{"id": 8002, "type": "message", "status": "nochange", "state": "published", "body": "On it.", "createdAt": "2026-11-23T09:12:00Z", "createdBy": {"id": 44521, "type": "user"}}`
	hsDraftThread    = `{"id": 8003, "type": "message", "status": "nochange", "state": "draft", "body": "Draft…", "createdAt": "2026-11-23T09:13:00Z", "createdBy": {"id": 44521, "type": "user"}}`
	hsNoteThread     = `{"id": 8004, "type": "note", "status": "nochange", "state": "published", "body": "Asked billing.", "createdAt": "2026-11-23T09:10:00Z", "createdBy": {"id": 44521, "type": "user"}}`
)

func (f *fixture) postHelpScout(t *testing.T, eventName string, body []byte) (int, map[string]any) {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-HelpScout-Event", eventName)
	h.Set("X-HelpScout-Signature", helpscout.Sign([]byte(helpscoutSecret), body))
	return f.postRaw(t, "/webhooks/helpscout", h, body)
}

func TestE2EHelpScoutFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_HELPSCOUT_SECRET": helpscoutSecret})

	// Ticket A: created at 09:00, an agent replies at 09:12 (a newer draft
	// sits next to the reply and must not count).
	created := helpscoutConversation("3001", "active", hsCustomerThread)
	replied := helpscoutConversation("3001", "active", hsDraftThread+","+hsReplyThread+","+hsCustomerThread)
	if status, resp := f.postHelpScout(t, "convo.created", created); status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("created: %d %v", status, resp)
	}
	if status, resp := f.postHelpScout(t, "convo.agent.reply.created", replied); status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("agent reply: %d %v", status, resp)
	}
	fr := f.ticket(t, "helpscout", "3001")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:12:00Z" {
		t.Errorf("ticket A responded_at = %v, want 2026-11-23T09:12:00Z", fr["responded_at"])
	}
	// Help Scout sends no delivery id; the synthesised one makes a retry a
	// duplicate.
	if status, resp := f.postHelpScout(t, "convo.agent.reply.created", replied); status != http.StatusOK || resp["duplicates"] != 1.0 {
		t.Errorf("redelivery: %d %v", status, resp)
	}

	// Ticket B: created, then only a note.
	if status, resp := f.postHelpScout(t, "convo.created", helpscoutConversation("3002", "active", hsCustomerThread)); status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("ticket B created: %d %v", status, resp)
	}
	noted := helpscoutConversation("3002", "active", hsNoteThread+","+hsCustomerThread)
	if status, resp := f.postHelpScout(t, "convo.note.created", noted); status != http.StatusOK || resp["applied"] != 1.0 {
		t.Fatalf("ticket B note: %d %v", status, resp)
	}
	fr = f.ticket(t, "helpscout", "3002")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("ticket B responded_at = %v, want null", fr["responded_at"])
	}
}

func TestE2EHelpScoutRefusals(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_HELPSCOUT_SECRET": helpscoutSecret})
	body := helpscoutConversation("3003", "active", hsCustomerThread)

	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-HelpScout-Event", "convo.created")
	h.Set("X-HelpScout-Signature", helpscout.Sign([]byte("not-the-secret"), body))
	if status, resp := f.postRaw(t, "/webhooks/helpscout", h, body); status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
		t.Errorf("wrong secret: %d %v, want 401 bad_signature", status, resp)
	}

	// Signed, but without the event header: a 400 naming the header.
	h.Set("X-HelpScout-Signature", helpscout.Sign([]byte(helpscoutSecret), body))
	h.Del("X-HelpScout-Event")
	if status, resp := f.postRaw(t, "/webhooks/helpscout", h, body); status != http.StatusBadRequest || resp["field"] != "X-HelpScout-Event" {
		t.Errorf("no event header: %d %v, want 400 naming X-HelpScout-Event", status, resp)
	}

	if status, resp := f.postHelpScout(t, "convo.assigned", body); status != http.StatusAccepted || resp["ignored"] != "convo.assigned is not tracked" {
		t.Errorf("untracked event: %d %v, want 202", status, resp)
	}
}
