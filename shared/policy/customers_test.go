package policy_test

import (
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
)

// customersDoc has a tier for every rule kind, a default tier, and
// policies that match on tier and organization.
const customersDoc = `customers:
  default_tier: free
  tiers:
    enterprise:
      organizations: ["361", "org-77"]
      companies: [Acme Corp]
      domains: [acme.example, globex.example]
      tags: [enterprise]
    business:
      companies: [Initech]
      domains: [eu.acme.example, initech.example]
      tags: [business, paid]
    free:
policies:
  - name: org-361-chat
    match: {organization: "361", channel: chat}
    first_response: {within: 5m}
  - name: enterprise
    match: {tier: enterprise}
    first_response: {within: 2h}
  - name: paying
    match: {tier: [business, enterprise]}
    first_response: {within: 8h}
  - name: free
    match: {tier: free}
    first_response: {within: 24h}
  - name: no-tier
    first_response: {within: 48h}
`

func TestTier(t *testing.T) {
	c := mustParse(t, customersDoc)
	for _, tc := range []struct {
		name string
		cu   policy.Customer
		want string
	}{
		{"organization id", policy.Customer{Organization: "361"}, "enterprise"},
		{"organization ids are exact", policy.Customer{Organization: "3610"}, "free"},
		{"company, any case", policy.Customer{Company: "ACME corp"}, "enterprise"},
		{"domain", policy.Customer{Domain: "initech.example"}, "business"},
		{"subdomain of a listed domain", policy.Customer{Domain: "support.globex.example"}, "enterprise"},
		{"nearest listed parent wins", policy.Customer{Domain: "paris.eu.acme.example"}, "business"},
		{"a domain's parent listed, not the domain", policy.Customer{Domain: "acme.example"}, "enterprise"},
		{"a suffix that is not a parent domain", policy.Customer{Domain: "notacme.example"}, "free"},
		{"no rule: default tier", policy.Customer{Organization: "9", Company: "Umbrella", Domain: "gmail.com"}, "free"},
		{"nothing known: default tier", policy.Customer{}, "free"},

		// Precedence: tag > organization > company > domain.
		{"organization beats company and domain", policy.Customer{Organization: "org-77", Company: "Initech", Domain: "initech.example"}, "enterprise"},
		{"company beats domain", policy.Customer{Company: "Initech", Domain: "acme.example"}, "business"},
		{"unknown organization falls to company", policy.Customer{Organization: "9", Company: "Initech"}, "business"},
		{"tag beats organization", policy.Customer{Organization: "361", Tags: []string{"vip", "paid"}}, "business"},
		{"tags of two tiers: the first tier in the file", policy.Customer{Tags: []string{"paid", "enterprise"}}, "enterprise"},
		{"tags of no tier", policy.Customer{Domain: "initech.example", Tags: []string{"vip"}}, "business"},
	} {
		if got := c.Tier(tc.cu); got != tc.want {
			t.Errorf("%s: Tier(%+v) = %q, want %q", tc.name, tc.cu, got, tc.want)
		}
	}
}

func TestTierWithoutDefault(t *testing.T) {
	c := mustParse(t, `customers:
  tiers:
    gold: {domains: [acme.example]}
policies:
  - name: all
    first_response: {within: 1h}
`)
	if got := c.Tier(policy.Customer{Domain: "other.example"}); got != "" {
		t.Errorf("Tier of an unlisted customer with no default = %q, want \"\"", got)
	}
	if got := c.Tier(policy.Customer{Domain: "acme.example"}); got != "gold" {
		t.Errorf("Tier = %q, want gold", got)
	}
	// A configuration without a customers section places nobody.
	if got := policy.Default().Tier(policy.Customer{Organization: "1", Domain: "acme.example", Tags: []string{"vip"}}); got != "" {
		t.Errorf("default config: Tier = %q, want \"\"", got)
	}
}

func TestMatchTierAndOrganization(t *testing.T) {
	c := mustParse(t, customersDoc)
	for _, tc := range []struct {
		name string
		t    policy.Ticket
		want string
	}{
		{"organization and channel", policy.Ticket{Source: "generic", Channel: event.Chat, Organization: "361", Tier: "enterprise"}, "org-361-chat"},
		{"organization, other channel", policy.Ticket{Source: "generic", Channel: event.Email, Organization: "361", Tier: "enterprise"}, "enterprise"},
		{"tier in a list", policy.Ticket{Source: "generic", Channel: event.Email, Tier: "business"}, "paying"},
		{"free tier", policy.Ticket{Source: "generic", Channel: event.Email, Tier: "free"}, "free"},
		{"no tier", policy.Ticket{Source: "generic", Channel: event.Chat}, "no-tier"},
		{"organization without its tier", policy.Ticket{Source: "generic", Channel: event.Chat, Organization: "361"}, "org-361-chat"},
	} {
		p := c.Match(tc.t)
		if p == nil || p.Name != tc.want {
			t.Errorf("%s: Match(%+v) = %v, want %s", tc.name, tc.t, p, tc.want)
		}
	}
}

