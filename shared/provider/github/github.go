// Package github verifies and parses github webhooks. (Stub: being written.)
package github

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the github provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "github: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("github: not implemented")
}
