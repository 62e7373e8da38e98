// Package builtin lists the helpdesk adapters compiled into slawatch, by the
// provider name a source's configuration uses.
package builtin

import (
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/freshdesk"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

// Adapters returns a fresh map of provider name to adapter.
func Adapters() map[string]provider.Adapter {
	return map[string]provider.Adapter{
		"generic":   generic.Adapter{},
		"zendesk":   zendesk.Adapter{},
		"freshdesk": freshdesk.Adapter{},
		"intercom":  intercom.Adapter{},
		"helpscout": helpscout.Adapter{},
		"front":     front.Adapter{},
		"jira":      jira.Adapter{},
		"hubspot":   hubspot.Adapter{},
		"github":    github.Adapter{},
	}
}
