package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// ReservedSources are the paths under /webhooks/ on-call tools call back
// on (acknowledgements): no source may be named so.
var ReservedSources = []string{"slack-actions", "pagerduty-actions", "opsgenie-actions"}

// isSourceName reports whether s is a source's name: 1 to 64 ASCII
// letters, digits, '-' and '_', not starting with '-' or '_'
// (^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$). Not a regexp: compiling that one
// (the bounded repetition is 63 copies of its class) was most of this
// package's initialisation, paid at every Lambda cold start.
func isSourceName(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// isEnvName reports whether s is the form of api_token_env
// (^[A-Z_][A-Z0-9_]*$): an environment variable's name in upper case.
// Upper case only, so that an API key pasted by mistake (mixed case, as
// Zendesk's and Freshdesk's are) is refused rather than looked up.
func isEnvName(s string) bool {
	if len(s) == 0 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Providers lists the webhook adapters a source may name.
var Providers = []string{"generic", "zendesk", "freshdesk", "intercom", "helpscout", "front", "jira", "hubspot", "github"}

// weekdays are the keys of a calendar's hours, with their time.Weekday.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func weekday(key string) time.Weekday { return time.Weekday((slices.Index(weekdays, key) + 1) % 7) }

// Parse parses and validates a YAML configuration. On failure the error is
// an Errors listing every problem found.
func Parse(b []byte) (*Config, error) { return parse(b, &reader{}) }

// ParseCalendars parses and validates a configuration for its calendars
// only: policies may be missing, as in a file that only describes business
// hours for slawatch deadline. Everything present is validated as Parse
// does.
func ParseCalendars(b []byte) (map[string]*calendar.Calendar, error) {
	c, err := parse(b, &reader{calendarsOnly: true})
	if err != nil {
		return nil, err
	}
	return c.Calendars, nil
}

func parse(b []byte, r *reader) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{Path: "(document)", Line: 1, Msg: "empty configuration"}}
		}
		return nil, Errors{{Path: "(document)", Line: yamlLine(err), Msg: err.Error()}}
	}
	root := doc.Content[0]
	switch {
	case root.Kind == yaml.ScalarNode && root.Tag == "!!null":
		// Only a document marker or "~": as empty as no document at all.
		return nil, Errors{{Path: "(document)", Line: 1, Msg: "empty configuration"}}
	case root.Kind != yaml.MappingNode:
		return nil, Errors{{Path: "(document)", Line: root.Line, Msg: "want a mapping of calendars, sources and policies, got " + kind(root)}}
	}
	c := r.config(root)
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	c.version = canonicalVersion(root)
	return c, nil
}

// yamlLine extracts the line from a yaml syntax error ("yaml: line 3: …").
func yamlLine(err error) int {
	var n int
	if _, e := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &n); e != nil {
		return 1
	}
	return n
}

