package slack

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall/slack/slacktest"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func secs(n int64) *int64 { return &n }

// breach is the document docs/integrations/slack.md shows.
func breach() notify.Document {
	return notify.Document{
		Schema: notify.Schema, ID: "a1", Kind: notify.KindBreach, Severity: "critical",
		Summary: "SLA breached: zendesk ticket 4711, first response overdue by 5 minutes",
		Source:  "zendesk", TicketID: "4711", TicketURL: "https://acme.zendesk.com/agent/tickets/4711",
		Metric: "first_response", Policy: "Gold", Team: "support", Priority: "high",
		DueAt: at("2026-12-05T14:00:00Z"), At: at("2026-12-05T14:00:00Z"), SentAt: at("2026-12-05T14:05:00Z"),
		Notify: []string{"support-oncall"}, OverdueSeconds: secs(300),
	}
}

// The expected JSON is written by hand from Block Kit's reference (header,
// section fields, context, actions with buttons) and the date token syntax
// <!date^unix^{date_short_pretty} {time}|fallback>; 1796479200 is
// 2026-12-05 14:00 UTC (date -u -d 2026-12-05T14:00:00Z +%s).
const breachJSON = `{
  "text": "SLA breached: zendesk ticket 4711, first response overdue by 5 minutes <https://acme.zendesk.com/agent/tickets/4711|zendesk ticket 4711>",
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "SLA breached: zendesk ticket 4711, first response overdue by 5 minutes"}},
    {"type": "section", "fields": [
      {"type": "mrkdwn", "text": "*Ticket*\n<https://acme.zendesk.com/agent/tickets/4711|zendesk ticket 4711>"},
      {"type": "mrkdwn", "text": "*Policy*\nGold (first response)"},
      {"type": "mrkdwn", "text": "*Team*\nsupport"},
      {"type": "mrkdwn", "text": "*Due*\n<!date^1796479200^{date_short_pretty} {time}|Sat 5 Dec 14:00 UTC>"},
      {"type": "mrkdwn", "text": "*Overdue by*\n5 minutes"},
      {"type": "mrkdwn", "text": "*Level*\nbreached (critical)"},
      {"type": "mrkdwn", "text": "*Priority*\nhigh"}
    ]},
    {"type": "context", "elements": [
      {"type": "mrkdwn", "text": "slawatch · sla.breach · sent <!date^1796479500^{date_short_pretty} {time}|Sat 5 Dec 14:05 UTC> · alert a1"}
    ]},
    {"type": "actions", "elements": [
      {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"}, "action_id": "slawatch_ack", "value": "slawatch/zendesk/4711/first_response/0", "style": "primary"},
      {"type": "button", "text": {"type": "plain_text", "text": "Snooze 30 min"}, "action_id": "slawatch_snooze_30m", "value": "slawatch/zendesk/4711/first_response/0"}
    ]}
  ]
}`

func asJSON(t *testing.T, v any) any {
	t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return out
}

func TestMessageBreach(t *testing.T) {
	got := Message(breach(), nil)
	if !reflect.DeepEqual(asJSON(t, got), asJSON(t, breachJSON)) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("got\n%s\nwant\n%s", b, breachJSON)
	}
	mustValid(t, got)
}

func mustValid(t *testing.T, p Payload) {
	t.Helper()
	b, _ := json.Marshal(p.Blocks)
	if problem := slacktest.CheckBlocks(b); problem != "" {
		t.Errorf("invalid blocks: %s", problem)
	}
}

// texts returns every text Slack reads as mrkdwn, and button labels; not
// the header, which is plain_text.
func texts(p Payload) []string {
	out := []string{p.Text}
	for _, b := range p.Blocks {
		if b.Text != nil && b.Type != "header" {
			out = append(out, b.Text.Text)
		}
		for _, f := range b.Fields {
			out = append(out, f.Text)
		}
		for _, e := range b.Elements {
			switch e := e.(type) {
			case Text:
				out = append(out, e.Text)
			case Button:
				out = append(out, e.Text.Text)
			}
		}
	}
	return out
}

// Every interpolated value is escaped: a team named "<!channel>" must not
// notify the channel, a policy "R&D <urgent>" shows as written, and a
// ticket URL cannot close its link early.
func TestMessageEscapes(t *testing.T) {
	d := breach()
	d.Team = "<!channel>"
	d.Policy = "R&D <urgent>"
	d.Priority = "<@U123>"
	d.TicketID = "47>11"
	d.TicketURL = "https://x.example/t?a=1&b=2|<!here>"
	d.Summary = "SLA breached: zendesk ticket 47>11 & <!everyone>"
	d.ID = "id<@W1>"
	p := Message(d, &Ack{UserName: "<!channel>", At: *d.SentAt})
	all := strings.Join(texts(p), "\n")
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U123>", "<@W1>", "R&D"} {
		if strings.Contains(all, bad) {
			t.Errorf("unescaped %q in\n%s", bad, all)
		}
	}
	for _, want := range []string{
		"*Team*\n&lt;!channel&gt;",
		"*Policy*\nR&amp;D &lt;urgent&gt; (first response)",
		"<https://x.example/t?a=1&amp;b=2%7C&lt;!here&gt;|zendesk ticket 47&gt;11>",
		"SLA breached: zendesk ticket 47&gt;11 &amp; &lt;!everyone&gt;", // the fallback text is mrkdwn
		"Acknowledged by &lt;!channel&gt;",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	// The header is plain_text, which Slack shows as written.
	if h := p.Blocks[0]; h.Type != "header" || h.Text.Type != "plain_text" || h.Text.Text != "SLA breached: zendesk ticket 47>11 & <!everyone>" {
		t.Errorf("header %+v", h.Text)
	}
	mustValid(t, p)
}

