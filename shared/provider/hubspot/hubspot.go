// Package hubspot verifies and parses hubspot webhooks. (Stub: being written.)
package hubspot

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the hubspot provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "hubspot: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("hubspot: not implemented")
}
