package sla_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// customersYAML gives enterprise customers 2 business hours in New York
// and everyone else 24 calendar hours, for the same email ticket.
var customersCfg = mustConfig(`
calendars:
  ny:
    timezone: America/New_York
    hours:
      mon: ["09:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
customers:
  default_tier: free
  tiers:
    enterprise:
      organizations: ["361"]
      tags: [enterprise]
    free:
      domains: [gmail.com]
policies:
  - name: enterprise
    match: {tier: enterprise}
    calendar: ny
    first_response: {within: 2h, clock: business}
  - name: free
    match: {tier: free}
    first_response: {within: 24h}
`)

func withOrg(id string) opt    { return func(e *event.Event) { e.Organization = id } }
func withDomain(d string) opt  { return func(e *event.Event) { e.Domain = d } }
func withCompany(c string) opt { return func(e *event.Event) { e.Company = c } }

func TestPerCustomerTargets(t *testing.T) {
	// Friday 7 March 2025, 16:00 in New York (EST, UTC-5) = 21:00 UTC.
	// New York moves to EDT (UTC-4) on Sunday 9 March.
	start := time.Date(2025, 3, 7, 21, 0, 0, 0, time.UTC)
	// Enterprise, 2 business hours: 16:00-17:00 on Friday is one; Monday
	// 10 March opens at 09:00 EDT, the second ends at 10:00 EDT = 14:00 UTC.
	enterpriseDue := time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC)
	// Free, 24 calendar hours: Saturday 8 March, 21:00 UTC.
	freeDue := time.Date(2025, 3, 8, 21, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return start.Add(d) }

	for _, tc := range []struct {
		name      string
		events    []event.Event
		tier, pol string
		org, dom  string
		due       time.Time
	}{
		{
			name:   "enterprise organization",
			events: []event.Event{created("c", start, withOrg("361"), withDomain("acme.example"), withCompany("Acme"))},
			tier:   "enterprise", pol: "enterprise", org: "361", dom: "acme.example", due: enterpriseDue,
		},
		{
			name:   "free domain",
			events: []event.Event{created("c", start, withDomain("gmail.com"))},
			tier:   "free", pol: "free", dom: "gmail.com", due: freeDue,
		},
		{
			name:   "unknown customer: default tier",
			events: []event.Event{created("c", start, withOrg("9"), withDomain("example.org"))},
			tier:   "free", pol: "free", org: "9", dom: "example.org", due: freeDue,
		},
		{
			// The organization is known only from a later event: the
			// running clock takes the enterprise target from its own start.
			name: "organization learnt later",
			events: []event.Event{
				created("c", start, withDomain("acme.example")),
				note("n", at(30*mn), withOrg("361")),
			},
			tier: "enterprise", pol: "enterprise", org: "361", dom: "acme.example", due: enterpriseDue,
		},
		{
			// An event that says nothing about the customer changes
			// nothing, whatever order the events come in.
			name: "later event without customer fields",
			events: []event.Event{
				cust("m", at(time.Hour)),
				created("c", start, withOrg("361"), withDomain("acme.example")),
			},
			tier: "enterprise", pol: "enterprise", org: "361", dom: "acme.example", due: enterpriseDue,
		},
		{
			// An agent's tag overrides the free domain.
			name: "enterprise tag on a free domain",
			events: []event.Event{
				created("c", start, withDomain("gmail.com")),
				retag("t", at(10*mn), "enterprise"),
			},
			tier: "enterprise", pol: "enterprise", dom: "gmail.com", due: enterpriseDue,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := run(t, customersCfg, tc.events...)
			if tk.Tier != tc.tier || tk.Policy != tc.pol || tk.Organization != tc.org || tk.Domain != tc.dom {
				t.Errorf("tier %q policy %q organization %q domain %q, want %q %q %q %q",
					tk.Tier, tk.Policy, tk.Organization, tk.Domain, tc.tier, tc.pol, tc.org, tc.dom)
			}
			checkTime(t, "first response due", tk.FirstResponse.DueAt, tc.due)
			built, err := sla.Build(customersCfg, src, tid, tc.events)
			if err != nil {
				t.Fatal(err)
			}
			sameState(t, "Build", built, tk)
		})
	}
}

// TestCustomerWithoutTiers: policies that place no customer in a tier
// leave the tier empty but still carry the customer.
func TestCustomerWithoutTiers(t *testing.T) {
	tk := run(t, cfg, created("c", t0, withOrg("361"), withDomain("acme.example"), withCompany("Acme")))
	if tk.Tier != "" || tk.Organization != "361" || tk.Company != "Acme" || tk.Domain != "acme.example" || tk.Policy != "standard" {
		t.Errorf("tier %q organization %q company %q domain %q policy %q", tk.Tier, tk.Organization, tk.Company, tk.Domain, tk.Policy)
	}
}
