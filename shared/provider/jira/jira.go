// Package jira verifies and parses Jira Cloud and Jira Service Management
// admin webhooks (Jira settings → System → WebHooks).
//
// Signature: a webhook saved with a secret carries X-Hub-Signature:
// sha256=<hex HMAC-SHA256(secret, raw body)>. Jira signs no timestamp, so
// replay protection comes from the delivery id alone. A webhook saved
// without a secret is unsigned; slawatch then refuses it unless the source
// is configured `insecure: true` (see docs/helpdesks/jira.md).
//
// Parse maps jira:issue_created → ticket_created, comment_created →
// customer_message / agent_reply / internal_note (by the author's
// accountType and the comment's jsdPublic), and the status, priority and
// labels items of a jira:issue_updated changelog → status_changed,
// priority_changed, tags_changed. A comment also comes as jira:issue_updated
// (issue_commented), the only delivery that names its issue on Jira Server
// and Data Center; both deliveries carry the event id comment:<id>, so the
// comment counts once. The ticket id is the issue key (SUP-123); other
// events' idempotency key is the X-Atlassian-Webhook-Identifier header,
// stable across Jira's retries.
package jira

import (
	"github.com/slawatch/slawatch/shared/provider"
)

// Header names Jira uses.
const (
	SignatureHeader  = "X-Hub-Signature"
	IdentifierHeader = "X-Atlassian-Webhook-Identifier"
)

// Adapter is the Jira provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var signature = provider.Signature{Header: SignatureHeader, Prefix: "sha256=", Hash: provider.SHA256, Encoding: provider.Hex}

// Sign returns the X-Hub-Signature value for body; tests and fixtures use it.
func Sign(secret, body []byte) string { return signature.Sign(secret, body) }

// Verify checks X-Hub-Signature over the raw body, in constant time.
// slawatch calls it only when the source has a secret.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return signature.Verify(r.Header, s.Secret, r.Body)
}
