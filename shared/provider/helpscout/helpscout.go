// Package helpscout verifies and parses Help Scout (Mailbox API v2) webhooks.
//
// Signature: X-HelpScout-Signature = base64(HMAC-SHA1(secret, raw body)),
// where the secret is the one typed into the Webhooks app (at most 40
// characters). No timestamp is signed and Help Scout sends no delivery id:
// replays and retries are recognised by an event id synthesised from the
// event name, the conversation and the thread (or the status, tags and time
// for changes without a thread).
//
// The event name is in the X-HelpScout-Event header; the body is the
// conversation with its threads embedded. The adapter maps:
//
//	convo.created                 ticket_created (customer, or agent: public when it starts with an email to the customer)
//	convo.customer.reply.created  customer_message (newest published customer/chat thread by the customer)
//	convo.agent.reply.created     agent_reply (newest published message/chat thread by a user; public)
//	convo.note.created            internal_note (newest published note)
//	convo.status                  status_changed (active → open, pending → pending, closed → solved, spam → closed)
//	convo.tags                    tags_changed (the full tag set)
//
// Help Scout has no priority; tags carry what policies need. Drafts and
// hidden threads never count. Every other event is ignored.
package helpscout

import (
	"strings"

	"github.com/slawatch/slawatch/shared/provider"
)

const (
	// SignatureHeader carries the body's HMAC.
	SignatureHeader = "X-HelpScout-Signature"
	// EventHeader names the event; the body does not.
	EventHeader = "X-HelpScout-Event"
)

var signature = provider.Signature{Header: SignatureHeader, Hash: provider.SHA1, Encoding: provider.Base64}

// Sign returns the X-HelpScout-Signature value Help Scout would send for
// body; tests and fixtures use it.
func Sign(secret, body []byte) string { return signature.Sign(secret, body) }

// Adapter is the Help Scout provider. It has no state.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

// Verify checks X-HelpScout-Signature over the raw body in constant time.
// Help Scout signs no timestamp, so there is no freshness check to make.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return signature.Verify(r.Header, s.Secret, r.Body)
}

// Parse maps one webhook to canonical events or a reason to ignore it.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	name := strings.TrimSpace(r.Header.Get(EventHeader))
	if name == "" {
		return provider.Result{}, provider.Missing(EventHeader)
	}
	rule, ok := rules[name]
	if !ok {
		// Ignored events are not decoded: convo.deleted, for one, has a
		// body of its own shape.
		return provider.Ignore("%s is not tracked", name), nil
	}
	var c conversation
	if err := provider.DecodeJSON(r.Body, &c, false); err != nil {
		return provider.Result{}, err
	}
	return c.result(name, rule, s)
}