func (r *reader) config(n *yaml.Node) *Config {
	c := &Config{
		Calendars: map[string]*calendar.Calendar{},
		Sources:   map[string]Source{},
	}
	var policies, sources *yaml.Node
	c.Alerts = Alerts{StormThreshold: DefaultStormThreshold, Location: time.UTC, SilenceMaxDuration: DefaultSilenceMaxDuration}
	c.Acks = Acks{Quantile: DefaultAckQuantile, Enabled: true}
	for _, f := range r.fields(n, "", "calendars", "sources", "policies", "alerts", "acknowledgements", "integrations", "customers") {
		switch f.key {
		case "customers":
			c.Customers = r.customers(f.node, f.path)
		case "integrations":
			c.Integrations = r.integrations(f.node, f.path)
		case "acknowledgements":
			c.Acks = r.acks(f.node, f.path)
		case "alerts":
			for _, af := range r.fields(f.node, f.path, "storm_threshold", "timezone", "silences") {
				switch af.key {
				case "storm_threshold":
					if err := af.node.Decode(&c.Alerts.StormThreshold); err != nil || c.Alerts.StormThreshold < 1 {
						r.fail(af.node, af.path, "want a whole number of breaches, at least 1, got %q", af.node.Value)
					}
				case "timezone":
					name := r.str(af.node, af.path)
					loc, err := time.LoadLocation(name)
					if err != nil || name == "" || name == "Local" {
						r.fail(af.node, af.path, "unknown time zone %q: want an IANA name such as America/New_York or UTC", name)
						continue
					}
					c.Alerts.Location = loc
				case "silences":
					for _, sf := range r.fields(af.node, af.path, "max_duration") {
						d := r.duration(sf.node, sf.path)
						switch {
						case d > MaxSilenceMaxDuration:
							r.fail(sf.node, sf.path, "%s is longer than %s: silences that long are how outages go unseen; change the routing instead", sf.node.Value, MaxSilenceMaxDuration)
						case d > 0:
							c.Alerts.SilenceMaxDuration = d
						}
					}
				}
			}
		case "calendars":
			for _, cf := range r.fields(f.node, f.path) {
				if cal := r.calendar(cf.node, cf.path); cal != nil {
					c.Calendars[cf.key] = cal
				}
			}
		case "sources":
			// Read once the calendars are: expect_traffic may name one
			// defined further down the file.
			sources = f.node
		case "policies":
			policies = f.node
		}
	}
	if sources != nil {
		for _, sf := range r.fields(sources, "sources") {
			if !isSourceName(sf.key) {
				r.fail(sf.node, sf.path, "source name %q: use letters, digits, '-' and '_' (it is a URL path segment and part of storage keys)", sf.key)
				continue
			}
			if slices.Contains(ReservedSources, sf.key) {
				r.fail(sf.node, sf.path, "source name %q is taken: POST /webhooks/%s is where that on-call tool calls back", sf.key, sf.key)
				continue
			}
			c.Sources[sf.key] = r.source(sf.key, sf.node, sf.path, c)
		}
	}
	if _, ok := c.Sources["generic"]; !ok && len(c.Sources) == 0 {
		c.Sources["generic"] = Source{Name: "generic", Provider: "generic", SecretEnv: SecretEnvName("generic")}
	}
	if policies == nil || (r.calendarsOnly && policies.Kind == yaml.SequenceNode && len(policies.Content) == 0) {
		if !r.calendarsOnly {
			r.fail(n, "policies", "required: at least one policy")
		}
		return c
	}
	if policies.Kind != yaml.SequenceNode || len(policies.Content) == 0 {
		r.fail(policies, "policies", "want a non-empty list of policies")
		return c
	}
	for i, pn := range policies.Content {
		path := index("policies", i)
		p := r.policy(pn, path, c)
		if p == nil {
			continue
		}
		if c.Policy(p.Name) != nil {
			r.fail(pn, path+".name", "policy name %q used twice", p.Name)
		}
		c.Policies = append(c.Policies, p)
	}
	return c
}

func (r *reader) calendar(n *yaml.Node, path string) *calendar.Calendar {
	var (
		loc      *time.Location
		week     calendar.Week
		always   bool
		tzSet    bool
		hoursSet bool
		opts     []calendar.Option
		hoursAt  = n
	)
	before := len(r.errs)
	for _, f := range r.fields(n, path, "timezone", "hours", "holidays") {
		switch f.key {
		case "timezone":
			tzSet = true
			name := r.str(f.node, f.path)
			l, err := time.LoadLocation(name)
			if err != nil || name == "" || name == "Local" {
				r.fail(f.node, f.path, "unknown time zone %q: want an IANA name such as America/New_York or UTC", name)
			}
			loc = l
		case "hours":
			hoursSet, hoursAt = true, f.node
			if f.node.Kind == yaml.ScalarNode && f.node.Value == "24/7" {
				always = true
				continue
			}
			for _, df := range r.fields(f.node, f.path, weekdays...) {
				week[weekday(df.key)] = r.intervals(df.node, df.path)
			}
		case "holidays":
			opts = r.holidays(f.node, f.path)
		}
	}
	if !tzSet && n.Kind == yaml.MappingNode {
		r.fail(n, join(path, "timezone"), "required")
	}
	if !hoursSet {
		r.fail(n, join(path, "hours"), `required: a mapping of mon..sun to lists of "HH:MM-HH:MM", or "24/7"`)
	}
	if len(r.errs) > before {
		return nil
	}
	var (
		cal *calendar.Calendar
		err error
	)
	if always {
		cal, err = calendar.Always(loc, opts...)
	} else {
		cal, err = calendar.New(loc, week, opts...)
	}
	if err != nil {
		r.fail(hoursAt, join(path, "hours"), "%v", err)
	}
	return cal
}

