package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of the rendered forms.
const (
	// Schema names the JSON document in Message.Default (docs/alerts.md).
	Schema = "slawatch.alert/" + SchemaVersion
	// MaxSMS bounds Message.SMS, in characters (runes): one SMS segment
	// with room for a carrier's sender prefix.
	MaxSMS = 140
	// MaxSubject bounds Message.Subject: SNS wants an email subject of
	// printable ASCII, "less than 100 characters".
	MaxSubject = 99
)

// Message is an alert rendered once per SNS protocol.
type Message struct {
	// Default is the versioned JSON document (schema slawatch.alert/1) that
	// SQS, Lambda, HTTP/S and email-json subscribers receive.
	Default string
	// Email is the plain-text body for email subscribers.
	Email string
	// SMS is a one-segment text, at most MaxSMS characters.
	SMS string
	// Subject is the email subject: printable ASCII, at most MaxSubject
	// characters.
	Subject string
	// Attributes are the SNS message attributes filter policies match on:
	// kind, severity, metric, source, team, channel, priority (String) and
	// level (Number; see AttributeType). Empty values are left out: SNS
	// refuses an attribute without a value.
	Attributes map[string]string
}

// AttributeType returns the SNS DataType of a message attribute: "Number"
// for level, so that {"level":[{"numeric":[">=",2]}]} matches, and "String"
// for the rest, so that {"severity":["critical"]} matches.
func AttributeType(name string) string {
	if name == "level" {
		return "Number"
	}
	return "String"
}

// Render renders a for every protocol. Times are shown in loc (UTC when
// nil); "due in" and "overdue by" are measured at now.
func Render(a Alert, loc *time.Location, now time.Time) Message {
	return renderLimit(a, loc, now, defaultDigestLimit)
}

// renderLimit renders with at most limit digest tickets listed.
func renderLimit(a Alert, loc *time.Location, now time.Time, limit int) Message {
	r := newRenderer(a, loc, now, limit)
	return Message{
		Default:    r.document(),
		Email:      r.email(),
		SMS:        r.sms(),
		Subject:    r.subject(),
		Attributes: r.attributes(),
	}
}

// renderer holds what every form of one alert shares.
type renderer struct {
	a     Alert
	loc   *time.Location
	now   time.Time
	limit int
}

func newRenderer(a Alert, loc *time.Location, now time.Time, limit int) *renderer {
	if loc == nil {
		loc = time.UTC
	}
	if a.Severity == "" {
		a.Severity = SeverityOf(a.Kind)
	}
	if limit < 1 {
		limit = 1
	}
	return &renderer{a: a, loc: loc, now: now, limit: limit}
}

func (r *renderer) digest() bool { return r.a.Kind == KindBreachDigest }

// label names the alert's kind for people.
func (r *renderer) label() string {
	switch r.a.Kind {
	case KindWarning:
		return "SLA warning"
	case KindPredicted:
		return "SLA breach predicted"
	case KindBreach:
		return "SLA breached"
	case KindEscalation:
		if r.a.Level > 0 {
			return fmt.Sprintf("SLA escalation level %d", r.a.Level)
		}
		return "SLA escalation"
	case KindRecovered:
		return "SLA recovered"
	case KindBreachDigest:
		return "SLA breaches"
	}
	return "SLA alert " + r.a.Kind
}

// metricName is the metric in words: "first response", "next reply".
func metricName(m string) string {
	switch m {
	case "":
		return "SLA"
	case "first_response":
		return "first response"
	case "next_reply":
		return "next reply"
	case "resolution":
		return "resolution"
	}
	return strings.ReplaceAll(m, "_", " ")
}

// ticketRef is "zendesk ticket 4711".
func ticketRef(source, id string) string {
	switch {
	case source == "" && id == "":
		return "a ticket"
	case source == "":
		return "ticket " + id
	case id == "":
		return source + " ticket"
	}
	return source + " ticket " + id
}

// digestSummary is "12 tickets breached for team support in the last run".
func (r *renderer) digestSummary() string {
	n := len(r.a.Tickets)
	s := strconv.Itoa(n) + " tickets breached"
	if n == 1 {
		s = "1 ticket breached"
	}
	if r.a.Team != "" {
		s += " for team " + r.a.Team
	}
	return s + " in the last run"
}

// phrase is the deadline in words, without the clock time: "due in 14
// minutes", "overdue by 1 hour 5 minutes", "answered 2 hours late".
func (r *renderer) phrase() string {
	a := r.a
	if a.DueAt.IsZero() {
		return ""
	}
	if a.Kind == KindRecovered {
		done := "answered"
		if a.Metric == "resolution" {
			done = "solved" // a solve, not a reply, ends the resolution clock
		}
		if a.At.IsZero() || !a.At.After(a.DueAt) {
			return done
		}
		return done + " " + Duration(a.At.Sub(a.DueAt)) + " late"
	}
	if r.now.After(a.DueAt) {
		return "overdue by " + Duration(r.now.Sub(a.DueAt))
	}
	return "due in " + Duration(a.DueAt.Sub(r.now))
}

