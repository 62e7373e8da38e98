// Package zendesk verifies and parses zendesk webhooks. (Stub: being written.)
package zendesk

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the zendesk provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "zendesk: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("zendesk: not implemented")
}