func (r *reader) intervals(n *yaml.Node, path string) []calendar.Interval {
	if n.Kind != yaml.SequenceNode {
		r.fail(n, path, `want a list of "HH:MM-HH:MM" ([] for closed), got %s`, kind(n))
		return nil
	}
	out := []calendar.Interval{}
	for i, c := range n.Content {
		p := index(path, i)
		iv, err := calendar.ParseInterval(r.str(c, p))
		if err != nil {
			r.fail(c, p, "%v", err)
			continue
		}
		for _, prev := range out {
			if iv.Start < prev.End && prev.Start < iv.End {
				r.fail(c, p, "interval %s overlaps %s", iv, prev)
			}
		}
		out = append(out, iv)
	}
	return out
}

// holidays accepts a list whose items are "YYYY-MM-DD", {date, hours} or
// {country}, or a single {country} mapping.
func (r *reader) holidays(n *yaml.Node, path string) []calendar.Option {
	items := n.Content
	if n.Kind == yaml.MappingNode {
		items = []*yaml.Node{n}
	} else if n.Kind != yaml.SequenceNode {
		r.fail(n, path, "want a list of dates, {date, hours} or {country}, got %s", kind(n))
		return nil
	}
	var (
		dated []calendar.Holiday
		opts  []calendar.Option
		seen  = map[calendar.Date]bool{}
	)
	for i, item := range items {
		p := path
		if n.Kind == yaml.SequenceNode {
			p = index(path, i)
		}
		var h calendar.Holiday
		var dateNode *yaml.Node
		switch item.Kind {
		case yaml.ScalarNode:
			dateNode = item
		case yaml.MappingNode:
			fs := r.fields(item, p, "date", "hours", "country")
			for _, f := range fs {
				switch f.key {
				case "date":
					dateNode = f.node
				case "hours":
					h.Hours = r.intervals(f.node, f.path)
				case "country":
					if len(fs) > 1 {
						r.fail(f.node, p, "country cannot be combined with date or hours")
						continue
					}
					set, err := calendar.Country(r.str(f.node, f.path))
					if err != nil {
						r.fail(f.node, f.path, "%v", err)
						continue
					}
					opts = append(opts, calendar.WithHolidaySet(set))
				}
			}
			if dateNode == nil && !slices.ContainsFunc(fs, func(e entry) bool { return e.key == "country" }) {
				r.fail(item, p, "want date (with optional hours) or country")
				continue
			}
		default:
			r.fail(item, p, "want a date, {date, hours} or {country}, got %s", kind(item))
			continue
		}
		if dateNode == nil {
			continue
		}
		dp := p
		if item.Kind == yaml.MappingNode {
			dp = join(p, "date")
		}
		d, err := calendar.ParseDate(r.str(dateNode, dp))
		if err != nil {
			r.fail(dateNode, dp, "%v", err)
			continue
		}
		if seen[d] {
			r.fail(dateNode, dp, "holiday %s listed twice", d)
			continue
		}
		seen[d] = true
		h.Date = d
		dated = append(dated, h)
	}
	return append(opts, calendar.WithHolidays(dated...))
}

