package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// WebhookSender delivers alerts to an incoming webhook, for teams without a
// Slack app: one message per alert, without buttons (a webhook cannot
// receive interactions), and no edits or threads (a webhook's answer names
// no message to edit). The channel is the one chosen when the webhook was
// created.
//
// Slack answers 200 "ok", or an error code as text: 400 invalid_payload,
// no_text, user_not_found, 403 action_prohibited, invalid_token,
// posting_to_general_channel_denied, 404 channel_not_found, no_service,
// team_disabled, 410 channel_is_archived (permanent: the webhook or its
// channel must be fixed), 429 (retried after Retry-After), 5xx (retried) —
// oncall.Do classifies them by status.
type WebhookSender struct {
	URL    string // https://hooks.slack.com/services/…: a secret, never shown in errors
	Client *http.Client
}

var _ oncall.Sender = (*WebhookSender)(nil)

func (w *WebhookSender) Send(ctx context.Context, d notify.Document) error {
	b, err := json.Marshal(Message(d, nil).Static())
	if err != nil {
		return &oncall.Error{Tool: tool + " webhook", Permanent: true, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(b))
	if err != nil {
		// The parse error would quote the URL.
		return &oncall.Error{Tool: tool + " webhook", Permanent: true, Reason: "bad webhook URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	_, err = oncall.Do(client, req, tool+" webhook")
	return err
}
