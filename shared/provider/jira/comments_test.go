package jira_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/jira"
)

// Regression tests for Jira Server / Data Center comments, which were lost:
// Server sends comment_created without the issue (answered 400) and the
// jira:issue_updated issue_commented that carries it was ignored as a
// duplicate. The payloads are genuine (testdata/genuine/SOURCES.md).

func parseGenuine(t *testing.T, file, deliveryID string) provider.Result {
	t.Helper()
	res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", deliveryID), Body: fixture(t, "genuine/"+file)}, settings())
	if err != nil {
		t.Fatalf("%s: Parse = %v", file, err)
	}
	return res
}

// TestServerCommentCreatedWithoutIssue: a 400 would have Jira retry and then
// disable the webhook; the comment arrives again with its issue.
func TestServerCommentCreatedWithoutIssue(t *testing.T) {
	res := parseGenuine(t, "webhook-server-comment-created.json", "d-1")
	if len(res.Events) != 0 || !strings.Contains(res.Ignored, "without an issue") {
		t.Errorf("Server comment_created without issue: %+v, want ignored (202), no events", res)
	}
}

// TestIssueCommentedTaken: the issue_commented delivery is the only one
// that names the Server comment's issue, so it carries the comment.
func TestIssueCommentedTaken(t *testing.T) {
	res := parseGenuine(t, "webhook-server-issue-updated-commented-1.json", "d-2")
	want := []event.Event{{
		Source: "jira", TicketID: "PRJX-14", ID: "comment:10082", Kind: event.AgentReply,
		OccurredAt: time.Date(2019, 6, 4, 0, 15, 17, 234e6, time.UTC), Author: event.Agent, Public: true,
		Domain: "mattermost.com", // the reporter, craig@mattermost.com
	}}
	assertEvents(t, res.Events, want)
	if !res.Events[0].CountsAsResponse() {
		t.Error("an agent's public comment on Server does not count as a response")
	}
}

// TestCommentPairCountsOnce: Jira Cloud sends a comment as comment_created
// and as jira:issue_updated (issue_commented), both with the issue and each
// with its own delivery id; both must carry the same event id so that the
// store's de-duplication counts the comment once.
func TestCommentPairCountsOnce(t *testing.T) {
	ids := func(file string, body []byte, delivery string) []string {
		t.Helper()
		res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", delivery), Body: body}, settings())
		if err != nil {
			t.Fatalf("%s: Parse = %v", file, err)
		}
		var out []string
		for _, e := range res.Events {
			out = append(out, e.ID)
		}
		return out
	}
	created := fixture(t, "comment_agent_public.json")
	echo := fixture(t, "issue_updated_comment.json")
	a, b := ids("comment_agent_public.json", created, "wh-1"), ids("issue_updated_comment.json", echo, "wh-2")
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
		t.Errorf("Cloud pair: comment_created ids %v, issue_commented ids %v; want one equal id each", a, b)
	}

	// The genuine Cloud comment_created, and the same body as Jira's
	// issue_commented echo of it (no genuine echo of it is published).
	genuine := fixture(t, "genuine/webhook-cloud-comment-created.json")
	asEcho := []byte(sub(string(genuine), `"webhookEvent": "comment_created",`,
		`"webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_commented",`))
	a, b = ids("webhook-cloud-comment-created.json", genuine, "wh-3"), ids("echo", asEcho, "wh-4")
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] || a[0] != "comment:10019" {
		t.Errorf("genuine Cloud pair: ids %v and %v; want [comment:10019] twice", a, b)
	}

	// Server: the genuine pair of one comment, and the same comment from a
	// Jira Server before 7.x, which names no event type.
	if got := ids("server comment_created", fixture(t, "genuine/webhook-server-comment-created.json"), "wh-5"); len(got) != 0 {
		t.Errorf("Server comment_created: ids %v, want none", got)
	}
	for _, f := range []string{"webhook-server-issue-updated-commented-1.json", "webhook-server-old-issue-updated-no-event-type-commented.json"} {
		if got := ids(f, fixture(t, "genuine/"+f), "wh-6"); len(got) != 1 || got[0] != "comment:10082" {
			t.Errorf("%s: ids %v, want [comment:10082]", f, got)
		}
	}
}

// TestCommentEditsAreNotReplies: an edited comment comes back as
// comment_updated, as jira:issue_updated issue_comment_edited, or (Server
// before 7.x) as a jira:issue_updated whose comment's updated time is later
// than its created time; none is a second reply.
func TestCommentEditsAreNotReplies(t *testing.T) {
	for _, f := range []string{
		"webhook-cloud-comment-updated.json",
		"webhook-server-comment-updated.json",
		"webhook-server-issue-updated-comment-edited.json",
		"webhook-server-old-issue-updated-no-event-type-comment-edited.json",
	} {
		if res := parseGenuine(t, f, "d-3"); len(res.Events) != 0 || res.Ignored == "" {
			t.Errorf("%s: %+v, want ignored", f, res)
		}
	}
}

// TestUnplaceableIgnored: a delivery that names no issue is not the sender's
// error (202 ignored, not 400); a malformed issue key still is.
func TestUnplaceableIgnored(t *testing.T) {
	created := string(fixture(t, "issue_created.json"))
	for name, body := range map[string]string{
		"no issue":     `{"webhookEvent": "jira:issue_created", "timestamp": 1795424400000}`,
		"no issue key": sub(created, `"key": "SUP-123",`, ``),
		"null issue":   `{"webhookEvent": "jira:issue_updated", "timestamp": 1795424400000, "issue": null}`,
	} {
		res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(body)}, settings())
		if err != nil || len(res.Events) != 0 || res.Ignored == "" {
			t.Errorf("%s: %+v, %v; want ignored", name, res, err)
		}
	}
}
