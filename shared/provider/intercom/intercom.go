// Package intercom verifies and parses Intercom webhook notifications.
//
// Signature: Intercom signs every notification (pings included) with
// X-Hub-Signature: sha1=<hex HMAC-SHA1(app client_secret, raw body)>. No
// timestamp is signed, so replays are caught by the idempotency key (the
// envelope id, notif_…), not by a time window.
//
// A notification is an envelope {type: "notification_event", id, topic,
// app_id, data: {item}, created_at (Unix seconds)} whose item is a
// conversation or a ticket. The adapter maps one notification to at most one
// canonical event:
//
//	conversation.user.created          ticket_created (customer)
//	conversation.admin.single.created  ticket_created (agent, public: outbound)
//	conversation.user.replied          customer_message
//	conversation.admin.replied         agent_reply (public; author bot for Fin/bots)
//	conversation.operator.replied      agent_reply by a bot (never a response)
//	conversation.admin.noted           internal_note
//	conversation.admin.closed          status_changed → solved
//	conversation.admin.opened          status_changed → open
//	conversation.admin.snoozed         status_changed → pending
//	conversation.admin.unsnoozed       status_changed → open
//	conversation.priority.updated      priority_changed (priority → high, not_priority → normal)
//	conversation_part.tag.created      tags_changed (the conversation's tags)
//	ticket.created                     ticket_created (private: a first-response clock starts)
//	ticket.contact.replied             customer_message
//	ticket.admin.replied               agent_reply (public)
//	ticket.note.created                internal_note
//	ticket.state.updated               status_changed
//
// ticket.created sends the ticket as data.item; the other ticket topics wrap
// it as data.item.ticket, with the part that triggered the notification in
// data.item.ticket_part. Both shapes are read.
//
// The ping topic is answered 200 with a small JSON body; every other topic
// is ignored. Back-office and tracker tickets are ignored: no customer waits
// on them.
package intercom

import (
	"github.com/slawatch/slawatch/shared/provider"
)

// SignatureHeader carries the body's HMAC.
const SignatureHeader = "X-Hub-Signature"

var signature = provider.Signature{Header: SignatureHeader, Prefix: "sha1=", Hash: provider.SHA1, Encoding: provider.Hex}

// Sign returns the X-Hub-Signature value Intercom would send for body;
// tests and fixtures use it.
func Sign(secret, body []byte) string { return signature.Sign(secret, body) }

// Adapter is the Intercom provider. It has no state: everything it needs
// comes with the request and the source's settings.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

// Verify checks X-Hub-Signature over the raw body in constant time.
// Intercom signs no timestamp, so there is no freshness check to make.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return signature.Verify(r.Header, s.Secret, r.Body)
}

// Parse maps one notification to canonical events, a ping reply, or a
// reason to ignore it.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	var env envelope
	if err := provider.DecodeJSON(r.Body, &env, false); err != nil {
		return provider.Result{}, err
	}
	return env.result(s)
}
