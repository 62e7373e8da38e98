// Package intercom verifies and parses intercom webhooks. (Stub: being written.)
package intercom

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the intercom provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "intercom: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("intercom: not implemented")
}
