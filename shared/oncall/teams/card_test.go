package teams

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func seconds(n int64) *int64 { return &n }

// breach is the sla.breach of docs/alerts.md's ticket, rendered 20 s after
// its deadline.
func breach() notify.Document {
	return notify.Document{
		Schema: notify.Schema, ID: "zendesk/4711/first_response/0/sla.breach/0",
		Kind: notify.KindBreach, Severity: "critical",
		Summary: "SLA breached: zendesk ticket 4711, first response overdue by less than a minute",
		Source:  "zendesk", TicketID: "4711", TicketURL: "https://acme.zendesk.com/agent/tickets/4711",
		Metric: "first_response", Policy: "realtime", Team: "support", Priority: "urgent", Channel: "chat",
		DueAt: at("2026-11-23T15:00:00Z"), At: at("2026-11-23T15:00:00Z"), SentAt: at("2026-11-23T15:00:20Z"),
		Notify: []string{}, OverdueSeconds: seconds(20),
	}
}

// breachCard is written by hand from the Workflows body schema
// (learn.microsoft.com/en-us/connectors/teams/, "Microsoft Teams webhook")
// and the Adaptive Card explorer (adaptivecards.io/explorer: TextBlock
// size/weight/color/wrap/isSubtle/spacing, FactSet facts title/value,
// Action.OpenUrl title/url), not copied from Card's output. 2026-11-23 is a
// Monday; posted at 16:05 the breach is 1 hour 5 minutes overdue.
// docs/integrations/teams.md shows the same card.
const breachCard = `{
  "type": "message",
  "attachments": [{
    "contentType": "application/vnd.microsoft.card.adaptive",
    "contentUrl": null,
    "content": {
      "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
      "type": "AdaptiveCard",
      "version": "1.4",
      "body": [
        {"type": "TextBlock", "text": "SLA breached: zendesk ticket 4711", "size": "Large", "weight": "Bolder", "color": "attention", "wrap": true},
        {"type": "FactSet", "facts": [
          {"title": "Ticket", "value": "zendesk 4711"},
          {"title": "Metric", "value": "first response"},
          {"title": "Policy", "value": "realtime"},
          {"title": "Priority", "value": "urgent"},
          {"title": "Team", "value": "support"},
          {"title": "Due", "value": "2026-11-23T15:00:00Z (Mon 23 Nov 2026, 15:00 UTC)"},
          {"title": "Overdue by", "value": "1 hour 5 minutes"},
          {"title": "Kind", "value": "sla.breach"}
        ]},
        {"type": "TextBlock", "text": "Alert zendesk/4711/first_response/0/sla.breach/0 · slawatch", "size": "Small", "isSubtle": true, "wrap": true, "spacing": "Medium"}
      ],
      "actions": [{"type": "Action.OpenUrl", "title": "Open ticket", "url": "https://acme.zendesk.com/agent/tickets/4711"}],
      "msteams": {"width": "Full"}
    }
  }]
}`

// sameJSON compares a value's JSON with want, as data.
func sameJSON(t *testing.T, got any, want string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		pretty, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("card:\n%s\nwant:\n%s", pretty, want)
	}
}

func TestBreachCard(t *testing.T) {
	sameJSON(t, Card(breach(), time.Date(2026, 11, 23, 16, 5, 0, 0, time.UTC)), breachCard)
}

// parts returns the card's title block, its facts by title, and its body.
func parts(t *testing.T, m Message) (head Element, fs map[string]string, body []Element) {
	t.Helper()
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	body = m.Attachments[0].Content.Body
	fs = map[string]string{}
	for _, e := range body {
		for _, f := range e.Facts {
			fs[f.Title] = f.Value
		}
	}
	return body[0], fs, body
}

func TestRecoveredCard(t *testing.T) {
	d := breach()
	d.ID, d.Kind, d.Severity = "zendesk/4711/first_response/0/sla.recovered/0", notify.KindRecovered, "info"
	d.At, d.OverdueSeconds = at("2026-11-23T17:00:00Z"), seconds(7200)
	// Posted a day later: a recovery has no urgency, whatever the clock says.
	m := Card(d, time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC))
	head, fs, _ := parts(t, m)
	if head.Color != "good" || head.Text != "SLA recovered: zendesk ticket 4711" {
		t.Errorf("title %q in %q, want SLA recovered in good", head.Text, head.Color)
	}
	if fs["Answered"] != "2 hours late" {
		t.Errorf("Answered = %q, want 2 hours late", fs["Answered"])
	}
	for _, urgent := range []string{"Overdue by", "Time left"} {
		if v, ok := fs[urgent]; ok {
			t.Errorf("a recovery says %s %q", urgent, v)
		}
	}
	d.OverdueSeconds = nil // answered before the deadline
	if _, fs, _ := parts(t, Card(d, time.Time{})); fs["Answered"] != "in time" {
		t.Errorf("Answered = %q, want in time", fs["Answered"])
	}
}

