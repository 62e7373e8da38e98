// Package teams delivers slawatch's alerts into a Microsoft Teams channel
// through a Workflows webhook: the Teams Workflows (Power Automate) template
// "Post to a channel when a webhook request is received". Each alert becomes
// one Adaptive Card posted to the channel.
//
// The legacy Office 365 connectors ("Incoming Webhook", MessageCard, URLs on
// webhook.office.com) are retired; their URLs are refused here.
//
// The contract, and where it comes from (docs/integrations/teams.md has
// the full list):
//   - the body, {"type":"message","attachments":[{"contentType":
//     "application/vnd.microsoft.card.adaptive","contentUrl":null,
//     "content":{AdaptiveCard}}]}: learn.microsoft.com/en-us/connectors/teams/
//     (Microsoft Teams webhook, request body schema), as sent by Prometheus
//     Alertmanager (prometheus/alertmanager notify/msteamsv2/msteamsv2.go)
//     and Grafana (grafana/alerting receivers/teams/v1/teams.go);
//   - the card elements (TextBlock color attention/warning/good, FactSet,
//     Action.OpenUrl, msteams width Full): adaptivecards.io/explorer, and the
//     same two notifiers;
//   - the answer, 202 Accepted with an empty body: idealista/prom2teams PR
//     #351, fluxcd/flagger PR #1887, Skitionek/notify-microsoft-teams #98;
//   - the message size limit, about 28 KB ("Request Entity too large"):
//     learn.microsoft.com/en-us/connectors/teams/ (known issues).
package teams

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
)

// The Workflows webhook body's constants.
const (
	ContentType   = "application/vnd.microsoft.card.adaptive"
	CardSchema    = "http://adaptivecards.io/schemas/adaptive-card.json"
	CardVersion   = "1.4" // every element used is from 1.0-1.2; 1.4 is what Grafana sends and Teams renders
	MaxCardBytes  = 28 * 1024
	cardBudget    = 24 * 1024 // what Card aims under: Teams counts its own wrapping against the 28 KB
	maxText       = 200       // runes in one fact value or line
	maxURL        = 1000      // a longer ticket link is not linked (a cut link is a wrong link)
	MaxDigestRows = 20        // tickets listed on a digest card; the rest are counted
)

// Adaptive Card text colours (adaptivecards.io/explorer/TextBlock.html).
const (
	colorAttention = "attention" // critical
	colorWarning   = "warning"
	colorGood      = "good" // recovered
)

// Message is the body a Workflows webhook expects.
type Message struct {
	Type        string       `json:"type"` // "message"
	Attachments []Attachment `json:"attachments"`
}

// Attachment carries one Adaptive Card.
type Attachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"` // always null: the card is inline
	Content     AdaptiveCard `json:"content"`
}

// AdaptiveCard is the card (adaptivecards.io/explorer/AdaptiveCard.html).
type AdaptiveCard struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"` // "AdaptiveCard"
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	Actions []Action  `json:"actions,omitempty"`
	MSTeams *MSTeams  `json:"msteams,omitempty"`
}

// MSTeams holds Teams' own card options.
type MSTeams struct {
	Width string `json:"width"` // "Full": facts and ticket lists need the room
}

