package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/github"
)

// postGitHub posts a signed GitHub delivery and returns the status and body.
func postGitHub(t *testing.T, f *fixture, eventName, deliveryID, body string) (int, map[string]any) {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(github.EventHeader, eventName)
	h.Set(github.DeliveryHeader, deliveryID)
	h.Set(github.SignatureHeader, github.Sign([]byte(secret), []byte(body)))
	return f.postRaw(t, "/webhooks/github", h, []byte(body))
}

const ghRepo = `"repository":{"id":771234501,"full_name":"octo-org/helpdesk","name":"helpdesk","owner":{"login":"octo-org","id":9919001,"type":"Organization"}}`

func TestE2EGitHubFirstResponse(t *testing.T) {
	f := newFixture(t, "", map[string]string{"SLAWATCH_GITHUB_SECRET": secret})
	mustApply := func(status int, body map[string]any) {
		t.Helper()
		if status != http.StatusOK || body["applied"] != 1.0 {
			t.Fatalf("delivery: %d %v, want 200 applied", status, body)
		}
	}

	// The hook's ping is answered 200.
	if status, body := postGitHub(t, f, "ping", "d0000000-0000-4000-8000-000000000000", `{"zen":"Design for failure.","hook_id":480011223,`+ghRepo+`}`); status != http.StatusOK {
		t.Fatalf("ping: %d %v", status, body)
	}

	// Issue A: opened by a customer at 09:00, answered by a member at 09:12:30.
	mustApply(postGitHub(t, f, "issues", "d0000000-0000-4000-8000-000000000001",
		`{"action":"opened","issue":{"number":42,"title":"Export fails","user":{"login":"customer-jane","id":5550101,"type":"User"},"labels":[{"name":"bug"}],"state":"open","author_association":"NONE","created_at":"2026-11-23T09:00:00Z","updated_at":"2026-11-23T09:00:00Z","closed_at":null,"state_reason":null},`+ghRepo+`,"sender":{"login":"customer-jane","id":5550101,"type":"User"}}`))
	mustApply(postGitHub(t, f, "issue_comment", "d0000000-0000-4000-8000-000000000002",
		`{"action":"created","issue":{"number":42,"user":{"login":"customer-jane","id":5550101,"type":"User"},"labels":[{"name":"bug"}],"author_association":"NONE","created_at":"2026-11-23T09:00:00Z","updated_at":"2026-11-23T09:12:30Z"},"comment":{"id":3100000002,"user":{"login":"maint-alex","id":5550202,"type":"User"},"author_association":"MEMBER","body":"We are on it.","created_at":"2026-11-23T09:12:30Z"},`+ghRepo+`,"sender":{"login":"maint-alex","id":5550202,"type":"User"}}`))

	a := f.ticket(t, "github", url.PathEscape("octo-org/helpdesk#42"))
	if got := a["first_response"].(map[string]any)["responded_at"]; got != "2026-11-23T09:12:30Z" {
		t.Errorf("issue A responded_at = %v, want 2026-11-23T09:12:30Z", got)
	}
	if a["channel"] != "web" {
		t.Errorf("issue A channel = %v, want web", a["channel"])
	}

	// Issue B: opened at 09:05, then only a bot comments: no response. (GitHub
	// has no internal notes; a bot's reply is the comment that must not count.)
	mustApply(postGitHub(t, f, "issues", "d0000000-0000-4000-8000-000000000003",
		`{"action":"opened","issue":{"number":43,"user":{"login":"customer-jane","id":5550101,"type":"User"},"labels":[{"name":"P1"}],"author_association":"NONE","created_at":"2026-11-23T09:05:00Z","updated_at":"2026-11-23T09:05:00Z"},`+ghRepo+`}`))
	mustApply(postGitHub(t, f, "issue_comment", "d0000000-0000-4000-8000-000000000004",
		`{"action":"created","issue":{"number":43,"user":{"login":"customer-jane","id":5550101,"type":"User"},"author_association":"NONE","created_at":"2026-11-23T09:05:00Z","updated_at":"2026-11-23T09:06:00Z"},"comment":{"id":3100000010,"user":{"login":"helper-bot[bot]","id":41898282,"type":"Bot"},"author_association":"NONE","body":"Thanks! A maintainer will look at this soon.","created_at":"2026-11-23T09:06:00Z"},`+ghRepo+`}`))

	b := f.ticket(t, "github", url.PathEscape("octo-org/helpdesk#43"))
	if got := b["first_response"].(map[string]any)["responded_at"]; got != nil {
		t.Errorf("issue B responded_at = %v, want nil after a bot comment", got)
	}
	if b["priority"] != "high" {
		t.Errorf("issue B priority = %v, want high (label P1)", b["priority"])
	}

	// A redelivery is a duplicate; other events are ignored.
	status, body := postGitHub(t, f, "issue_comment", "d0000000-0000-4000-8000-000000000004",
		`{"action":"created","issue":{"number":43,"user":{"login":"customer-jane","id":5550101,"type":"User"},"author_association":"NONE","created_at":"2026-11-23T09:05:00Z","updated_at":"2026-11-23T09:06:00Z"},"comment":{"id":3100000010,"user":{"login":"helper-bot[bot]","id":41898282,"type":"Bot"},"author_association":"NONE","body":"Thanks! A maintainer will look at this soon.","created_at":"2026-11-23T09:06:00Z"},`+ghRepo+`}`)
	if status != http.StatusOK || body["duplicates"] != 1.0 {
		t.Errorf("redelivery: %d %v, want 200 duplicate", status, body)
	}
	if status, body := postGitHub(t, f, "push", "d0000000-0000-4000-8000-000000000005", `{"ref":"refs/heads/main",`+ghRepo+`}`); status != http.StatusAccepted {
		t.Errorf("push: %d %v, want 202 ignored", status, body)
	}
}
