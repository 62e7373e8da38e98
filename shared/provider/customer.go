package provider

import "github.com/slawatch/slawatch/shared/event"

// SetCustomer fills e's customer from what the helpdesk sent: the id of
// the customer's organization or company, its name, and the requester's
// e-mail address, of which only the domain is kept (the address is
// personal data and goes no further). Values an event cannot carry — too
// long, control characters — are dropped (event.CustomerField): the ticket
// then falls to the default tier instead of its event being refused.
func SetCustomer(e *event.Event, org, company, email string) {
	e.Organization = event.CustomerField("organization", org)
	e.Company = event.CustomerField("company", company)
	e.Domain = event.CustomerField("domain", event.EmailDomain(email))
}