// Element is a body element: a TextBlock or a FactSet.
type Element struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	Size     string `json:"size,omitempty"`
	Weight   string `json:"weight,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Wrap     bool   `json:"wrap,omitempty"`
	Spacing  string `json:"spacing,omitempty"`
	Facts    []Fact `json:"facts,omitempty"`
}

// Fact is one row of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Action is an Action.OpenUrl: the only kind a webhook card can use
// usefully, since nothing answers a Submit.
type Action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Card renders d as the Workflows message: a title coloured by severity,
// the facts of the alert, an "Open ticket" button when the alert has a link,
// the ticket list of a digest (at most MaxDigestRows), and the alert id in
// small print so that a card posted twice (a retry after a lost answer) can
// be told for what it is. "Overdue by" and "Time left" are measured at now,
// the posting time, which can be later than the document's rendering; a
// zero now uses the document's own figures.
func Card(d notify.Document, now time.Time) Message {
	rows := MaxDigestRows
	for {
		m := card(d, now, rows)
		if rows == 0 || size(m) <= cardBudget {
			return m
		}
		rows /= 2 // long ticket links: list fewer
	}
}

func size(m Message) int {
	b, err := json.Marshal(m)
	if err != nil { // cannot happen: strings and slices only
		panic(fmt.Sprintf("teams: card: %v", err))
	}
	return len(b)
}

func card(d notify.Document, now time.Time, rows int) Message {
	c := AdaptiveCard{
		Schema:  CardSchema,
		Type:    "AdaptiveCard",
		Version: CardVersion,
		MSTeams: &MSTeams{Width: "Full"},
	}
	c.Body = append(c.Body, Element{
		Type: "TextBlock", Text: clip(title(d)), Size: "Large", Weight: "Bolder",
		Color: color(d), Wrap: true,
	})
	if d.Kind == notify.KindBreachDigest {
		c.Body = append(c.Body, Element{Type: "FactSet", Facts: digestFacts(d)})
		c.Body = append(c.Body, digestRows(d, rows)...)
	} else {
		c.Body = append(c.Body, Element{Type: "FactSet", Facts: facts(d, now)})
		if u, ok := link(d.TicketURL); ok {
			c.Actions = []Action{{Type: "Action.OpenUrl", Title: "Open ticket", URL: u}}
		}
	}
	c.Body = append(c.Body, Element{
		Type: "TextBlock", Text: clip("Alert " + d.ID + " · slawatch"), Size: "Small",
		IsSubtle: true, Wrap: true, Spacing: "Medium",
	})
	return Message{Type: "message", Attachments: []Attachment{{ContentType: ContentType, Content: c}}}
}

// color: red for what needs someone now, amber for what soon will, green
// for a recovery.
func color(d notify.Document) string {
	sev := d.Severity
	if sev == "" {
		sev = notify.SeverityOf(d.Kind)
	}
	switch {
	case d.Kind == notify.KindRecovered:
		return colorGood
	case sev == "critical":
		return colorAttention
	case sev == "warning":
		return colorWarning
	}
	return colorGood
}

func title(d notify.Document) string {
	if d.Kind == notify.KindBreachDigest {
		n := count(d)
		s := strconv.Itoa(n) + " tickets breached"
		if n == 1 {
			s = "1 ticket breached"
		}
		if d.Team != "" {
			s += " for team " + d.Team
		}
		return "SLA breaches: " + s
	}
	return label(d) + ": " + ticketRef(d.Source, d.TicketID)
}

func label(d notify.Document) string {
	switch d.Kind {
	case notify.KindWarning:
		return "SLA warning"
	case notify.KindPredicted:
		return "SLA breach predicted"
	case notify.KindBreach:
		return "SLA breached"
	case notify.KindEscalation:
		if d.Level > 0 {
			return "SLA escalation level " + strconv.Itoa(d.Level)
		}
		return "SLA escalation"
	case notify.KindRecovered:
		return "SLA recovered"
	}
	return "SLA alert " + d.Kind
}

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

func metricName(m string, cycle int) string {
	var s string
	switch m {
	case "":
		return ""
	case "first_response":
		s = "first response"
	case "next_reply":
		s = "next reply"
	case "resolution":
		s = "resolution"
	default:
		s = strings.ReplaceAll(m, "_", " ")
	}
	if m == "next_reply" && cycle > 0 {
		s += " (cycle " + strconv.Itoa(cycle) + ")"
	}
	return s
}

func facts(d notify.Document, now time.Time) []Fact {
	var fs []Fact
	add := func(t, v string) {
		if v != "" {
			fs = append(fs, Fact{Title: t, Value: clip(v)})
		}
	}
	add("Ticket", strings.TrimSpace(d.Source+" "+d.TicketID))
	add("Metric", metricName(d.Metric, d.Cycle))
	add("Policy", d.Policy)
	add("Priority", d.Priority)
	add("Team", d.Team)
	if d.DueAt != nil {
		add("Due", due(*d.DueAt))
	}
	add(urgency(d, now))
	if d.Level > 0 {
		switch d.Kind {
		case notify.KindWarning:
			add("Level", "warning "+strconv.Itoa(d.Level))
		case notify.KindEscalation:
			add("Level", "escalation "+strconv.Itoa(d.Level))
		default:
			add("Level", strconv.Itoa(d.Level))
		}
	}
	add("Notify", strings.Join(d.Notify, ", "))
	add("Kind", d.Kind)
	return fs
}

// due is the deadline for machines and people alike, in UTC: the card is
// seen in every zone the team works in, and Teams cannot localise a string.
func due(t time.Time) string {
	t = t.UTC()
	return t.Format(time.RFC3339) + " (" + t.Format("Mon 2 Jan 2006, 15:04 MST") + ")"
}

// urgency is the deadline's distance: how late or how soon; for a recovery,
// how late the reply was.
func urgency(d notify.Document, now time.Time) (title, value string) {
	switch {
	case d.DueAt == nil:
		return "", ""
	case d.Kind == notify.KindRecovered:
		if d.OverdueSeconds != nil && *d.OverdueSeconds > 0 {
			return "Answered", notify.Duration(time.Duration(*d.OverdueSeconds)*time.Second) + " late"
		}
		return "Answered", "in time"
	case !now.IsZero() && now.After(*d.DueAt):
		return "Overdue by", notify.Duration(now.Sub(*d.DueAt))
	case !now.IsZero():
		return "Time left", notify.Duration(d.DueAt.Sub(now))
	case d.OverdueSeconds != nil:
		return "Overdue by", notify.Duration(time.Duration(*d.OverdueSeconds) * time.Second)
	case d.TimeLeftSeconds != nil:
		return "Time left", notify.Duration(time.Duration(*d.TimeLeftSeconds) * time.Second)
	}
	return "", ""
}

// count is how many tickets a digest stands for: ticket_count, since the
// document lists at most 50.
func count(d notify.Document) int {
	if d.TicketCount != nil {
		return *d.TicketCount
	}
	return len(d.Tickets)
}

func digestFacts(d notify.Document) []Fact {
	fs := []Fact{{Title: "Tickets", Value: strconv.Itoa(count(d))}}
	if d.Team != "" {
		fs = append(fs, Fact{Title: "Team", Value: clip(d.Team)})
	}
	if len(d.Notify) > 0 {
		fs = append(fs, Fact{Title: "Notify", Value: clip(strings.Join(d.Notify, ", "))})
	}
	return append(fs, Fact{Title: "Kind", Value: d.Kind})
}

// digestRows lists the first rows tickets, one line each, and counts the
// rest: a storm must not make a card Teams refuses.
func digestRows(d notify.Document, rows int) []Element {
	shown := min(len(d.Tickets), rows)
	var es []Element
	for _, it := range d.Tickets[:shown] {
		ref := markdownText(clip(strings.TrimSpace(it.Source + " " + it.TicketID)))
		if u, ok := link(it.TicketURL); ok {
			ref = "[" + ref + "](" + u + ")"
		}
		parts := []string{ref}
		if m := metricName(it.Metric, 0); m != "" {
			parts = append(parts, m)
		}
		if it.Priority != "" {
			parts = append(parts, clip(it.Priority))
		}
		if !it.DueAt.IsZero() {
			parts = append(parts, "due "+it.DueAt.UTC().Format("Mon 2 Jan 15:04 MST"))
		}
		es = append(es, Element{Type: "TextBlock", Text: "- " + strings.Join(parts, " · "), Wrap: true, Spacing: "None"})
	}
	if more := count(d) - shown; more > 0 {
		es = append(es, Element{Type: "TextBlock", Text: fmt.Sprintf("and %d more", more), IsSubtle: true, Wrap: true, Spacing: "Small"})
	}
	return es
}

// link returns u when it is an http(s) link a button or a Markdown link can
// carry whole.
func link(u string) (string, bool) {
	if u == "" || len(u) > maxURL || strings.ContainsAny(u, " ()\t\r\n") {
		return "", false
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "", false
	}
	return u, true
}

// markdownText keeps a helpdesk's text from closing the Markdown link a
// digest line wraps it in (TextBlocks render a Markdown subset).
func markdownText(s string) string {
	return strings.NewReplacer("[", "(", "]", ")").Replace(s)
}

// clip makes s one line of at most maxText runes.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	return string([]rune(s)[:maxText-1]) + "…"
}