// clock is the deadline's wall time in loc: "(10:00 EST, Mon 23 Nov)" for
// a coming deadline, "(due 10:00 EST)" for a passed one on the same day and
// "(due 10:00 EST, Sun 22 Nov)" for one on an earlier day.
func (r *renderer) clock() string {
	a := r.a
	if a.DueAt.IsZero() {
		return ""
	}
	due := a.DueAt.In(r.loc)
	day := due.Format("Mon 2 Jan")
	if due.Year() != r.now.In(r.loc).Year() {
		day += due.Format(" 2006")
	}
	hm := due.Format("15:04 MST")
	if a.Kind != KindRecovered && !r.now.After(a.DueAt) {
		return "(" + hm + ", " + day + ")"
	}
	ny, nm, nd := r.now.In(r.loc).Date()
	if dy, dm, dd := due.Date(); dy == ny && dm == nm && dd == nd {
		return "(due " + hm + ")"
	}
	return "(due " + hm + ", " + day + ")"
}

// shortClock is the deadline's wall time alone: "10:00 EST".
func (r *renderer) shortClock() string {
	if r.a.DueAt.IsZero() {
		return ""
	}
	return r.a.DueAt.In(r.loc).Format("15:04 MST")
}

// metricPhrase is "first response overdue by 1 hour 5 minutes".
func (r *renderer) metricPhrase() string {
	m := metricName(r.a.Metric)
	if r.a.Metric == "next_reply" && r.a.Cycle > 1 {
		m += fmt.Sprintf(" (cycle %d)", r.a.Cycle)
	}
	if p := r.phrase(); p != "" {
		return m + " " + p
	}
	return m
}

// headline is the one-line summary: subject, first line of the email,
// Chatbot summary.
// sourceLine is the headline of the intake's heartbeat alerts, which are
// about a source, not a ticket; "" for other kinds.
func (r *renderer) sourceLine() string {
	src := r.a.Source
	switch r.a.Kind {
	case KindSourceSilent:
		return "Intake silent: no webhook from " + src + " while the team is open, since " + r.a.At.In(r.loc).Format("Mon 15:04 MST")
	case KindSourceBack:
		return "Intake back: webhooks from " + src + " arrive again"
	case KindSourceRejected:
		return "Intake refusing: webhooks from " + src + " keep failing verification (a changed secret or URL?)"
	case KindConfigRefused:
		return "Configuration refused: the new configuration from " + src + " is invalid; the previous one keeps running (see the log)"
	}
	return ""
}

func (r *renderer) headline() string {
	if l := r.sourceLine(); l != "" {
		return l
	}
	if r.digest() {
		return r.digestSummary()
	}
	return r.label() + ": " + ticketRef(r.a.Source, r.a.TicketID) + ", " + r.metricPhrase()
}

func (r *renderer) subject() string {
	sev := "[" + r.a.Severity + "] "
	if r.a.Severity == "" {
		sev = ""
	}
	if l := r.sourceLine(); l != "" {
		return fitASCII(MaxSubject, sev+l, sev+shorten(l, MaxSubject-len(sev)-1))
	}
	if r.digest() {
		return fitASCII(MaxSubject, sev+r.label()+": "+r.digestSummary(),
			sev+r.digestSummary())
	}
	src, id := r.a.Source, r.a.TicketID
	return fitASCII(MaxSubject,
		sev+r.headline(),
		sev+r.label()+": "+ticketRef(shorten(src, 16), shorten(id, 24))+", "+r.metricPhrase(),
		sev+r.label()+": "+ticketRef(shorten(src, 12), shorten(id, 16))+", "+metricName(r.a.Metric),
	)
}

func (r *renderer) sms() string {
	a := r.a
	if l := r.sourceLine(); l != "" {
		return fit(MaxSMS, oneLine(l), shorten(oneLine(l), MaxSMS-1))
	}
	if r.digest() {
		s := r.label() + ": " + r.digestSummary()
		if due := r.oldestDue(); !due.IsZero() {
			s += ", oldest due " + due.In(r.loc).Format("15:04 MST")
		}
		return fit(MaxSMS, oneLine(s), oneLine(r.label()+": "+r.digestSummary()),
			fmt.Sprintf("%s: %d tickets breached", r.label(), len(a.Tickets)))
	}
	var due string
	if c := r.shortClock(); c != "" && a.Kind != KindRecovered && !r.now.After(a.DueAt) {
		due = " (" + c + ")"
	} else if c != "" {
		due = " (due " + c + ")"
	}
	var url string
	if a.TicketURL != "" {
		url = " " + oneLine(a.TicketURL)
	}
	full := func(src, id string) string {
		return oneLine(r.label() + ": " + ticketRef(src, id) + ", " + r.metricPhrase())
	}
	return fit(MaxSMS,
		full(a.Source, a.TicketID)+due+url,
		full(a.Source, a.TicketID)+due,
		full(a.Source, a.TicketID),
		full(shorten(a.Source, 16), shorten(a.TicketID, 24))+due,
		full(shorten(a.Source, 12), shorten(a.TicketID, 16)),
	)
}

