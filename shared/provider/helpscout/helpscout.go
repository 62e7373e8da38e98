// Package helpscout verifies and parses helpscout webhooks. (Stub: being written.)
package helpscout

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the helpscout provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "helpscout: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("helpscout: not implemented")
}
