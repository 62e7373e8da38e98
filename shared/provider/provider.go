// Package provider defines the port every helpdesk adapter implements:
// verify a webhook request's signature, then parse it into canonical events.
package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/slawatch/slawatch/shared/event"
)

// Request is a webhook request as received, with the raw body that the
// helpdesk signed.
type Request struct {
	Method string
	URL    string // full URL, for schemes that sign it
	Header http.Header
	Body   []byte
}

// Adapter verifies and parses one helpdesk's webhooks.
type Adapter interface {
	// Verify checks the request's signature with the source's secret. It
	// returns an *AuthError when the request must be refused.
	Verify(r Request, secret []byte) error
	// Parse returns the events in the request, stamped with source. It
	// returns a *ParseError for a malformed body and an *IgnoredError for a
	// well-formed event slawatch has no use for.
	Parse(r Request, source string) ([]event.Event, error)
}

// AuthError refuses a request; Reason is a short machine-readable code
// (missing_signature, bad_signature, stale_timestamp, no_secret). Messages
// never contain the expected signature.
type AuthError struct {
	Reason string
	Msg    string
}

func (e *AuthError) Error() string { return e.Msg }

// ParseError is a malformed request body; Field names the offending field.
type ParseError struct {
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Field, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// IgnoredError is a valid request that carries nothing slawatch tracks.
type IgnoredError struct {
	Reason string
}

func (e *IgnoredError) Error() string { return "ignored: " + e.Reason }

// ErrUnknownProvider is returned by Get for a provider name with no adapter.
var ErrUnknownProvider = errors.New("unknown provider")
