// Package front verifies and parses front webhooks. (Stub: being written.)
package front

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the front provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "front: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("front: not implemented")
}