func TestCardByKind(t *testing.T) {
	now := time.Date(2026, 11, 23, 14, 46, 0, 0, time.UTC)
	tests := []struct {
		kind, severity string
		level          int
		title, color   string
		facts          map[string]string // expected facts; "" = absent
	}{
		{notify.KindWarning, "warning", 1, "SLA warning: zendesk ticket 4711", "warning",
			map[string]string{"Time left": "14 minutes", "Level": "warning 1", "Overdue by": ""}},
		{notify.KindPredicted, "warning", 0, "SLA breach predicted: zendesk ticket 4711", "warning",
			map[string]string{"Time left": "14 minutes", "Level": ""}},
		{notify.KindEscalation, "critical", 2, "SLA escalation level 2: zendesk ticket 4711", "attention",
			map[string]string{"Level": "escalation 2", "Notify": "support-lead, on-call", "Kind": "sla.escalation"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			d := breach()
			d.Kind, d.Severity, d.Level = tt.kind, tt.severity, tt.level
			d.Notify = nil
			if tt.kind == notify.KindEscalation {
				d.Notify = []string{"support-lead", "on-call"}
			}
			head, fs, _ := parts(t, Card(d, now))
			if head.Text != tt.title || head.Color != tt.color {
				t.Errorf("title %q in %q, want %q in %q", head.Text, head.Color, tt.title, tt.color)
			}
			for k, v := range tt.facts {
				if got, ok := fs[k]; v == "" && ok || v != "" && got != v {
					t.Errorf("fact %s = %q (present %v), want %q", k, got, ok, v)
				}
			}
		})
	}
}

// Without a posting time the card says what the document measured.
func TestCardWithoutClock(t *testing.T) {
	if _, fs, _ := parts(t, Card(breach(), time.Time{})); fs["Overdue by"] != "less than a minute" {
		t.Errorf("Overdue by = %q, want the document's 20 s", fs["Overdue by"])
	}
}

func digest(n, listed int, url func(i int) string) notify.Document {
	d := notify.Document{
		Schema: notify.Schema, ID: "/////sla.breach_digest/0", Kind: notify.KindBreachDigest, Severity: "critical",
		Team: "support", Notify: []string{}, TicketCount: &n,
	}
	for i := range listed {
		d.Tickets = append(d.Tickets, notify.DigestItem{
			Source: "zendesk", TicketID: fmt.Sprint(1000 + i), TicketURL: url(i),
			Metric: "first_response", Priority: "urgent", DueAt: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC),
		})
	}
	return d
}

func TestDigestCard(t *testing.T) {
	// 57 breaches; the document lists 50 of them (its own bound).
	d := digest(57, 50, func(i int) string { return fmt.Sprintf("https://acme.zendesk.com/agent/tickets/%d", 1000+i) })
	m := Card(d, time.Date(2026, 11, 23, 15, 10, 0, 0, time.UTC))
	head, fs, body := parts(t, m)
	if head.Text != "SLA breaches: 57 tickets breached for team support" || head.Color != "attention" {
		t.Errorf("title %q in %q", head.Text, head.Color)
	}
	if fs["Tickets"] != "57" || fs["Team"] != "support" {
		t.Errorf("facts %v", fs)
	}
	var rows []string
	for _, e := range body {
		if strings.HasPrefix(e.Text, "- ") {
			rows = append(rows, e.Text)
		}
	}
	if len(rows) != MaxDigestRows {
		t.Fatalf("%d rows listed, want %d", len(rows), MaxDigestRows)
	}
	if want := "- [zendesk 1000](https://acme.zendesk.com/agent/tickets/1000) · first response · urgent · due Mon 23 Nov 15:00 UTC"; rows[0] != want {
		t.Errorf("row 0 = %q\nwant    %q", rows[0], want)
	}
	if more := body[len(body)-2].Text; more != "and 37 more" {
		t.Errorf("after the rows: %q, want and 37 more", more)
	}
	if len(m.Attachments[0].Content.Actions) != 0 {
		t.Error("a digest has no single ticket to open")
	}
}

// Long helpdesk values cannot push a card past what Teams takes: text is
// clipped and fewer tickets are listed, the rest counted.
func TestCardStaysSmall(t *testing.T) {
	long := "https://acme.zendesk.com/" + strings.Repeat("x", 990)
	d := digest(50, 50, func(int) string { return long })
	for i := range d.Tickets {
		d.Tickets[i].TicketID = strings.Repeat("7", 500)
	}
	d.Team = strings.Repeat("t", 5000)
	m := Card(d, time.Time{})
	b, _ := json.Marshal(m)
	if len(b) > MaxCardBytes {
		t.Fatalf("card of %d bytes, over %d", len(b), MaxCardBytes)
	}
	head, _, body := parts(t, m)
	if n := len([]rune(head.Text)); n > maxText {
		t.Errorf("title of %d runes", n)
	}
	var rows int
	for _, e := range body {
		if strings.HasPrefix(e.Text, "- ") {
			rows++
		}
	}
	if more := body[len(body)-2].Text; rows == 0 || more != fmt.Sprintf("and %d more", 50-rows) {
		t.Errorf("%d rows and %q", rows, more)
	}
}

func TestOpenTicketOnlyForWebLinks(t *testing.T) {
	for _, u := range []string{"", "javascript:alert(1)", "ftp://x/y", "/agent/tickets/1", "https://x/a b"} {
		d := breach()
		d.TicketURL = u
		if a := Card(d, time.Time{}).Attachments[0].Content.Actions; len(a) != 0 {
			t.Errorf("ticket_url %q made an action %v", u, a)
		}
	}
}

// docs/integrations/teams.md shows the breach card; it must be the card.
func TestDocumentedCard(t *testing.T) {
	b, err := os.ReadFile("../../../docs/integrations/teams.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "The breach card"
	doc := string(b)
	i := strings.Index(doc, start)
	if i < 0 {
		t.Fatalf("the doc has no %q", start)
	}
	doc = doc[i:]
	j := strings.Index(doc, "```json\n")
	k := strings.Index(doc[j+8:], "```")
	if j < 0 || k < 0 {
		t.Fatal("no JSON block after it")
	}
	documented := doc[j+8 : j+8+k]
	sameJSON(t, Card(breach(), time.Date(2026, 11, 23, 16, 5, 0, 0, time.UTC)), documented)
}