func (r *reader) source(name string, n *yaml.Node, path string, c *Config) Source {
	s := Source{Name: name, SecretEnv: SecretEnvName(name)}
	var apiURLAt, tokenEnvAt *yaml.Node // the keys' values, when given
	for _, f := range r.fields(n, path, "provider", "secret_env", "insecure", "timestamp_window", "max_future_skew", "ack_author", "url", "ticket_url", "api_url", "api_token_env", "expect_traffic") {
		switch f.key {
		case "expect_traffic":
			s.ExpectTraffic = r.expectTraffic(f.node, f.path, c)
		case "provider":
			s.Provider = r.str(f.node, f.path)
			if !slices.Contains(Providers, s.Provider) {
				r.fail(f.node, f.path, "unknown provider %q (known: %s)", s.Provider, strings.Join(Providers, ", "))
			}
		case "secret_env":
			s.SecretEnv = r.str(f.node, f.path)
		case "insecure":
			s.Insecure = r.boolean(f.node, f.path)
		case "timestamp_window":
			s.Window = r.duration(f.node, f.path)
		case "max_future_skew":
			s.MaxFutureSkew = r.duration(f.node, f.path)
		case "ack_author":
			s.AckAuthor = r.str(f.node, f.path)
		case "ticket_url":
			s.TicketURL = r.str(f.node, f.path)
			if u, err := url.Parse(strings.ReplaceAll(s.TicketURL, "{id}", "1")); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(s.TicketURL, "{id}") {
				r.fail(f.node, f.path, "want an absolute http(s) URL containing {id}, got %q", s.TicketURL)
			}
		case "url":
			s.URL = r.str(f.node, f.path)
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				r.fail(f.node, f.path, "want an absolute http(s) URL, got %q", s.URL)
			}
		case "api_url":
			apiURLAt = f.node
			s.APIURL = r.str(f.node, f.path)
			if msg := checkAPIURL(s.APIURL); msg != "" && isString(f.node) {
				r.fail(f.node, f.path, "%s", msg)
			}
		case "api_token_env":
			tokenEnvAt = f.node
			s.APITokenEnv = r.str(f.node, f.path)
			if !isEnvName(s.APITokenEnv) && isString(f.node) {
				// Not echoed: the value may be the credential itself.
				r.fail(f.node, f.path, "want the name of the environment variable that holds the API credential (upper-case letters, digits and _, such as SLAWATCH_ZENDESK_API_TOKEN), not the credential itself")
			}
		}
	}
	switch {
	case apiURLAt != nil && tokenEnvAt == nil:
		r.fail(apiURLAt, join(path, "api_token_env"), "required with api_url: the name of the environment variable that holds the API credential")
	case tokenEnvAt != nil && apiURLAt == nil:
		r.fail(tokenEnvAt, join(path, "api_url"), "required with api_token_env: the helpdesk's base URL, such as https://acme.zendesk.com")
	}
	if apiURLAt != nil && s.AckAuthor == "" {
		// The acknowledgement shows customers no marker: its echo is told
		// from the team's response by who posted it.
		r.fail(apiURLAt, join(path, "ack_author"), "required with api_url: the helpdesk user id the acknowledgement is posted as, so that its echo is not counted as the team's response")
	}
	if s.Provider == "" && n.Kind == yaml.MappingNode {
		if slices.Contains(Providers, name) {
			s.Provider = name // a source named after its provider may omit it
		} else {
			r.fail(n, join(path, "provider"), "required (known: %s)", strings.Join(Providers, ", "))
		}
	}
	return s
}

// expectTraffic reads a source's heartbeat: {within, calendar, rejections}.
func (r *reader) expectTraffic(n *yaml.Node, path string, c *Config) *ExpectTraffic {
	e := &ExpectTraffic{Rejections: DefaultRejections}
	hasWithin := false
	for _, f := range r.fields(n, path, "within", "calendar", "rejections") {
		switch f.key {
		case "within":
			hasWithin = true
			e.Within = r.duration(f.node, f.path)
			if e.Within > 0 && e.Within < time.Minute {
				// Accepted requests are recorded at most once a minute
				// (store.AcceptedResolution) and the checker runs once a
				// minute: a shorter silence cannot be told.
				r.fail(f.node, f.path, "duration %q is shorter than the heartbeat's resolution: want at least 1m", f.node.Value)
			}
		case "calendar":
			e.CalendarName = r.str(f.node, f.path)
			cal, ok := c.Calendars[e.CalendarName]
			if !ok && e.CalendarName != "" {
				r.fail(f.node, f.path, "no calendar named %q under calendars", e.CalendarName)
			}
			e.Calendar = cal
		case "rejections":
			if f.node.Kind != yaml.ScalarNode || f.node.Decode(&e.Rejections) != nil || e.Rejections < 1 {
				r.fail(f.node, f.path, "want a whole number of refused requests in a row, at least 1, got %s", kind(f.node))
			}
		}
	}
	if !hasWithin && n.Kind == yaml.MappingNode {
		r.fail(n, join(path, "within"), "required: how long the source may send nothing, such as 2h")
	}
	return e
}

// checkAPIURL returns what is wrong with a source's api_url, or "". The
// helpdesk's credential goes over it, so it must be https; plain http is
// accepted for loopback hosts only (tests, a local proxy). A URL that
// carries a user or password is refused without being echoed.
func checkAPIURL(raw string) string {
	u, err := url.Parse(raw)
	if strings.Contains(raw, "@") || (err == nil && u.User != nil) {
		return "must not contain a user or password: the credential goes in the environment variable named by api_token_env"
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("want the helpdesk's absolute https base URL, such as https://acme.zendesk.com, got %q", raw)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return fmt.Sprintf("want https: plain http is accepted only for 127.0.0.1, localhost and ::1, got %q", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Sprintf("want the helpdesk's base URL without query or fragment, got %q", raw)
	}
	return ""
}

// isString reports whether r.str accepted n (it reports the other cases).
func isString(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag != "!!null" }

func loopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}

