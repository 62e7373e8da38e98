// Package slack delivers slawatch's alerts into Slack: in app mode one
// Block Kit message per ticket clock (oncall.IncidentKey), edited by later
// alerts which also add to its thread, with Acknowledge and Snooze buttons;
// in incoming-webhook mode one message per alert, without buttons. It also
// verifies and reads the interactivity requests the buttons cause.
//
// The contract (payloads, limits, error codes) is Slack's documentation;
// docs/integrations/slack.md lists the pages each rule comes from.
package slack

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// Action ids of the buttons, as they come back in block_actions payloads.
const (
	ActionAck      = "slawatch_ack"
	ActionSnooze30 = "slawatch_snooze_30m"
)

// Block Kit limits (docs.slack.dev/reference/block-kit/blocks: header "text"
// max 150 characters; section "text" max 3000, "fields" max 10 items of
// 2000 each; context max 10 elements; actions max 25 elements; button text
// max 75, value max 2000; a message max 50 blocks).
const (
	MaxBlocks      = 50
	maxHeader      = 150
	maxSectionText = 3000
	maxFields      = 10
	maxField       = 2000
	maxButtonValue = 2000
	// maxFallback bounds the top-level text. chat.postMessage truncates
	// text beyond 40,000 characters; a notification needs far less.
	maxFallback = 3000
	// maxValue bounds each interpolated value (policy, team, ids) before
	// escaping, so that a field stays far below its limit even when every
	// character becomes "&amp;".
	maxValue = 200
	// maxDigestLines bounds the tickets a digest lists in its section.
	maxDigestLines = 20
)

// Payload is a message as chat.postMessage, chat.update and incoming
// webhooks take it: blocks, and text as the notification fallback.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is one layout block; only the fields its type uses are set.
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []any  `json:"elements,omitempty"` // Text (context) or Button (actions)
}

// Text is a composition text object: "plain_text" or "mrkdwn".
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Button is a button element.
type Button struct {
	Type     string `json:"type"` // "button"
	Text     Text   `json:"text"` // plain_text
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Style    string `json:"style,omitempty"`
}

// Ack is an acknowledgement made with the Acknowledge button.
type Ack struct {
	UserID   string    `json:"user_id,omitempty"` // Slack user id: shown as a mention
	UserName string    `json:"user_name,omitempty"`
	At       time.Time `json:"at"`
}

// Static returns p without its actions blocks: for incoming webhooks, which
// cannot receive the interactions buttons cause.
func (p Payload) Static() Payload {
	out := Payload{Text: p.Text, Blocks: make([]Block, 0, len(p.Blocks))}
	for _, b := range p.Blocks {
		if b.Type != "actions" {
			out.Blocks = append(out.Blocks, b)
		}
	}
	return out
}

// Message renders d as Block Kit: a header with the summary, a section with
// the ticket's fields (or a digest's list), a context line, and an actions
// block with Acknowledge and Snooze 30 min whose value is the incident key.
// A recovered alert has no buttons; an acknowledged one (ack not nil) says
// who acknowledged it instead of the Acknowledge button. Times are Slack
// date tokens, shown in each reader's own time zone, with a UTC fallback.
func Message(d notify.Document, ack *Ack) Payload {
	var blocks []Block
	blocks = append(blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: header(d)}})
	if d.Kind == notify.KindBreachDigest {
		blocks = append(blocks, Block{Type: "section", Text: mrkdwn(digestList(d))})
	} else {
		blocks = append(blocks, Block{Type: "section", Fields: fields(d)})
	}
	if ack != nil {
		blocks = append(blocks, Block{Type: "section", Text: mrkdwn(ackLine(*ack))})
	}
	blocks = append(blocks, Block{Type: "context", Elements: []any{*mrkdwn(contextLine(d))}})
	if b, ok := actions(d, ack); ok {
		blocks = append(blocks, b)
	}
	return Payload{Text: fallback(d), Blocks: blocks}
}

func mrkdwn(s string) *Text { return &Text{Type: "mrkdwn", Text: s} }

