// Package builtin lists the helpdesk adapters compiled into slawatch, by the
// provider name a source's configuration uses.
package builtin

import (
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/generic"
)

// Adapters returns a fresh map of provider name to adapter.
func Adapters() map[string]provider.Adapter {
	return map[string]provider.Adapter{
		"generic": generic.Adapter{},
	}
}