func (r *reader) policy(n *yaml.Node, path string, c *Config) *Policy {
	p := &Policy{Team: DefaultTeam}
	before := len(r.errs)
	var calName string
	var frNode, nrNode, resNode *yaml.Node
	fs := r.fields(n, path, "name", "match", "calendar", "first_response", "next_reply", "resolution", "warnings", "escalation", "team", "quiet_hours")
	var quietNode *yaml.Node
	for _, f := range fs {
		switch f.key {
		case "name":
			p.Name = r.str(f.node, f.path)
		case "match":
			p.Match = r.match(f.node, f.path, c)
		case "calendar":
			calName = r.str(f.node, f.path)
			if _, ok := c.Calendars[calName]; !ok && calName != "" {
				r.fail(f.node, f.path, "no calendar named %q under calendars", calName)
			}
			p.Calendar = c.Calendars[calName]
		case "team":
			p.Team = r.str(f.node, f.path)
		case "quiet_hours":
			p.QuietHours, quietNode = r.boolean(f.node, f.path), f.node
		case "first_response":
			frNode = f.node
		case "next_reply":
			nrNode = f.node
		case "resolution":
			resNode = f.node
		}
	}
	if p.Name == "" && n.Kind == yaml.MappingNode {
		r.fail(n, join(path, "name"), "required")
	}
	if p.QuietHours && calName == "" {
		r.fail(quietNode, join(path, "quiet_hours"), "quiet hours need the policy's calendar")
	}
	if frNode != nil {
		p.FirstResponse = r.target(frNode, join(path, "first_response"), calName, c)
	}
	if nrNode != nil {
		p.NextReply = r.target(nrNode, join(path, "next_reply"), calName, c)
	}
	if resNode != nil {
		p.Resolution = r.target(resNode, join(path, "resolution"), calName, c)
	}
	if frNode == nil && nrNode == nil && resNode == nil && n.Kind == yaml.MappingNode {
		r.fail(n, path, "a policy needs first_response, next_reply, resolution or several")
	}
	for _, f := range fs {
		switch f.key {
		case "warnings":
			p.Warnings = r.warnings(f.node, f.path, p)
		case "escalation":
			p.Escalation = r.escalation(f.node, f.path)
		}
	}
	if len(r.errs) > before {
		return nil
	}
	return p
}

func (r *reader) match(n *yaml.Node, path string, c *Config) Match {
	var m Match
	for _, f := range r.fields(n, path, "source", "channel", "priority", "tags", "tier", "organization") {
		vals := r.strs(f.node, f.path)
		for i, v := range vals {
			at := f.node
			if f.node.Kind == yaml.SequenceNode {
				at = f.node.Content[i]
			}
			switch f.key {
			case "source":
				if _, ok := c.Sources[v]; !ok {
					r.fail(at, f.path, "no source named %q under sources", v)
				}
				m.Sources = append(m.Sources, v)
			case "channel":
				ch, ok := event.ParseChannel(v)
				if !ok {
					r.fail(at, f.path, "unknown channel %q (known: %v)", v, event.Channels())
				}
				m.Channels = append(m.Channels, ch)
			case "priority":
				pr, ok := event.ParsePriority(v)
				if !ok {
					r.fail(at, f.path, "unknown priority %q (known: %v)", v, event.Priorities())
				}
				m.Priorities = append(m.Priorities, pr)
			case "tags":
				m.Tags = append(m.Tags, v)
			case "tier":
				if !slices.Contains(c.Customers.Tiers, v) {
					r.fail(at, f.path, "no tier named %q under customers.tiers", v)
				}
				m.Tiers = append(m.Tiers, v)
			case "organization":
				m.Organizations = append(m.Organizations, v)
			}
		}
	}
	return m
}

func (r *reader) target(n *yaml.Node, path, calName string, c *Config) *Target {
	t := &Target{}
	clock, clockNode, hasWithin := "calendar", n, false
	for _, f := range r.fields(n, path, "within", "clock") {
		switch f.key {
		case "within":
			t.Within, hasWithin = r.duration(f.node, f.path), true
		case "clock":
			clock, clockNode = r.str(f.node, f.path), f.node
		}
	}
	if !hasWithin && n.Kind == yaml.MappingNode {
		r.fail(n, join(path, "within"), "required: the target, such as 1h or 24h")
	}
	switch clock {
	case "calendar":
	case "business":
		if calName == "" {
			r.fail(clockNode, join(path, "clock"), "business clock needs the policy's calendar")
		}
		t.Calendar, t.CalendarName = c.Calendars[calName], calName
	default:
		r.fail(clockNode, join(path, "clock"), "unknown clock %q: want business or calendar", clock)
	}
	return t
}

