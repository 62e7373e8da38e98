// Package freshdesk verifies and parses Freshdesk automation-rule webhooks.
//
// Signature: Freshdesk signs nothing. The admin adds a shared secret to the
// rule's "Trigger webhook" action, either as HTTP Basic authentication
// whose password is the secret (the username is ignored) or as a custom
// header "X-Slawatch-Token: <secret>". Verify compares whichever is
// presented with the secret in constant time. Nothing is timestamped, so a
// captured request could be replayed; the synthesized event id makes a
// replay a duplicate, which is all the protection the scheme allows.
//
// Body: the JSON slawatch recommends for each rule (docs/helpdesks/freshdesk.md):
//
//	{"freshdesk_webhook": {"event": "<literal per rule>", "ticket_id": "{{ticket.id}}",
//	  "ticket_status": "{{ticket.status}}", "ticket_priority": "{{ticket.priority}}",
//	  "ticket_source": "{{ticket.source}}", "ticket_tags": "{{ticket.tags}}",
//	  "ticket_updated_at": "{{ticket.modified_on}}", "triggered_event": "{{triggered_event}}"}}
//
// Status, priority and source are accepted as Freshdesk's codes or names.
// The rule's literal "event" says what happened (Freshdesk's
// {{triggered_event}} cannot tell a customer's reply from an agent's); it
// is read only as a fallback. Freshdesk sends no event id, so one is
// synthesized from the ticket id, the event and the rendered fields,
// including the update time — two genuinely different events with identical
// fields in the same second collapse into one.
package freshdesk

import (
	"net/http"
	"strings"

	"github.com/slawatch/slawatch/shared/provider"
)

// TokenHeader carries the shared secret when the rule does not use Basic
// authentication.
const TokenHeader = "X-Slawatch-Token"

// Adapter is the Freshdesk provider. It holds no state.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

// Verify accepts a request that presents the secret as the X-Slawatch-Token
// header or as the Basic-auth password. Every presented credential is
// compared in constant time; none matching is bad_signature, none presented
// is missing_signature.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	if len(s.Secret) == 0 {
		// An empty secret would accept an empty password.
		return &provider.AuthError{Reason: "bad_signature", Msg: "freshdesk: no shared secret configured"}
	}
	token, err := provider.Single(r.Header, TokenHeader)
	if err != nil {
		return err
	}
	authz, err := provider.Single(r.Header, "Authorization")
	if err != nil {
		return err
	}
	token = strings.TrimSpace(token)
	if token == "" && authz == "" {
		return &provider.AuthError{Reason: "missing_signature",
			Msg: "missing credentials: send the secret as the Basic-auth password or the " + TokenHeader + " header"}
	}
	ok := token != "" && provider.EqualSecret(token, s.Secret)
	if authz != "" {
		_, password, isBasic := (&http.Request{Header: http.Header{"Authorization": {authz}}}).BasicAuth()
		if !isBasic && token == "" {
			return &provider.AuthError{Reason: "bad_signature", Msg: "Authorization header is not HTTP Basic"}
		}
		// Compare even when the token already matched, so that timing does
		// not tell which credential was right.
		ok = (isBasic && provider.EqualSecret(password, s.Secret)) || ok
	}
	if !ok {
		return &provider.AuthError{Reason: "bad_signature", Msg: "credentials do not match the source's secret"}
	}
	return nil
}
