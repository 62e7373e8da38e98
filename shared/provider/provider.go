// Package provider defines the port every helpdesk adapter implements —
// verify a webhook request's signature, then parse it into canonical events —
// and the pieces adapters share: HMAC checks in constant time, timestamp
// windows, JSON decoding whose errors name the field, and recognising
// slawatch's own acknowledgements.
package provider

import (
	"fmt"
	"net/http"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// Request is a webhook request as received, with the raw body that the
// helpdesk signed.
type Request struct {
	Method string
	URL    string // the URL the helpdesk posted to, for schemes that sign it
	Header http.Header
	Body   []byte
}

// Settings are one source's settings, as an adapter needs them.
type Settings struct {
	Source string // the configured source name; stamped on every event
	Secret []byte
	// Window is how old a signed timestamp may be (either way) for schemes
	// that sign one.
	Window time.Duration
	// AckAuthor is the helpdesk user id slawatch posts acknowledgements as;
	// messages by it never count as responses. Empty: recognise the marker
	// only.
	AckAuthor string
	Now       func() time.Time
}

// DefaultWindow is the default timestamp tolerance.
const DefaultWindow = 5 * time.Minute

// Adapter verifies and parses one helpdesk's webhooks.
type Adapter interface {
	// Verify checks the request's signature. It returns an *AuthError when
	// the request must be refused.
	Verify(r Request, s Settings) error
	// Parse returns what the request carries. It returns a *ParseError for
	// a malformed body.
	Parse(r Request, s Settings) (Result, error)
}

// Result is what a verified request carries: events to apply, or a reason
// to ignore it, or a reply the sender expects (a challenge or ping).
type Result struct {
	Events  []event.Event
	Ignored string // non-empty: well-formed but nothing slawatch tracks
	Reply   *Reply
}

// Ignore returns a Result for a request slawatch has no use for.
func Ignore(format string, args ...any) Result {
	return Result{Ignored: fmt.Sprintf(format, args...)}
}

// Reply is a response the sender expects instead of the usual one.
type Reply struct {
	Status      int
	ContentType string
	Header      http.Header // extra headers, may be nil
	Body        []byte
}

// AuthError refuses a request; Reason is a short machine-readable code
// (missing_signature, bad_signature, stale_timestamp). Messages never
// contain the expected signature.
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

// Errorf returns a *ParseError for field.
func Errorf(field, format string, args ...any) error {
	return &ParseError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Missing returns a *ParseError for a required field that is absent.
func Missing(field string) error { return Errorf(field, "required") }
