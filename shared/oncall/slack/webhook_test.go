package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/slack/slacktest"
)

func TestWebhookPostsWithoutButtons(t *testing.T) {
	srv := slacktest.New(t, token)
	w := &WebhookSender{URL: srv.WebhookURL(), Client: srv.Client()}
	for _, d := range story() {
		if err := w.Send(context.Background(), d); err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
	}
	posts := srv.WebhookPosts()
	if len(posts) != len(story()) {
		t.Fatalf("%d posts, want one per alert", len(posts))
	}
	var p struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(posts[1], &p); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(blockTypes(p.Blocks), ","); got != "header,section,context" || !strings.HasPrefix(p.Text, "SLA breached") {
		t.Errorf("blocks %s, text %q", got, p.Text)
	}
}

// Incoming webhooks' documented failures: error codes as text with 400,
// 403, 404, 410 (permanent), 429 (after Retry-After) and 5xx (retried); the
// URL, a secret, is in no error.
func TestWebhookFailures(t *testing.T) {
	for _, tt := range []struct {
		a         slacktest.Answer
		permanent bool
		after     time.Duration
	}{
		{a: slacktest.Answer{Status: 400, Error: "invalid_payload"}, permanent: true},
		{a: slacktest.Answer{Status: 400, Error: "no_text"}, permanent: true},
		{a: slacktest.Answer{Status: 403, Error: "action_prohibited"}, permanent: true},
		{a: slacktest.Answer{Status: 403, Error: "invalid_token"}, permanent: true},
		{a: slacktest.Answer{Status: 404, Error: "no_service"}, permanent: true},
		{a: slacktest.Answer{Status: 404, Error: "channel_not_found"}, permanent: true},
		{a: slacktest.Answer{Status: 410, Error: "channel_is_archived"}, permanent: true},
		{a: slacktest.Answer{Status: 429, RetryAfter: "12"}, after: 12 * time.Second},
		{a: slacktest.Answer{Status: 500}},
		{a: slacktest.Answer{Status: 503}},
	} {
		srv := slacktest.New(t, token)
		srv.Script(slacktest.Webhook, tt.a)
		w := &WebhookSender{URL: srv.WebhookURL(), Client: srv.Client()}
		err := w.Send(context.Background(), breach())
		var e *oncall.Error
		if !errors.As(err, &e) || e.Permanent != tt.permanent || e.RetryAfter != tt.after || e.Status != tt.a.Status {
			t.Errorf("%d %s: err %v, want permanent %v, after %v", tt.a.Status, tt.a.Error, err, tt.permanent, tt.after)
			continue
		}
		if !strings.Contains(err.Error(), tt.a.Error) {
			t.Errorf("err %q does not say %q", err, tt.a.Error)
		}
		if strings.Contains(err.Error(), "webhook-secret-part") || strings.Contains(err.Error(), "/services/") {
			t.Errorf("the error shows the URL: %v", err)
		}
	}
	// A wrong URL path is the real 404 no_service; an unreachable host and a
	// malformed URL do not show the URL either.
	srv := slacktest.New(t, token)
	for _, u := range []string{srv.WebhookURL() + "-secret-gone", "http://127.0.0.1:1/services/T/B/secret", "http://[::1:secret/"} {
		err := (&WebhookSender{URL: u, Client: srv.Client()}).Send(context.Background(), breach())
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%v", err)
		}
	}
}
