package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/jira"
)

// jiraCreated is a jira:issue_created body for an issue a customer reported
// at 09:00.
func jiraCreated(issueID, key string) string {
	return `{"timestamp":1795424400000,"webhookEvent":"jira:issue_created","issue_event_type_name":"issue_created",` +
		`"user":{"accountId":"qm:1","accountType":"customer"},` +
		`"issue":{"id":"` + issueID + `","key":"` + key + `","fields":{"created":"2026-11-23T09:00:00.000+0000",` +
		`"priority":{"id":"3","name":"Medium"},"labels":[],` +
		`"status":{"name":"Waiting for support","statusCategory":{"key":"new"}},` +
		`"reporter":{"accountId":"qm:1","accountType":"customer"}}}}`
}

// jiraComment is a comment_created body for an agent's comment at 09:10.
func jiraComment(key, commentID string, public bool) string {
	jsd := "false"
	if public {
		jsd = "true"
	}
	return `{"timestamp":1795425000100,"webhookEvent":"comment_created",` +
		`"comment":{"id":"` + commentID + `","author":{"accountId":"712020:1","accountType":"atlassian"},` +
		`"body":"Looking into it.","created":"2026-11-23T09:10:00.000+0000","jsdPublic":` + jsd + `},` +
		`"issue":{"id":"1","key":"` + key + `","fields":{"status":{"name":"Waiting for support","statusCategory":{"key":"new"}}}}}`
}

func jiraPost(t *testing.T, f *fixture, path, deliveryID, body, secretValue string) (int, map[string]any) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set(jira.IdentifierHeader, deliveryID)
	if secretValue != "" {
		h.Set(jira.SignatureHeader, jira.Sign([]byte(secretValue), []byte(body)))
	}
	return f.postRaw(t, path, h, []byte(body))
}

// TestE2EJiraFirstResponse: a customer's issue, then an agent's public
// comment, records the first response at the comment's time; an internal
// comment does not. A retried delivery is a duplicate.
func TestE2EJiraFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_JIRA_SECRET": secret})
	post := func(id, body string, applied float64) {
		t.Helper()
		status, resp := jiraPost(t, f, "/webhooks/jira", id, body, secret)
		if status != http.StatusOK || resp["applied"] != applied {
			t.Fatalf("POST %s: %d %v", body, status, resp)
		}
	}

	post("wh-a1", jiraCreated("10001", "SUP-1"), 1)
	post("wh-a2", jiraComment("SUP-1", "10001", true), 1)
	post("wh-a2", jiraComment("SUP-1", "10001", true), 0) // Jira's retry: same identifier
	fr := f.ticket(t, "jira", "SUP-1")["first_response"].(map[string]any)
	if fr["responded_at"] != "2026-11-23T09:10:00Z" {
		t.Errorf("SUP-1 first_response = %v, want responded_at 2026-11-23T09:10:00Z", fr)
	}

	post("wh-b1", jiraCreated("10002", "SUP-2"), 1)
	post("wh-b2", jiraComment("SUP-2", "10002", false), 1)
	fr = f.ticket(t, "jira", "SUP-2")["first_response"].(map[string]any)
	if fr["responded_at"] != nil {
		t.Errorf("SUP-2 first_response = %v, want responded_at null", fr)
	}

	// Unsigned and wrongly signed requests are refused.
	if status, resp := jiraPost(t, f, "/webhooks/jira", "wh-c1", jiraCreated("10003", "SUP-3"), ""); status != http.StatusUnauthorized || resp["reason"] != "missing_signature" {
		t.Errorf("unsigned: %d %v, want 401 missing_signature", status, resp)
	}
	if status, resp := jiraPost(t, f, "/webhooks/jira", "wh-c1", jiraCreated("10003", "SUP-3"), "not-the-secret"); status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
		t.Errorf("wrong secret: %d %v, want 401 bad_signature", status, resp)
	}
}

// TestE2EJiraInsecureSource: a Jira webhook saved without a secret is
// accepted only by a source marked insecure.
func TestE2EJiraInsecureSource(t *testing.T) {
	const cfg = `
sources:
  jira: {provider: jira}
  jira-open: {provider: jira, insecure: true}
policies:
  - name: all
    first_response: {within: 1h}
`
	f := newFixture(t, cfg, nil)
	if status, resp := jiraPost(t, f, "/webhooks/jira", "wh-1", jiraCreated("10009", "SUP-9"), ""); status != http.StatusUnauthorized || resp["reason"] != "no_secret" {
		t.Errorf("source without secret: %d %v, want 401 no_secret", status, resp)
	}
	if status, resp := jiraPost(t, f, "/webhooks/jira-open", "wh-1", jiraCreated("10009", "SUP-9"), ""); status != http.StatusOK || resp["applied"] != 1.0 {
		t.Errorf("insecure source: %d %v, want 200 applied", status, resp)
	}
}
