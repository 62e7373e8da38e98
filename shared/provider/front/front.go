// Package front verifies and parses Front webhooks. One adapter serves both
// kinds Front sends:
//
//   - Rule webhooks (a rule's "Send to a webhook" action):
//     X-Front-Signature = base64(HMAC-SHA1(API secret, raw body)); the body is
//     the event object itself. Nothing time-based is signed, so replay
//     protection comes from the event id alone.
//   - Application webhooks (an app's webhook feature):
//     X-Front-Signature = base64(HMAC-SHA256(signing key,
//     X-Front-Request-Timestamp + ":" + raw body)), the timestamp in Unix
//     milliseconds and refused outside Settings.Window; the body wraps the
//     event as {type, authorization: {id}, payload: <event>}. Saving the
//     webhook sends a signed {type: "sync"} request with an X-Front-Challenge
//     header, answered with {"challenge": <value>}.
//
// The two are told apart by the presence of X-Front-Request-Timestamp: a
// request that carries it is verified as an application webhook only, never
// retried as a rule webhook, so that a forged timestamp header cannot
// downgrade the check to the scheme that signs no time.
//
// Parse maps Front's event types onto canonical events: inbound → customer
// message; out_reply → agent reply (bot when sent by a rule, the API or an
// OAuth app, or with no author); outbound (a conversation an agent starts) →
// ticket created by an agent, public; comment → internal note; archive →
// solved; reopen and restore → open; trash → closed; tag and untag → tags
// changed. Front has no priority. The event id (evt_…) is the idempotency
// key, the conversation id (cnv_…) the ticket id, emitted_at the event time.
package front

import (
	"net/http"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
)

// Header names Front uses.
const (
	SignatureHeader = "X-Front-Signature"
	TimestampHeader = "X-Front-Request-Timestamp"
	ChallengeHeader = "X-Front-Challenge"
)

// Adapter is the Front provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var (
	ruleSignature = provider.Signature{Header: SignatureHeader, Hash: provider.SHA1, Encoding: provider.Base64}
	appSignature  = provider.Signature{Header: SignatureHeader, Hash: provider.SHA256, Encoding: provider.Base64}
)

// SignRule returns the X-Front-Signature of a rule webhook body; tests and
// fixtures use it.
func SignRule(secret, body []byte) string { return ruleSignature.Sign(secret, body) }

// SignApp returns the X-Front-Signature of an application webhook sent at
// the given X-Front-Request-Timestamp value.
func SignApp(secret []byte, timestamp string, body []byte) string {
	return appSignature.Sign(secret, []byte(timestamp), []byte(":"), body)
}

// isApplication reports whether the request claims to be an application
// webhook. Presence, not a non-empty value, decides: an empty timestamp
// header must fail as an application webhook rather than pass as a rule one.
func isApplication(h http.Header) bool {
	_, ok := h[http.CanonicalHeaderKey(TimestampHeader)]
	return ok
}

// Verify checks X-Front-Signature over the raw body, in constant time.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	if !isApplication(r.Header) {
		return ruleSignature.Verify(r.Header, s.Secret, r.Body)
	}
	ts, err := provider.Single(r.Header, TimestampHeader)
	if err != nil {
		return err
	}
	// The signature first: an unauthenticated sender learns nothing about
	// the clock window from the answer.
	if err := appSignature.Verify(r.Header, s.Secret, []byte(ts), []byte(":"), r.Body); err != nil {
		return err
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ms <= 0 {
		return &provider.AuthError{Reason: "stale_timestamp", Msg: TimestampHeader + " is not a Unix time in milliseconds"}
	}
	return provider.CheckTimestamp(time.UnixMilli(ms), s)
}