// Escape makes s safe inside mrkdwn: Slack reads &, < and > as control
// characters (links, mentions, entities) and wants exactly these three
// replaced by HTML entities (docs.slack.dev/messaging/formatting-message-text,
// "Escaping text").
func Escape(s string) string {
	return escaper.Replace(s)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// value is an interpolated value: one line, bounded, escaped.
func value(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return Escape(cut(s, maxValue))
}

// cut shortens s to at most n runes, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// header is the summary as plain text. Slack does not read markup in
// plain_text, so it is not escaped; it is bounded to the header's 150.
func header(d notify.Document) string {
	s := strings.Join(strings.Fields(d.Summary), " ")
	if s == "" {
		s = label(d)
	}
	return cut(s, maxHeader)
}

// label names the alert's kind for people.
func label(d notify.Document) string {
	switch d.Kind {
	case notify.KindWarning:
		if d.Level > 0 {
			return fmt.Sprintf("SLA warning %d", d.Level)
		}
		return "SLA warning"
	case notify.KindPredicted:
		return "SLA breach predicted"
	case notify.KindBreach:
		return "SLA breached"
	case notify.KindEscalation:
		if d.Level > 0 {
			return fmt.Sprintf("SLA escalation level %d", d.Level)
		}
		return "SLA escalation"
	case notify.KindRecovered:
		return "SLA recovered"
	case notify.KindBreachDigest:
		return "SLA breaches"
	}
	return "SLA alert " + d.Kind
}

// ticketLink is "<url|zendesk ticket 4711>", or the words alone when the
// alert has no usable http(s) link.
func ticketLink(source, id, link string) string {
	words := value(strings.TrimSpace(source + " ticket " + id))
	u, err := url.Parse(link)
	if link == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return words
	}
	// "|" ends the URL part of a link; a literal one must be percent-encoded.
	return "<" + Escape(strings.ReplaceAll(link, "|", "%7C")) + "|" + words + ">"
}

// date is a Slack date token: each reader sees the instant in their own
// zone; clients that cannot format it show the UTC fallback
// (docs.slack.dev/messaging/formatting-message-text, "Date formatting").
func date(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("Mon 2 Jan 15:04 UTC"))
}

func field(name, v string) Text {
	return Text{Type: "mrkdwn", Text: "*" + name + "*\n" + v}
}

func fields(d notify.Document) []Text {
	fs := []Text{field("Ticket", ticketLink(d.Source, d.TicketID, d.TicketURL))}
	if d.Policy != "" {
		fs = append(fs, field("Policy", value(d.Policy)+" ("+metric(d)+")"))
	} else {
		fs = append(fs, field("Metric", metric(d)))
	}
	if d.Team != "" {
		fs = append(fs, field("Team", value(d.Team)))
	}
	if d.DueAt != nil {
		fs = append(fs, field("Due", date(*d.DueAt)))
	}
	switch {
	case d.OverdueSeconds != nil && d.Kind == notify.KindRecovered:
		fs = append(fs, field("Answered", notify.Duration(time.Duration(*d.OverdueSeconds)*time.Second)+" late"))
	case d.OverdueSeconds != nil:
		fs = append(fs, field("Overdue by", notify.Duration(time.Duration(*d.OverdueSeconds)*time.Second)))
	case d.TimeLeftSeconds != nil:
		fs = append(fs, field("Time left", notify.Duration(time.Duration(*d.TimeLeftSeconds)*time.Second)))
	}
	fs = append(fs, field("Level", level(d)))
	if d.Priority != "" {
		fs = append(fs, field("Priority", value(d.Priority)))
	}
	return fs[:min(len(fs), maxFields)]
}

func metric(d notify.Document) string {
	m := strings.ReplaceAll(d.Metric, "_", " ")
	if m == "" {
		m = "SLA"
	}
	if d.Cycle > 1 {
		m += fmt.Sprintf(", cycle %d", d.Cycle)
	}
	return value(m)
}

// level is the escalation state in words, with the severity.
func level(d notify.Document) string {
	var s string
	switch d.Kind {
	case notify.KindWarning:
		s = fmt.Sprintf("warning %d", d.Level)
	case notify.KindPredicted:
		s = "breach predicted"
	case notify.KindBreach:
		s = "breached"
	case notify.KindEscalation:
		s = fmt.Sprintf("escalation %d", d.Level)
	case notify.KindRecovered:
		s = "resolved"
	default:
		s = value(d.Kind)
	}
	if d.Severity != "" {
		s += " (" + value(d.Severity) + ")"
	}
	return s
}

