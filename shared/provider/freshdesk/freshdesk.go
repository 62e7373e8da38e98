// Package freshdesk verifies and parses freshdesk webhooks. (Stub: being written.)
package freshdesk

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the freshdesk provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "freshdesk: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("freshdesk: not implemented")
}
