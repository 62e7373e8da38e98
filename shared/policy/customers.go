package policy

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Customers maps customers to tiers (the configuration's customers
// section), so that an SLA follows the customer's contract, not only the
// ticket's priority. Policies then match on the tier (Match.Tiers).
type Customers struct {
	// Tiers are the tier names in the order the file lists them; a ticket
	// carrying the tags of several tiers gets the first.
	Tiers []string
	// DefaultTier is the tier of a customer no rule places; "" for none.
	DefaultTier string

	organizations map[string]string // organization id → tier
	companies     map[string]string // company name, lower-case → tier
	domains       map[string]string // e-mail domain, lower-case → tier
	tags          map[string]string // ticket tag → tier
}

// Customer is what a ticket's tier is worked out from: what the helpdesk
// says about its customer, and the ticket's tags.
type Customer struct {
	Organization string // the helpdesk's organization or company id
	Company      string // its name
	Domain       string // the requester's e-mail domain
	Tags         []string
}

// Tier returns the customer's tier. The rules are tried in this order and
// the first that places the customer wins:
//
//  1. a tag of the ticket listed under a tier: an explicit decision, by an
//     agent or a helpdesk rule, about this ticket (the first such tier in
//     the file when the tags name several);
//  2. the organization id: the helpdesk's own record of the contract;
//  3. the company name, which the helpdesk may spell as the file does in
//     any case;
//  4. the requester's e-mail domain, or the nearest parent domain listed
//     (a requester at eu.acme.com is acme.com's unless eu.acme.com is
//     listed itself): the weakest sign, since anyone can write from a
//     domain a customer owns;
//  5. DefaultTier.
func (c *Config) Tier(cu Customer) string {
	cs := &c.Customers
	if len(cu.Tags) > 0 && len(cs.tags) > 0 {
		for _, tier := range cs.Tiers {
			if slices.ContainsFunc(cu.Tags, func(tag string) bool { return cs.tags[tag] == tier }) {
				return tier
			}
		}
	}
	if tier, ok := cs.organizations[cu.Organization]; ok && cu.Organization != "" {
		return tier
	}
	if tier, ok := cs.companies[strings.ToLower(cu.Company)]; ok && cu.Company != "" {
		return tier
	}
	for d := strings.ToLower(cu.Domain); d != ""; {
		if tier, ok := cs.domains[d]; ok {
			return tier
		}
		_, parent, found := strings.Cut(d, ".")
		if !found {
			break
		}
		d = parent
	}
	return cs.DefaultTier
}

// listed is where a customer rule was first given, to name both places
// when it is given again.
type listed struct {
	tier, path string
	line       int
}

// customers reads the customers section: {tiers: {<name>: {organizations,
// companies, domains, tags}}, default_tier}. A value listed under two tiers
// is refused, naming both lines: which tier would win is the question the
// file must answer, not slawatch.
func (r *reader) customers(n *yaml.Node, path string) Customers {
	cs := Customers{
		organizations: map[string]string{},
		companies:     map[string]string{},
		domains:       map[string]string{},
		tags:          map[string]string{},
	}
	var defaultNode *yaml.Node
	for _, f := range r.fields(n, path, "tiers", "default_tier") {
		switch f.key {
		case "default_tier":
			cs.DefaultTier, defaultNode = r.str(f.node, f.path), f.node
		case "tiers":
			seen := map[string]map[string]listed{} // rule kind → value → where
			for _, tf := range r.fields(f.node, f.path) {
				cs.Tiers = append(cs.Tiers, tf.key)
				if tf.node.Kind == yaml.ScalarNode && tf.node.Tag == "!!null" {
					continue // a tier no rule gives, such as the default
				}
				for _, rf := range r.fields(tf.node, tf.path, "organizations", "companies", "domains", "tags") {
					if seen[rf.key] == nil {
						seen[rf.key] = map[string]listed{}
					}
					r.tierRules(rf, tf.key, seen[rf.key], &cs)
				}
			}
		}
	}
	if defaultNode != nil && cs.DefaultTier != "" && !slices.Contains(cs.Tiers, cs.DefaultTier) {
		r.fail(defaultNode, join(path, "default_tier"), "no tier named %q under %s", cs.DefaultTier, join(path, "tiers"))
	}
	return cs
}

// tierRules reads one list of a tier (f.key: organizations, companies,
// domains or tags) into cs, refusing values seen before.
func (r *reader) tierRules(f entry, tier string, seen map[string]listed, cs *Customers) {
	vals := r.strs(f.node, f.path)
	for i, v := range vals {
		at, p := f.node, f.path
		if f.node.Kind == yaml.SequenceNode {
			at, p = f.node.Content[i], index(f.path, i)
		}
		if !isString(at) {
			continue // reported by strs
		}
		key, ok := v, true
		switch f.key {
		case "companies":
			key = strings.ToLower(strings.TrimSpace(v))
			ok = key != ""
		case "domains":
			key, ok = r.domain(at, p, v)
		default:
			ok = strings.TrimSpace(v) != ""
		}
		if !ok {
			if f.key != "domains" { // domain reported why
				r.fail(at, p, "want a non-empty %s", ruleNames[f.key])
			}
			continue
		}
		if prev, dup := seen[key]; dup {
			if prev.tier == tier {
				r.fail(at, p, "%q is listed twice in tier %s (also %s, line %d)", v, tier, prev.path, prev.line)
			} else {
				r.fail(at, p, "%q is listed under tiers %s (%s, line %d) and %s (line %d): a customer has one tier", v, prev.tier, prev.path, prev.line, tier, at.Line)
			}
			continue
		}
		seen[key] = listed{tier: tier, path: p, line: at.Line}
		switch f.key {
		case "organizations":
			cs.organizations[key] = tier
		case "companies":
			cs.companies[key] = tier
		case "domains":
			cs.domains[key] = tier
		case "tags":
			cs.tags[key] = tier
		}
	}
}

var ruleNames = map[string]string{"organizations": "organization id", "companies": "company name", "tags": "tag"}

// domain normalises an e-mail domain from the file: lower case, no
// trailing dot. An address, a wildcard or an empty value is refused (a
// domain covers its subdomains without one).
func (r *reader) domain(n *yaml.Node, path, v string) (string, bool) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
	switch {
	case strings.Contains(d, "@"):
		// Not echoed: it is someone's address.
		r.fail(n, path, "want an e-mail domain such as acme.com, not an address")
	case strings.HasPrefix(d, "*"):
		r.fail(n, path, "want a domain without a wildcard, got %q: a domain covers its subdomains", v)
	case d == "" || strings.ContainsAny(d, " \t/:") || strings.HasPrefix(d, ".") || strings.Contains(d, ".."):
		r.fail(n, path, "want an e-mail domain such as acme.com, got %q", v)
	default:
		return d, true
	}
	return "", false
}
