// Package policy loads slawatch's configuration — business calendars,
// webhook sources and ordered SLA policies — and matches tickets to policies.
//
// A configuration is either entirely valid or rejected: Parse reports every
// problem with its field path and line, and returns no Config.
package policy

import (
	_ "embed"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// Config is a validated configuration.
type Config struct {
	Calendars map[string]*calendar.Calendar
	Sources   map[string]Source
	Policies  []*Policy // in matching order
	Alerts    Alerts
	Acks      Acks
	// Integrations deliver alerts into on-call tools, by tool name
	// (Tools); empty: none.
	Integrations map[string]*Integration
	// Customers maps customers to tiers; see Tier.
	Customers Customers

	version string // Version
}

// Acks configures the acknowledgement slawatch sends when a customer writes
// in (the configuration's acknowledgements section).
type Acks struct {
	// Templates are the configured message templates by class ("email",
	// "realtime"; TemplateClasses), each with its place in the file; a class
	// not given uses the built-in one. Package ack compiles and lints them
	// (ack.Compile), not this package, so that only the programs that send
	// acknowledgements link the template engine: text/template's reflective
	// method calls keep every method of every AWS client in a binary.
	Templates map[string]Located
	// BlamePhrases extend the built-in list of phrases templates must not
	// contain.
	BlamePhrases []Located
	// At is the acknowledgements section, for problems with no better place.
	At Location
	// Quantile of the team's recent reply times that the promised time is
	// computed from: 0.9 promises a time nine in ten customers were
	// answered within. 0 < Quantile < 1.
	Quantile float64
	// Enabled: send acknowledgements. Default true.
	Enabled bool
	// TeamName signs the message ("Northwind Support"); the templates say
	// "The support team" without it.
	TeamName string
	// MaxAge: a ticket slawatch first sees later than this after its start
	// is not acknowledged (a backfill, a long-delayed webhook). 0 means the
	// default, one hour.
	MaxAge time.Duration
}

// TemplateClasses are the keys of acknowledgements.templates: the long
// form for email-like channels and the short one for real-time channels
// (package ack's ClassEmail and ClassRealtime).
var TemplateClasses = []string{"email", "realtime"}

// Located is a string from the configuration and where it is.
type Located struct {
	Value string
	Location
}

// Location is a place in a configuration file.
type Location struct {
	Path string
	Line int
	// Literal is set for a "|" block scalar, whose text starts on the next
	// line and keeps the file's line breaks: an offset in the text maps to
	// an exact line (LineAt).
	Literal bool
}

// Errorf returns a problem at l.
func (l Location) Errorf(format string, args ...any) *FieldError {
	return &FieldError{Path: l.Path, Line: l.Line, Msg: fmt.Sprintf(format, args...)}
}

// LineAt is the line of the file that offset in the located text is on:
// exact for literal block scalars and one-line scalars, the scalar's first
// line otherwise.
func (l Located) LineAt(offset int) int {
	if offset < 0 || offset > len(l.Value) || !l.Literal {
		return l.Line
	}
	return l.Line + 1 + strings.Count(l.Value[:offset], "\n")
}

// DefaultAckQuantile applies when the configuration sets no quantile.
const DefaultAckQuantile = 0.9

// Alerts configures how alerts are sent.
type Alerts struct {
	// StormThreshold: when more breaches than this fall due for one team
	// at once (an outage), one digest is sent instead of one page each.
	StormThreshold int
	// Location is the zone alert texts show times in.
	Location *time.Location
	// SilenceMaxDuration is the longest a silence may hold alerts
	// (alerts.silences.max_duration): a longer one is refused.
	SilenceMaxDuration time.Duration
}

// DefaultStormThreshold applies when the configuration sets none.
const DefaultStormThreshold = 10

// DefaultSilenceMaxDuration applies when the configuration sets no
// alerts.silences.max_duration: two weeks covers a holiday; longer is a
// routing change, not a silence. It equals silence.DefaultMaxDuration.
const DefaultSilenceMaxDuration = 14 * 24 * time.Hour

// MaxSilenceMaxDuration bounds alerts.silences.max_duration: a quarter.
// A setting above it would make silences open-ended in all but name.
const MaxSilenceMaxDuration = 90 * 24 * time.Hour

// Source is a configured webhook endpoint: POST /webhooks/{Name}.
type Source struct {
	Name     string
	Provider string // the adapter that verifies and parses its requests
	// SecretEnv names the environment variable that holds the signing secret.
	SecretEnv string
	// Insecure accepts unsigned requests. Without it a source whose secret
	// is not set refuses every request.
	Insecure bool
	// Window is how far a signed timestamp may be from now, for helpdesks
	// that sign one; 0 means the default (5 minutes).
	Window time.Duration
	// MaxFutureSkew is how far past the time of receipt an event may be
	// dated; a later one is refused (event.Check). 0 means the default
	// (event.DefaultMaxFutureSkew, 24 hours).
	MaxFutureSkew time.Duration
	// AckAuthor is the helpdesk user id slawatch posts acknowledgements as.
	AckAuthor string
	// URL is the exact URL the helpdesk posts to, for schemes that sign the
	// URL (HubSpot) when a proxy or API Gateway rewrites it.
	URL string
	// TicketURL links alerts to the ticket: "{id}" is replaced by the
	// ticket id, e.g. https://acme.zendesk.com/agent/tickets/{id}.
	TicketURL string
	// APIURL is the helpdesk's base URL, e.g. https://acme.zendesk.com, that
	// acknowledgements are posted back through as public replies; "" turns
	// the write-back off. https, or http for loopback hosts only.
	APIURL string
	// APITokenEnv names the environment variable that holds the helpdesk API
	// credential for the write-back (never the credential itself). Set
	// exactly when APIURL is.
	APITokenEnv string
	// ExpectTraffic is the source's heartbeat; nil: none (a source that
	// stops sending goes unnoticed).
	ExpectTraffic *ExpectTraffic
}

// ExpectTraffic is a source's heartbeat (package heartbeat): the dead
// man's switch that notices a helpdesk webhook that was disabled, deleted
// or broken by a secret rotation.
type ExpectTraffic struct {
	// Within is the longest the source may go without an accepted request
	// before sla.source_silent, measured in Calendar's open hours. At least
	// a minute.
	Within time.Duration
	// Calendar measures Within in business time, so that a source quiet
	// while the team is closed (a weekend) is not silent; nil means
	// calendar time (every hour counts).
	Calendar     *calendar.Calendar
	CalendarName string
	// Rejections is how many requests refused in a row (a failed
	// signature, no secret set) raise sla.source_rejected; default
	// DefaultRejections.
	Rejections int
}

// DefaultRejections applies when expect_traffic sets no rejections: few
// enough to page soon after a secret rotation, more than the odd forged or
// stray request.
const DefaultRejections = 5

// Link returns the ticket's URL, or "" when the source has no TicketURL.
func (s Source) Link(ticketID string) string {
	if s.TicketURL == "" {
		return ""
	}
	return strings.ReplaceAll(s.TicketURL, "{id}", url.PathEscape(ticketID))
}

// Policy is one SLA policy.
type Policy struct {
	Name  string
	Match Match
	// FirstResponse runs from ticket creation to the first public reply by a
	// human agent; nil means the policy does not track it.
	FirstResponse *Target
	// NextReply runs from a customer message that follows an agent reply to
	// the next public agent reply; nil means not tracked.
	NextReply *Target
	// Resolution runs from ticket creation until the ticket is solved or
	// closed, paused while it is pending or on hold; nil means not tracked.
	Resolution *Target
	// Warnings are the points before a deadline at which on-call is warned,
	// latest-warning last.
	Warnings []Warning
	// Escalation is the chain fired once a deadline has passed, in order.
	Escalation []Level
	// Team owns the policy's tickets; alerts carry it for routing, and
	// storm control counts breaches per team. Default "support".
	Team string
	// Calendar is the policy's calendar, if it names one.
	Calendar *calendar.Calendar
	// QuietHours holds non-urgent alerts outside the calendar's hours until
	// it opens: nobody should be paged at midnight about a ticket that can
	// wait for the morning. Urgent tickets always page.
	QuietHours bool
}

// Target is an SLA target and the clock it is measured on.
type Target struct {
	Within time.Duration
	// Calendar measures Within in business time; nil means calendar time
	// (every hour counts).
	Calendar     *calendar.Calendar
	CalendarName string
}

// Warning is a point before a deadline, either a fixed time before it or a
// fraction of the target left.
type Warning struct {
	Before   time.Duration // used when Fraction is 0
	Fraction float64       // of the target still left, 0 < Fraction < 1
}

// Lead returns how long before the deadline the warning fires for target t,
// in t's clock.
func (w Warning) Lead(t *Target) time.Duration {
	if w.Fraction > 0 {
		return time.Duration(float64(t.Within) * w.Fraction).Round(time.Second)
	}
	return w.Before
}

func (w Warning) String() string {
	if w.Fraction > 0 {
		return fmt.Sprintf("%g%%", w.Fraction*100)
	}
	return w.Before.String()
}

// Level is one step of an escalation chain: After the deadline (calendar
// time: an escalation is about how long a customer has been let down), the
// listed recipients are alerted.
type Level struct {
	After  time.Duration
	Notify []string
}

// Match selects tickets. Each non-empty list must contain the ticket's
// value; Tags matches when the ticket has at least one of them. An empty
// Match matches everything.
type Match struct {
	Sources    []string
	Channels   []event.Channel
	Priorities []event.Priority
	Tags       []string
	// Tiers are customer tiers (Customers); Organizations the helpdesk's
	// organization ids.
	Tiers         []string
	Organizations []string
}

// Ticket is what policies match on.
type Ticket struct {
	Source   string
	Channel  event.Channel
	Priority event.Priority
	Tags     []string
	// Tier is the customer's tier (Config.Tier), Organization the
	// helpdesk's id of the customer's organization; "" when unknown.
	Tier         string
	Organization string
}

func (m Match) matches(t Ticket) bool {
	return (len(m.Sources) == 0 || slices.Contains(m.Sources, t.Source)) &&
		(len(m.Channels) == 0 || slices.Contains(m.Channels, t.Channel)) &&
		(len(m.Priorities) == 0 || slices.Contains(m.Priorities, t.Priority)) &&
		(len(m.Tags) == 0 || slices.ContainsFunc(m.Tags, func(tag string) bool { return slices.Contains(t.Tags, tag) })) &&
		(len(m.Tiers) == 0 || slices.Contains(m.Tiers, t.Tier)) &&
		(len(m.Organizations) == 0 || slices.Contains(m.Organizations, t.Organization))
}

// Match returns the first policy that matches t, or nil.
func (c *Config) Match(t Ticket) *Policy {
	for _, p := range c.Policies {
		if p.Match.matches(t) {
			return p
		}
	}
	return nil
}

// Policy returns the policy with the given name, or nil.
func (c *Config) Policy(name string) *Policy {
	for _, p := range c.Policies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// DefaultTeam is the team of a policy that names none, and of tickets no
// policy matches.
const DefaultTeam = "support"

// Team returns the team that answers for tickets of the named policy.
func (c *Config) Team(policyName string) string {
	if p := c.Policy(policyName); p != nil && p.Team != "" {
		return p.Team
	}
	return DefaultTeam
}

// Link returns the URL of a ticket of the named source, or "" when the
// source is unknown or has no TicketURL.
func (c *Config) Link(source, ticketID string) string {
	return c.Sources[source].Link(ticketID)
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded default configuration.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// Default returns the embedded default configuration, parsed.
func Default() *Config {
	c, err := Parse(defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policy: embedded default config is invalid: %v", err)) // a build defect, caught by tests
	}
	return c
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("policy: %s:\n%w", path, err)
	}
	return c, nil
}

// LoadCalendars reads the configuration file at path for its calendars
// only (see ParseCalendars).
func LoadCalendars(path string) (map[string]*calendar.Calendar, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	cals, err := ParseCalendars(b)
	if err != nil {
		return nil, fmt.Errorf("policy: %s:\n%w", path, err)
	}
	return cals, nil
}

// SecretEnvName is the default environment variable for a source's secret.
func SecretEnvName(source string) string {
	return "SLAWATCH_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(source)) + "_SECRET"
}