func TestEscape(t *testing.T) {
	if got := Escape("a & b < c > d &amp;"); got != "a &amp; b &lt; c &gt; d &amp;amp;" {
		t.Errorf("Escape = %q", got)
	}
}

func buttons(p Payload) []string {
	var ids []string
	for _, b := range p.Blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			ids = append(ids, e.(Button).ActionID)
		}
	}
	return ids
}

func TestMessageButtons(t *testing.T) {
	rec := breach()
	rec.Kind, rec.Severity, rec.OverdueSeconds = notify.KindRecovered, "info", secs(600)
	ack := &Ack{UserID: "UA8RXUSPL", UserName: "jtorrance", At: *at("2026-12-05T14:07:00Z")}
	for _, tt := range []struct {
		name string
		d    notify.Document
		ack  *Ack
		want []string
	}{
		{"open", breach(), nil, []string{ActionAck, ActionSnooze30}},
		{"acknowledged", breach(), ack, []string{ActionSnooze30}},
		{"recovered", rec, nil, nil},
		{"recovered after ack", rec, ack, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := Message(tt.d, tt.ack)
			if got := buttons(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("buttons %v, want %v", got, tt.want)
			}
			all := strings.Join(texts(p), "\n")
			if wantAck := tt.ack != nil; strings.Contains(all, "Acknowledged by <@UA8RXUSPL> at <!date^1796479620^") != wantAck {
				t.Errorf("ack line shown %v, want %v:\n%s", !wantAck, wantAck, all)
			}
			if got := Message(tt.d, tt.ack).Static(); len(buttons(got)) != 0 {
				t.Errorf("Static kept buttons %v", buttons(got))
			}
			mustValid(t, p)
		})
	}
	if p := Message(rec, nil); !strings.Contains(strings.Join(texts(p), "\n"), "*Answered*\n10 minutes late") {
		t.Errorf("recovered: %v", texts(p))
	}
}

// Long values and big digests stay within Block Kit's limits.
func TestMessageLimits(t *testing.T) {
	d := breach()
	d.Summary = strings.Repeat("long summary & more ", 30)
	d.Policy = strings.Repeat("&", 5000)
	d.Team = strings.Repeat("t", 5000)
	p := Message(d, nil)
	if n := len([]rune(p.Blocks[0].Text.Text)); n > 150 {
		t.Errorf("header of %d characters", n)
	}
	mustValid(t, p)

	var items []notify.DigestItem
	for i := range 500 {
		items = append(items, notify.DigestItem{Source: "zendesk", TicketID: strings.Repeat("9", 40) + string(rune('a'+i%26)),
			TicketURL: "https://acme.zendesk.com/agent/tickets/" + strings.Repeat("9", 200), Metric: "first_response", DueAt: *d.DueAt})
	}
	n := 500
	dg := notify.Document{ID: "dg", Kind: notify.KindBreachDigest, Severity: "critical", Team: "support",
		Summary: "500 tickets breached for team support in the last run", Tickets: items, TicketCount: &n}
	p = Message(dg, nil)
	mustValid(t, p)
	list := p.Blocks[1].Text.Text
	if len([]rune(list)) > 3000 || !strings.Contains(list, "more not listed here") {
		t.Errorf("digest list of %d characters:\n%s", len([]rune(list)), list)
	}
	if len(p.Blocks) > MaxBlocks {
		t.Errorf("%d blocks", len(p.Blocks))
	}
}

func TestReply(t *testing.T) {
	d := breach()
	d.Kind, d.Level, d.At, d.OverdueSeconds = notify.KindEscalation, 2, at("2026-12-05T15:00:00Z"), secs(3600)
	want := "*SLA escalation level 2* at <!date^1796482800^{date_short_pretty} {time}|Sat 5 Dec 15:00 UTC>: overdue by 1 hour (notifying support-oncall)"
	if got := Reply(d); got != want {
		t.Errorf("Reply =\n%q\nwant\n%q", got, want)
	}
}

// A resolution clock's recovered reply says it was solved, not answered.
func TestReplyResolutionRecovered(t *testing.T) {
	d := breach()
	d.Metric, d.Kind, d.Level, d.At, d.OverdueSeconds = "resolution", notify.KindRecovered, 0, at("2026-12-05T15:00:00Z"), secs(26*3600)
	if got := Reply(d); !strings.Contains(got, ": solved 1 day 2 hours late") {
		t.Errorf("Reply = %q, want \": solved 1 day 2 hours late\" in it", got)
	}
}

// The breach JSON in docs/integrations/slack.md is what Message renders.
func TestDocShowsRendering(t *testing.T) {
	b, err := os.ReadFile("../../../docs/integrations/slack.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```json\n")
	js, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no JSON block in the doc")
	}
	if !reflect.DeepEqual(asJSON(t, js), asJSON(t, Message(breach(), nil))) {
		t.Errorf("the doc's JSON is not Message(breach()):\n%s", js)
	}
}
