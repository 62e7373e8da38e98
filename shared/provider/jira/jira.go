// Package jira verifies and parses jira webhooks. (Stub: being written.)
package jira

import (
	"errors"

	"github.com/slawatch/slawatch/shared/provider"
)

// Adapter is the jira provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return &provider.AuthError{Reason: "bad_signature", Msg: "jira: not implemented"}
}

func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	return provider.Result{}, errors.New("jira: not implemented")
}
