// Package zendesk verifies and parses Zendesk webhooks.
//
// Signature: Zendesk signs every webhook request — event subscriptions and
// trigger/automation webhooks alike — with
//
//	X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(signing secret, timestamp + raw body))
//	X-Zendesk-Webhook-Signature-Timestamp: 2026-11-23T09:30:00Z
//
// where the timestamp is the header's ISO-8601 string, concatenated with the
// body without a separator. Verify checks the MAC over the raw bytes in
// constant time and then refuses timestamps outside Settings.Window, which is
// the only replay protection Zendesk offers besides the idempotency key.
//
// Parse understands two shapes, told apart by the body itself:
//
//   - Event subscriptions (fixed schema: "type": "zen:event-type:…", "id",
//     "time", "subject": "zen:ticket:<id>", "detail" = ticket snapshot,
//     "event" = what changed). ticket.created, ticket.comment_added,
//     ticket.status_changed, ticket.priority_changed, ticket.tags_changed and
//     messaging_ticket.message_added are mapped; other types are ignored.
//     The idempotency key is the event "id"; the time is the event "time".
//   - Trigger/automation webhooks carrying the JSON body slawatch recommends
//     (docs/helpdesks/zendesk.md): a literal "event" per trigger plus
//     placeholders for the ticket id, status, priority, via, tags, the
//     current user and {{ticket.updated_at_with_timestamp}}. The idempotency
//     key is the X-Zendesk-Webhook-Invocation-Id header.
//
// Both map onto canonical events: comments become customer messages, agent
// replies or internal notes by comment visibility and author; messaging
// messages by trigger/system actors and comments by Zendesk's system user
// are bot replies, which never count as a first response.
package zendesk

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
)

// Header names Zendesk sends.
const (
	SignatureHeader  = "X-Zendesk-Webhook-Signature"
	TimestampHeader  = "X-Zendesk-Webhook-Signature-Timestamp"
	InvocationHeader = "X-Zendesk-Webhook-Invocation-Id"
)

// eventTypePrefix starts the "type" of every event-subscription payload.
const eventTypePrefix = "zen:event-type:"

// Adapter is the Zendesk provider. It holds no state: everything it needs
// comes with the request and the source's settings.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var signature = provider.Signature{Header: SignatureHeader, Hash: provider.SHA256, Encoding: provider.Base64}

// Sign returns the X-Zendesk-Webhook-Signature value for a body sent with
// the given timestamp header; tests and local tooling use it.
func Sign(secret []byte, timestamp string, body []byte) string {
	return signature.Sign(secret, []byte(timestamp), body)
}

// Verify checks the signature over timestamp + raw body, then the
// timestamp's age. The MAC is checked first so that an unauthenticated
// sender learns nothing about the clock.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	if len(s.Secret) == 0 {
		// An empty key would make every signature computable by anyone.
		return &provider.AuthError{Reason: "bad_signature", Msg: "zendesk: no signing secret configured"}
	}
	ts, err := provider.Single(r.Header, TimestampHeader)
	if err != nil {
		return err
	}
	if ts == "" && r.Header.Get(SignatureHeader) != "" {
		return &provider.AuthError{Reason: "missing_signature", Msg: "missing " + TimestampHeader + " header"}
	}
	if err := signature.Verify(r.Header, s.Secret, []byte(ts), r.Body); err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ts))
	if err != nil {
		return &provider.AuthError{Reason: "bad_signature", Msg: TimestampHeader + " is not an ISO-8601 time"}
	}
	return provider.CheckTimestamp(at, s)
}

// probe is just enough of the body to tell the two shapes apart.
type probe struct {
	Type  string          `json:"type"`
	Event json.RawMessage `json:"event"`
}

// Parse maps an event-subscription payload or a slawatch trigger body onto
// canonical events.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	var p probe
	if err := provider.DecodeJSON(r.Body, &p, false); err != nil {
		return provider.Result{}, err
	}
	switch {
	case strings.HasPrefix(p.Type, eventTypePrefix):
		return parseSubscription(r.Body, p.Type, s)
	case p.Type != "":
		return provider.Result{}, provider.Errorf("type", "%q is not a Zendesk event type (want %s…)", p.Type, eventTypePrefix)
	case len(p.Event) > 0 && p.Event[0] == '"':
		return parseTrigger(r, s)
	case len(p.Event) > 0 && string(p.Event) != "null":
		return provider.Result{}, provider.Errorf("event", "must be a string naming the trigger's event (see docs/helpdesks/zendesk.md)")
	}
	return provider.Result{}, &provider.ParseError{Field: "event",
		Err: errors.New("required: neither a Zendesk event (\"type\") nor a slawatch trigger body (\"event\")")}
}