func (r *reader) warnings(n *yaml.Node, path string, p *Policy) []Warning {
	var out []Warning
	if n.Kind != yaml.SequenceNode {
		r.fail(n, path, `want a list of times before the deadline, such as [30m, "25%%"], got %s`, kind(n))
		return nil
	}
	for i, c := range n.Content {
		ip := index(path, i)
		s := r.str(c, ip)
		var w Warning
		if pct, ok := strings.CutSuffix(s, "%"); ok {
			f, err := strconv.ParseFloat(pct, 64)
			if err != nil || f <= 0 || f >= 100 {
				r.fail(c, ip, "bad percentage %q: want the share of the target left, between 0%% and 100%%", s)
				continue
			}
			w.Fraction = f / 100
		} else {
			w.Before = r.duration(c, ip)
			if w.Before == 0 {
				continue
			}
			for _, t := range []*Target{p.FirstResponse, p.NextReply, p.Resolution} {
				if t != nil && w.Before >= t.Within {
					r.fail(c, ip, "warning %s before the deadline is not inside the %s target", w.Before, t.Within)
				}
			}
		}
		out = append(out, w)
	}
	return out
}

func (r *reader) escalation(n *yaml.Node, path string) []Level {
	if n.Kind != yaml.SequenceNode {
		r.fail(n, path, "want a list of {after, notify}, got %s", kind(n))
		return nil
	}
	var out []Level
	for i, c := range n.Content {
		ip := index(path, i)
		var l Level
		hasAfter := false
		for _, f := range r.fields(c, ip, "after", "notify") {
			switch f.key {
			case "after":
				hasAfter = true
				l.After = r.durationOrZero(f.node, f.path) // 0: at the deadline
			case "notify":
				l.Notify = r.strs(f.node, f.path)
			}
		}
		if !hasAfter && c.Kind == yaml.MappingNode {
			r.fail(c, join(ip, "after"), "required: time after the deadline, 0s for at the deadline")
		}
		if len(l.Notify) == 0 && c.Kind == yaml.MappingNode {
			r.fail(c, join(ip, "notify"), "required: who to alert")
		}
		if len(out) > 0 && l.After <= out[len(out)-1].After {
			r.fail(c, join(ip, "after"), "levels must come later one after another: %s is not after %s", l.After, out[len(out)-1].After)
		}
		out = append(out, l)
	}
	return out
}

// acks reads the acknowledgements section. The templates and phrases are
// kept with their places for ack.Compile, which lints them.
func (r *reader) acks(n *yaml.Node, path string) Acks {
	a := Acks{Quantile: DefaultAckQuantile, Enabled: true, At: Location{Path: path, Line: n.Line}}
	for _, f := range r.fields(n, path, "templates", "blame_phrases", "quantile", "enabled", "team_name", "max_age") {
		switch f.key {
		case "team_name":
			a.TeamName = r.str(f.node, f.path)
		case "max_age":
			a.MaxAge = r.duration(f.node, f.path)
		case "enabled":
			a.Enabled = r.boolean(f.node, f.path)
		case "quantile":
			if f.node.Kind != yaml.ScalarNode || f.node.Decode(&a.Quantile) != nil || !(a.Quantile > 0 && a.Quantile < 1) {
				r.fail(f.node, f.path, "want a number between 0 and 1 (exclusive), such as 0.9 for nine in ten, got %s", kind(f.node))
			}
		case "blame_phrases":
			if f.node.Kind != yaml.SequenceNode {
				r.fail(f.node, f.path, "want a list of phrases, got %s", kind(f.node))
				continue
			}
			for i, c := range f.node.Content {
				ip := index(f.path, i)
				p := r.str(c, ip)
				if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
					continue
				}
				a.BlamePhrases = append(a.BlamePhrases, located(p, c, ip))
			}
		case "templates":
			for _, tf := range r.fields(f.node, f.path, TemplateClasses...) {
				text := r.str(tf.node, tf.path)
				if tf.node.Kind != yaml.ScalarNode || tf.node.Tag == "!!null" {
					continue // reported: not a string
				}
				if a.Templates == nil {
					a.Templates = map[string]Located{}
				}
				a.Templates[tf.key] = located(text, tf.node, tf.path)
			}
		}
	}
	return a
}

func located(v string, n *yaml.Node, path string) Located {
	return Located{Value: v, Location: Location{Path: path, Line: n.Line, Literal: n.Style&yaml.LiteralStyle != 0}}
}