// oldestDue is the earliest deadline among a digest's tickets.
func (r *renderer) oldestDue() time.Time {
	var t time.Time
	for _, it := range r.a.Tickets {
		if !it.DueAt.IsZero() && (t.IsZero() || it.DueAt.Before(t)) {
			t = it.DueAt
		}
	}
	return t
}

func (r *renderer) notifyLine() string {
	if len(r.a.Notify) > 0 {
		return strings.Join(r.a.Notify, ", ")
	}
	if r.a.Team != "" {
		return "everyone subscribed for team " + r.a.Team
	}
	return "everyone subscribed"
}

func (r *renderer) email() string {
	a := r.a
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-10s%s\n", k+":", v)
		}
	}
	b.WriteString(r.headline() + "\n\n")
	if r.digest() {
		shown := min(len(a.Tickets), r.limit)
		for _, it := range a.Tickets[:shown] {
			fmt.Fprintf(&b, "- %s, %s", ticketRef(it.Source, it.TicketID), metricName(it.Metric))
			if it.Priority != "" {
				fmt.Fprintf(&b, ", %s", it.Priority)
			}
			if !it.DueAt.IsZero() {
				fmt.Fprintf(&b, ", due %s", it.DueAt.In(r.loc).Format("15:04 MST, Mon 2 Jan"))
				if r.now.After(it.DueAt) {
					fmt.Fprintf(&b, " (overdue by %s)", Duration(r.now.Sub(it.DueAt)))
				}
			}
			b.WriteString("\n")
			if it.TicketURL != "" {
				fmt.Fprintf(&b, "  %s\n", it.TicketURL)
			}
		}
		if more := len(a.Tickets) - shown; more > 0 {
			fmt.Fprintf(&b, "- and %d more not listed here\n", more)
		}
		b.WriteString("\n")
		line("Team", a.Team)
		line("Notify", r.notifyLine())
	} else {
		ticket := a.TicketURL
		if ticket == "" {
			ticket = ticketRef(a.Source, a.TicketID) + " (no link)"
		}
		line("Ticket", ticket)
		metric := metricName(a.Metric)
		if a.Cycle > 0 && a.Metric == "next_reply" {
			metric += fmt.Sprintf(", cycle %d", a.Cycle)
		}
		if a.Policy != "" {
			line("Policy", a.Policy+" ("+metric+")")
		} else {
			line("Metric", metric)
		}
		line("Priority", a.Priority)
		line("Channel", a.Channel)
		line("Team", a.Team)
		line("Notify", r.notifyLine())
		if p := r.phrase(); p != "" {
			line("Deadline", p+" "+r.clock())
		}
	}
	fmt.Fprintf(&b, "\nSeverity %s, alert %s, id %s.\nTimes are in %s. Sent by slawatch.\n", a.Severity, a.Kind, a.ID, r.loc)
	return b.String()
}

