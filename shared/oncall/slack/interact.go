package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Interactivity request headers and the replay window
// (docs.slack.dev/authentication/verifying-requests-from-slack).
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	MaxSkew         = 5 * time.Minute
)

// ErrUnverified is what VerifyRequest's errors wrap: answer 401 and do
// nothing with the request.
var ErrUnverified = errors.New("slack: request not verified")

// VerifyRequest checks that a request to POST /webhooks/slack-actions comes
// from Slack: X-Slack-Signature must be "v0=" and the hex HMAC-SHA256, keyed
// with the app's signing secret, of "v0:" + X-Slack-Request-Timestamp + ":"
// + the raw body; and the timestamp must be within MaxSkew of now, so that
// a captured request cannot be replayed later. body must be the bytes as
// received, before any form parsing.
func VerifyRequest(secret []byte, header http.Header, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no signing secret configured", ErrUnverified)
	}
	ts, sig := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return fmt.Errorf("%w: missing %s or %s", ErrUnverified, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", ErrUnverified)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > MaxSkew || skew < -MaxSkew {
		return fmt.Errorf("%w: timestamp %s is more than %v from now", ErrUnverified, ts, MaxSkew)
	}
	got, ok := strings.CutPrefix(sig, "v0=")
	mac, err := hex.DecodeString(got)
	if !ok || err != nil {
		return fmt.Errorf("%w: malformed signature", ErrUnverified)
	}
	if !hmac.Equal(mac, Sign(secret, ts, body)) {
		return fmt.Errorf("%w: signature mismatch", ErrUnverified)
	}
	return nil
}

// Sign is the v0 signature's MAC of a request: HMAC-SHA256 of
// "v0:<timestamp>:<body>".
func Sign(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("v0:" + timestamp + ":"))
	h.Write(body)
	return h.Sum(nil)
}

// Action is a button click, read from a block_actions payload.
type Action struct {
	ActionID    string // ActionAck or ActionSnooze30 for slawatch's buttons
	Value       string // the incident key (oncall.IncidentKey)
	UserID      string
	UserName    string // username, or name when there is none
	TeamID      string
	ChannelID   string
	MessageTS   string // the message the button is on
	ResponseURL string // valid for 30 minutes, 5 uses
	TriggerID   string
	ActionTS    string
}

// blockActions is the part of a block_actions payload Action reads
// (docs.slack.dev/reference/interaction-payloads/block_actions-payload).
type blockActions struct {
	Type string `json:"type"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		TeamID   string `json:"team_id"`
	} `json:"user"`
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	Container struct {
		MessageTS string `json:"message_ts"`
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Message struct {
		TS string `json:"ts"`
	} `json:"message"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
	Actions     []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

// ParseAction reads an interactivity request's body: form-encoded, with the
// JSON in its "payload" field. It accepts only block_actions with one
// action (a button click).
func ParseAction(body []byte) (Action, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return Action{}, fmt.Errorf("slack: interaction body: %w", err)
	}
	raw := form.Get("payload")
	if raw == "" {
		return Action{}, errors.New("slack: interaction body has no payload")
	}
	var p blockActions
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Action{}, fmt.Errorf("slack: interaction payload: %w", err)
	}
	if p.Type != "block_actions" {
		return Action{}, fmt.Errorf("slack: interaction of type %q, want block_actions", p.Type)
	}
	if len(p.Actions) != 1 {
		return Action{}, fmt.Errorf("slack: block_actions with %d actions, want 1", len(p.Actions))
	}
	a := p.Actions[0]
	out := Action{
		ActionID: a.ActionID, Value: a.Value, ActionTS: a.ActionTS,
		UserID: p.User.ID, UserName: p.User.Username, TeamID: p.Team.ID,
		ChannelID: p.Channel.ID, MessageTS: p.Container.MessageTS,
		ResponseURL: p.ResponseURL, TriggerID: p.TriggerID,
	}
	if out.UserName == "" {
		out.UserName = p.User.Name
	}
	if out.ChannelID == "" {
		out.ChannelID = p.Container.ChannelID
	}
	if out.MessageTS == "" {
		out.MessageTS = p.Message.TS
	}
	if out.TeamID == "" {
		out.TeamID = p.User.TeamID
	}
	return out, nil
}