// digestList lists a digest's tickets, one a line, within a section's 3000
// characters.
func digestList(d notify.Document) string {
	var b strings.Builder
	n := len(d.Tickets)
	if d.TicketCount != nil {
		n = max(n, *d.TicketCount)
	}
	shown := 0
	for _, it := range d.Tickets {
		line := "• " + ticketLink(it.Source, it.TicketID, it.TicketURL) + ", " + value(strings.ReplaceAll(it.Metric, "_", " "))
		if it.Priority != "" {
			line += ", " + value(it.Priority)
		}
		if !it.DueAt.IsZero() {
			line += ", due " + date(it.DueAt)
		}
		line += "\n"
		// Keep room for the "and N more" line.
		if shown == maxDigestLines || b.Len()+len(line) > maxSectionText-100 {
			break
		}
		b.WriteString(line)
		shown++
	}
	if more := n - shown; more > 0 {
		fmt.Fprintf(&b, "…and %d more not listed here", more)
	}
	if b.Len() == 0 {
		return "No tickets listed."
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func ackLine(a Ack) string {
	who := value(a.UserName)
	if isUserID(a.UserID) {
		who = "<@" + a.UserID + ">"
	}
	if who == "" {
		who = "someone"
	}
	s := ":white_check_mark: Acknowledged by " + who
	if !a.At.IsZero() {
		s += " at " + date(a.At)
	}
	return s
}

// isUserID accepts what a Slack user id looks like (U… or W…, upper-case
// letters and digits), so a mention cannot carry other markup.
func isUserID(s string) bool {
	if len(s) < 2 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func contextLine(d notify.Document) string {
	parts := []string{"slawatch", value(d.Kind)}
	if d.Kind == notify.KindRecovered && d.At != nil {
		parts = append(parts, "resolved "+date(*d.At))
	} else if d.SentAt != nil {
		parts = append(parts, "sent "+date(*d.SentAt))
	}
	if d.ID != "" {
		parts = append(parts, "alert "+value(d.ID))
	}
	return strings.Join(parts, " · ")
}

// actions is the buttons block: none for a resolved alert, and none when
// the incident key would not fit a button's value.
func actions(d notify.Document, ack *Ack) (Block, bool) {
	key := oncall.IncidentKey(d)
	if oncall.Resolves(d) || len(key) > maxButtonValue {
		return Block{}, false
	}
	var els []any
	if ack == nil {
		els = append(els, Button{Type: "button", Text: Text{Type: "plain_text", Text: "Acknowledge"}, ActionID: ActionAck, Value: key, Style: "primary"})
	}
	els = append(els, Button{Type: "button", Text: Text{Type: "plain_text", Text: "Snooze 30 min"}, ActionID: ActionSnooze30, Value: key})
	return Block{Type: "actions", Elements: els}, true
}

// fallback is the top-level text: what notifications and clients without
// Block Kit show. Slack reads it as mrkdwn, so it is escaped too.
func fallback(d notify.Document) string {
	s := Escape(strings.Join(strings.Fields(d.Summary), " "))
	if s == "" {
		s = label(d)
	}
	if d.TicketURL != "" && d.Kind != notify.KindBreachDigest {
		s += " " + ticketLink(d.Source, d.TicketID, d.TicketURL)
	}
	return cutEscaped(s, maxFallback)
}

// cutEscaped cuts mrkdwn text to n runes without splitting an entity or a
// link: it cuts before the last "&" or "<" that is not closed.
func cutEscaped(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ';' || r[i] == '>' {
			break
		}
		if r[i] == '&' || r[i] == '<' {
			r = r[:i]
			break
		}
	}
	return string(r) + "…"
}

// Reply is the thread reply of a later alert: what happened, when.
func Reply(d notify.Document) string {
	s := "*" + label(d) + "*"
	at := d.At
	if at == nil {
		at = d.SentAt
	}
	if at != nil {
		s += " at " + date(*at)
	}
	done := "answered"
	if d.Metric == "resolution" {
		done = "solved" // a solve ends the resolution clock, not a reply
	}
	switch {
	case d.Kind == notify.KindRecovered && d.OverdueSeconds != nil:
		s += ": " + done + " " + notify.Duration(time.Duration(*d.OverdueSeconds)*time.Second) + " late"
	case d.Kind == notify.KindRecovered:
		s += ": " + done
	case d.OverdueSeconds != nil:
		s += ": overdue by " + notify.Duration(time.Duration(*d.OverdueSeconds)*time.Second)
	case d.TimeLeftSeconds != nil:
		s += ": due in " + notify.Duration(time.Duration(*d.TimeLeftSeconds)*time.Second)
	}
	if n := len(d.Notify); n > 0 {
		names := make([]string, 0, n)
		for _, x := range d.Notify[:min(n, 10)] {
			names = append(names, value(x))
		}
		s += " (notifying " + strings.Join(names, ", ") + ")"
	}
	return s
}