func (r *renderer) attributes() map[string]string {
	a := r.a
	m := map[string]string{"level": strconv.Itoa(a.Level)}
	for k, v := range map[string]string{
		"kind": a.Kind, "severity": a.Severity, "metric": a.Metric, "source": a.Source,
		"team": a.Team, "channel": a.Channel, "priority": a.Priority,
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// Document is the JSON in Message.Default (schema slawatch.alert/1);
// docs/alerts.md describes it. Subscribers read it with ParseDocument.
type Document struct {
	Schema          string       `json:"schema"`
	ID              string       `json:"id"`
	Kind            string       `json:"kind"`
	Severity        string       `json:"severity"`
	Summary         string       `json:"summary"`
	Source          string       `json:"source"`
	TicketID        string       `json:"ticket_id,omitempty"`
	TicketURL       string       `json:"ticket_url,omitempty"`
	Metric          string       `json:"metric,omitempty"`
	Cycle           int          `json:"cycle"`
	Level           int          `json:"level"`
	Policy          string       `json:"policy,omitempty"`
	Team            string       `json:"team"`
	Priority        string       `json:"priority,omitempty"`
	Channel         string       `json:"channel,omitempty"`
	DueAt           *time.Time   `json:"due_at,omitempty"`
	At              *time.Time   `json:"at,omitempty"`
	SentAt          *time.Time   `json:"sent_at,omitempty"`
	Notify          []string     `json:"notify"`
	TimeLeftSeconds *int64       `json:"time_left_seconds,omitempty"`
	OverdueSeconds  *int64       `json:"overdue_seconds,omitempty"`
	TicketCount     *int         `json:"ticket_count,omitempty"`
	Tickets         []DigestItem `json:"tickets,omitempty"`
	Ends            string       `json:"ends,omitempty"`
}

// ParseDocument reads an alert document as a subscriber receives it (an SNS
// message's default text, an SQS body with raw delivery). It refuses a
// document of another schema, or one without an id or kind: a subscriber
// must not act on what it cannot identify.
func ParseDocument(b []byte) (Document, error) {
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return Document{}, fmt.Errorf("notify: alert document: %w", err)
	}
	switch {
	case d.Schema != Schema:
		return Document{}, fmt.Errorf("notify: alert document: schema %q, want %q", d.Schema, Schema)
	case d.ID == "" || d.Kind == "":
		return Document{}, fmt.Errorf("notify: alert document: no id or kind")
	}
	return d, nil
}

func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func seconds(d time.Duration) *int64 {
	s := int64(d / time.Second)
	return &s
}

func (r *renderer) document() string {
	a := r.a
	d := Document{
		Schema: Schema, ID: a.ID, Kind: a.Kind, Severity: a.Severity, Summary: r.headline(),
		Source: a.Source, TicketID: a.TicketID, TicketURL: a.TicketURL, Metric: a.Metric,
		Cycle: a.Cycle, Level: a.Level, Policy: a.Policy, Team: a.Team, Priority: a.Priority,
		Channel: a.Channel, DueAt: utc(a.DueAt), At: utc(a.At), SentAt: utc(a.SentAt),
		Notify: a.Notify, Ends: a.Ends,
	}
	if d.Notify == nil {
		d.Notify = []string{}
	}
	switch {
	case a.DueAt.IsZero():
	case a.Kind == KindRecovered:
		if !a.At.IsZero() && a.At.After(a.DueAt) {
			d.OverdueSeconds = seconds(a.At.Sub(a.DueAt))
		}
	case r.now.After(a.DueAt):
		d.OverdueSeconds = seconds(r.now.Sub(a.DueAt))
	default:
		d.TimeLeftSeconds = seconds(a.DueAt.Sub(r.now))
	}
	if r.digest() {
		n := len(a.Tickets)
		d.TicketCount = &n
		d.Tickets = make([]DigestItem, 0, min(n, r.limit))
		for _, it := range a.Tickets[:min(n, r.limit)] {
			it.DueAt = it.DueAt.UTC()
			d.Tickets = append(d.Tickets, it)
		}
	}
	b, err := json.Marshal(d)
	if err != nil { // cannot happen: every field marshals
		panic(fmt.Sprintf("notify: render %s: %v", a.ID, err))
	}
	return string(b)
}

// Duration says d in words, rounded the way a person would: "less than a
// minute", "14 minutes", "1 hour 5 minutes" (to the minute under a day),
// "2 days 3 hours" (to the hour from a day on). The sign is ignored.
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Minute {
		return "less than a minute"
	}
	d = d.Round(time.Minute)
	if d >= 24*time.Hour {
		d = d.Round(time.Hour)
		return join(unit(int(d/(24*time.Hour)), "day"), unit(int(d%(24*time.Hour)/time.Hour), "hour"))
	}
	return join(unit(int(d/time.Hour), "hour"), unit(int(d%time.Hour/time.Minute), "minute"))
}

func unit(n int, name string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 " + name
	}
	return strconv.Itoa(n) + " " + name + "s"
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// shorten cuts s to at most n runes, marking the cut with "...".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 3 {
		return string([]rune(s)[:n])
	}
	return string([]rune(s)[:n-3]) + "..."
}

// fit returns the first candidate of at most max runes, else the last one
// cut to max.
func fit(max int, candidates ...string) string {
	for _, c := range candidates {
		if utf8.RuneCountInString(c) <= max {
			return c
		}
	}
	return shorten(candidates[len(candidates)-1], max)
}

// oneLine turns line breaks, tabs and other control characters into spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// fitASCII is fit for SNS subjects: control and non-ASCII characters become
// "?" and the result starts with a printable character.
func fitASCII(max int, candidates ...string) string {
	for i, c := range candidates {
		candidates[i] = strings.TrimLeft(strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e {
				return '?'
			}
			return r
		}, c), " ")
	}
	return fit(max, candidates...)
}
