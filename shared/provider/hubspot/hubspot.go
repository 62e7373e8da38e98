// Package hubspot verifies and parses HubSpot webhooks (app webhook
// subscriptions, Webhooks API v3) for Service Hub tickets and conversations.
//
// Signature (v3): X-HubSpot-Signature-v3 = base64(HMAC-SHA256(app client
// secret, method + URI + raw body + timestamp)), where the timestamp is the
// X-HubSpot-Request-Timestamp header (Unix milliseconds, as sent) and the URI
// is the full URL HubSpot posted to with %3A %2F %3F %40 %21 %24 %27 %28 %29
// %2A %2C %3B decoded, as HubSpot's request-validation guide prescribes.
// Requests whose timestamp is outside the source's window (5 minutes by
// default) are refused as replays.
//
// The body is a JSON array of events; each tracked event becomes one
// canonical event whose id is HubSpot's eventId; untracked events in the
// batch are skipped, and a batch with nothing tracked is ignored. Both the legacy
// subscription format (ticket.creation, ...) and the generic one
// (object.creation with objectTypeId 0-5) are read:
//
//   - ticket.creation → ticket_created; conversation.creation → ticket_created
//     for the conversation thread (thread ids are another id space than
//     ticket ids: use one per source);
//   - ticket.propertyChange of hs_pipeline_stage → status_changed (HubSpot's
//     default support pipeline, plus stages mapped in the webhook URL's
//     "stages" query parameter), hs_ticket_priority → priority_changed,
//     source_type → the ticket's channel;
//   - ticket.propertyChange of the reply-date properties: the agent ones
//     (hs_first_agent_message_sent_at, first_agent_reply_date,
//     hs_last_message_sent_at) → agent_reply at the date they hold,
//     hs_last_message_received_at → customer_message — because
//     conversation.newMessage does not say who wrote a message;
//   - conversation.newMessage: COMMENT → internal_note, WELCOME_MESSAGE →
//     a bot reply; MESSAGE is ignored (direction unknown).
//
// See docs/helpdesks/hubspot.md for set-up and what is unconfirmed.
package hubspot

import (
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
)

// Headers HubSpot sets on every webhook request.
const (
	SignatureHeader = "X-HubSpot-Signature-v3"
	TimestampHeader = "X-HubSpot-Request-Timestamp"
)

// Adapter is the HubSpot provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var signature = provider.Signature{Header: SignatureHeader, Hash: provider.SHA256, Encoding: provider.Base64}

// Sign returns the X-HubSpot-Signature-v3 value for a request; tests and
// fixtures use it. uri is the URL as posted; it is normalised as in Verify.
func Sign(secret []byte, method, uri string, body []byte, timestamp string) string {
	return signature.Sign(secret, []byte(method), []byte(NormalizeURI(uri)), body, []byte(timestamp))
}

// Verify checks X-HubSpot-Signature-v3 over method, URI, raw body and
// timestamp in constant time, then that the timestamp is fresh. The MAC is
// checked first so that a forged request learns nothing about the window.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	ts, err := provider.Single(r.Header, TimestampHeader)
	if err != nil {
		return err
	}
	if r.Header.Get(SignatureHeader) == "" || ts == "" {
		return &provider.AuthError{Reason: "missing_signature", Msg: "missing " + SignatureHeader + " or " + TimestampHeader + " header"}
	}
	method := r.Method
	if method == "" {
		method = "POST"
	}
	if err := signature.Verify(r.Header, s.Secret, []byte(method), []byte(NormalizeURI(r.URL)), r.Body, []byte(ts)); err != nil {
		return err
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ms <= 0 {
		return &provider.AuthError{Reason: "bad_signature", Msg: TimestampHeader + " is not a Unix time in milliseconds"}
	}
	return provider.CheckTimestamp(time.UnixMilli(ms), s)
}

// uriDecodes are the only escapes HubSpot decodes in the URI before signing;
// every other escape (%20, %2B, %25, ...) stays as sent.
var uriDecodes = map[string]byte{
	"%3A": ':', "%2F": '/', "%3F": '?', "%40": '@', "%21": '!', "%24": '$',
	"%27": '\'', "%28": '(', "%29": ')', "%2A": '*', "%2C": ',', "%3B": ';',
}

// NormalizeURI decodes, in uri, the percent-escapes HubSpot decodes before
// signing (case-insensitively) and leaves the rest of the URI untouched.
func NormalizeURI(uri string) string {
	if !strings.Contains(uri, "%") {
		return uri
	}
	var b strings.Builder
	b.Grow(len(uri))
	for i := 0; i < len(uri); i++ {
		if uri[i] == '%' && i+2 < len(uri) {
			if c, ok := uriDecodes[strings.ToUpper(uri[i:i+3])]; ok {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(uri[i])
	}
	return b.String()
}