func TestCustomersErrors(t *testing.T) {
	const policies = `policies:
  - name: a
    first_response: {within: 1h}
`
	for _, tc := range []struct {
		name string
		doc  string
		want []string // each in one error, in this order
	}{
		{
			name: "domain under two tiers names both lines",
			doc: `customers:
  tiers:
    enterprise:
      domains: [acme.example, globex.example]
    free:
      domains:
        - gmail.com
        - Globex.Example.
` + policies,
			want: []string{`line 8: customers.tiers.free.domains[1]: "Globex.Example." is listed under tiers enterprise (customers.tiers.enterprise.domains[1], line 4) and free (line 8): a customer has one tier`},
		},
		{
			name: "organization id under two tiers",
			doc: `customers:
  tiers:
    gold:
      organizations: ["361"]
    silver:
      organizations:
        - "12"
        - "361"
` + policies,
			want: []string{`line 8: customers.tiers.silver.organizations[1]: "361" is listed under tiers gold (customers.tiers.gold.organizations[0], line 4) and silver (line 8)`},
		},
		{
			name: "company under two tiers, in another case",
			doc: `customers:
  tiers:
    gold:
      companies: [Acme Corp]
    silver:
      companies: [ACME CORP]
` + policies,
			want: []string{`line 6: customers.tiers.silver.companies[0]: "ACME CORP" is listed under tiers gold (customers.tiers.gold.companies[0], line 4) and silver (line 6)`},
		},
		{
			name: "tag under two tiers",
			doc: `customers:
  tiers:
    gold: {tags: vip}
    silver: {tags: [vip]}
` + policies,
			want: []string{`line 4: customers.tiers.silver.tags[0]: "vip" is listed under tiers gold (customers.tiers.gold.tags, line 3) and silver (line 4)`},
		},
		{
			name: "listed twice in one tier",
			doc: `customers:
  tiers:
    gold:
      domains: [acme.example, acme.example]
` + policies,
			want: []string{`line 4: customers.tiers.gold.domains[1]: "acme.example" is listed twice in tier gold (also customers.tiers.gold.domains[0], line 4)`},
		},
		{
			name: "a company name and a domain may be equal",
			doc: `customers:
  tiers:
    gold: {companies: [acme.example]}
    silver: {domains: [acme.example]}
    bronze: {organizations: [""]}
` + policies,
			want: []string{`line 5: customers.tiers.bronze.organizations[0]: want a non-empty organization id`},
		},
		{
			name: "bad domains",
			doc: `customers:
  tiers:
    gold:
      domains:
        - ann@acme.example
        - "*.acme.example"
        - https://acme.example
        - ""
` + policies,
			want: []string{
				`line 5: customers.tiers.gold.domains[0]: want an e-mail domain such as acme.com, not an address`,
				`line 6: customers.tiers.gold.domains[1]: want a domain without a wildcard, got "*.acme.example"`,
				`line 7: customers.tiers.gold.domains[2]: want an e-mail domain such as acme.com, got "https://acme.example"`,
				`line 8: customers.tiers.gold.domains[3]: want an e-mail domain such as acme.com, got ""`,
			},
		},
		{
			name: "unknown rule kind and default tier",
			doc: `customers:
  default_tier: platinum
  tiers:
    gold: {emails: [ann@acme.example]}
` + policies,
			want: []string{
				`line 4: customers.tiers.gold.emails: unknown key "emails" (known keys: organizations, companies, domains, tags)`,
				`line 2: customers.default_tier: no tier named "platinum" under customers.tiers`,
			},
		},
		{
			name: "policy matching an unknown tier",
			doc: `customers:
  tiers:
    gold: {domains: [acme.example]}
policies:
  - name: a
    match: {tier: [gold, platinum]}
    first_response: {within: 1h}
  - name: b
    match:
      tier: Gold
    first_response: {within: 1h}
`,
			want: []string{
				`line 6: policies[0].match.tier: no tier named "platinum" under customers.tiers`,
				`line 10: policies[1].match.tier: no tier named "Gold" under customers.tiers`,
			},
		},
		{
			name: "tier without a customers section",
			doc: `policies:
  - name: a
    match: {tier: enterprise}
    first_response: {within: 1h}
`,
			want: []string{`line 3: policies[0].match.tier: no tier named "enterprise" under customers.tiers`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, tc.doc)
			all := errs.Error()
			rest := all
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("error does not contain %q (in order)\ngot:\n%s", w, all)
					continue
				}
				rest = rest[i+len(w):]
			}
			if n := strings.Count(all, "\n") + 1; n != len(tc.want) {
				t.Errorf("%d errors, want %d:\n%s", n, len(tc.want), all)
			}
		})
	}
}
