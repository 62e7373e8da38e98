package sla

import (
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
)

// Tiers gives a customer its tier; *policy.Config is one. Policies that
// are not Tiers (a replay's, a test's) place no customer in a tier.
type Tiers interface {
	Tier(policy.Customer) string
}

// customer carries over what e says about the ticket's customer, like the
// channel: an empty field leaves the last known value. The tier is worked
// out again on every event, since a new tag or organization may change it.
func (r *replay) customer(e event.Event) {
	t := &r.t
	if e.Organization != "" {
		t.Organization = e.Organization
	}
	if e.Company != "" {
		t.Company = e.Company
	}
	if e.Domain != "" {
		t.Domain = e.Domain
	}
	if tiers, ok := r.p.(Tiers); ok {
		t.Tier = tiers.Tier(policy.Customer{Organization: t.Organization, Company: t.Company, Domain: t.Domain, Tags: t.Tags})
	}
}

// policyTicket is what policies match the ticket on.
func (t *Ticket) policyTicket() policy.Ticket {
	return policy.Ticket{
		Source: t.Source, Channel: t.Channel, Priority: t.Priority, Tags: t.Tags,
		Tier: t.Tier, Organization: t.Organization,
	}
}
