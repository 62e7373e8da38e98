package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// due is 10:00 EST on Monday 23 November 2026.
var due = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func newYork(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// alert is a first-response alert on an urgent Zendesk chat ticket.
func alert(kind string, level int, at time.Time) Alert {
	return Alert{
		ID: fmt.Sprintf("zendesk/4711/first_response/0/%s/%d", kind, level), Kind: kind, Severity: SeverityOf(kind),
		Metric: "first_response", Level: level, Source: "zendesk", TicketID: "4711",
		TicketURL: "https://acme.zendesk.com/agent/tickets/4711", Policy: "realtime", Team: "support",
		Priority: "urgent", Channel: "chat", DueAt: due, At: at, SentAt: at,
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a minute"},
		{59 * time.Second, "less than a minute"},
		{time.Minute, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{14 * time.Minute, "14 minutes"},
		{14*time.Minute + 29*time.Second, "14 minutes"},
		{14*time.Minute + 30*time.Second, "15 minutes"},
		{59*time.Minute + 40*time.Second, "1 hour"},
		{65 * time.Minute, "1 hour 5 minutes"},
		{-65 * time.Minute, "1 hour 5 minutes"},
		{2 * time.Hour, "2 hours"},
		{2*time.Hour + time.Minute, "2 hours 1 minute"},
		{23*time.Hour + 59*time.Minute + 50*time.Second, "1 day"},
		{24 * time.Hour, "1 day"},
		{25*time.Hour + 40*time.Minute, "1 day 2 hours"},
		{51 * time.Hour, "2 days 3 hours"},
		{72*time.Hour + 20*time.Minute, "3 days"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestRender(t *testing.T) {
	ny := newYork(t)
	esc := alert(KindEscalation, 2, due.Add(4*time.Hour))
	esc.Notify = []string{"support-lead"}
	noLink := alert(KindPredicted, 0, due.Add(-30*time.Minute))
	noLink.TicketURL = ""
	late := Alert{
		ID: "freshdesk/99/next_reply/2/sla.breach/0", Kind: KindBreach, Severity: "critical", Metric: "next_reply", Cycle: 2,
		Source: "freshdesk", TicketID: "99", TicketURL: "https://acme.freshdesk.com/a/tickets/99", Policy: "email",
		DueAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), At: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	}
	for _, c := range []struct {
		name                   string
		a                      Alert
		loc                    *time.Location
		now                    time.Time
		subject, sms, deadline string
		email                  string // whole body when set
	}{{
		name:     "breach 65 minutes overdue",
		a:        alert(KindBreach, 0, due),
		loc:      ny,
		now:      due.Add(65 * time.Minute),
		subject:  "[critical] SLA breached: zendesk ticket 4711, first response overdue by 1 hour 5 minutes",
		sms:      "SLA breached: zendesk ticket 4711, first response overdue by 1 hour 5 minutes (due 10:00 EST) https://acme.zendesk.com/agent/tickets/4711",
		deadline: "overdue by 1 hour 5 minutes (due 10:00 EST)",
		email: `SLA breached: zendesk ticket 4711, first response overdue by 1 hour 5 minutes

Ticket:   https://acme.zendesk.com/agent/tickets/4711
Policy:   realtime (first response)
Priority: urgent
Channel:  chat
Team:     support
Notify:   everyone subscribed for team support
Deadline: overdue by 1 hour 5 minutes (due 10:00 EST)

Severity critical, alert sla.breach, id zendesk/4711/first_response/0/sla.breach/0.
Times are in America/New_York. Sent by slawatch.
`,
	}, {
		name:     "breach at the deadline",
		a:        alert(KindBreach, 0, due),
		loc:      ny,
		now:      due.Add(20 * time.Second),
		subject:  "[critical] SLA breached: zendesk ticket 4711, first response overdue by less than a minute",
		sms:      "SLA breached: zendesk ticket 4711, first response overdue by less than a minute (due 10:00 EST) https://acme.zendesk.com/agent/tickets/4711",
		deadline: "overdue by less than a minute (due 10:00 EST)",
	}, {
		name:     "warning 14 minutes before",
		a:        alert(KindWarning, 1, due.Add(-15*time.Minute)),
		loc:      ny,
		now:      due.Add(-14 * time.Minute),
		subject:  "[warning] SLA warning: zendesk ticket 4711, first response due in 14 minutes",
		sms:      "SLA warning: zendesk ticket 4711, first response due in 14 minutes (10:00 EST) https://acme.zendesk.com/agent/tickets/4711",
		deadline: "due in 14 minutes (10:00 EST, Mon 23 Nov)",
		email: `SLA warning: zendesk ticket 4711, first response due in 14 minutes

Ticket:   https://acme.zendesk.com/agent/tickets/4711
Policy:   realtime (first response)
Priority: urgent
Channel:  chat
Team:     support
Notify:   everyone subscribed for team support
Deadline: due in 14 minutes (10:00 EST, Mon 23 Nov)

Severity warning, alert sla.warning, id zendesk/4711/first_response/0/sla.warning/1.
Times are in America/New_York. Sent by slawatch.
`,
	}, {
		name:     "predicted breach without a link",
		a:        noLink,
		loc:      ny,
		now:      due.Add(-30 * time.Minute),
		subject:  "[warning] SLA breach predicted: zendesk ticket 4711, first response due in 30 minutes",
		sms:      "SLA breach predicted: zendesk ticket 4711, first response due in 30 minutes (10:00 EST)",
		deadline: "due in 30 minutes (10:00 EST, Mon 23 Nov)",
	}, {
		name:     "escalation level 2",
		a:        esc,
		loc:      ny,
		now:      due.Add(4*time.Hour + 20*time.Second),
		subject:  "[critical] SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours",
		sms:      "SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours (due 10:00 EST) https://acme.zendesk.com/agent/tickets/4711",
		deadline: "overdue by 4 hours (due 10:00 EST)",
		email: `SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours

Ticket:   https://acme.zendesk.com/agent/tickets/4711
Policy:   realtime (first response)
Priority: urgent
Channel:  chat
Team:     support
Notify:   support-lead
Deadline: overdue by 4 hours (due 10:00 EST)

Severity critical, alert sla.escalation, id zendesk/4711/first_response/0/sla.escalation/2.
Times are in America/New_York. Sent by slawatch.
`,
	}, {
		// 141 characters with the link: the SMS drops it.
		name:     "recovered",
		a:        alert(KindRecovered, 0, due.Add(65*time.Minute)),
		loc:      ny,
		now:      due.Add(70 * time.Minute),
		subject:  "[info] SLA recovered: zendesk ticket 4711, first response answered 1 hour 5 minutes late",
		sms:      "SLA recovered: zendesk ticket 4711, first response answered 1 hour 5 minutes late (due 10:00 EST)",
		deadline: "answered 1 hour 5 minutes late (due 10:00 EST)",
	}, {
		name:     "next reply two days late, in UTC",
		a:        late,
		now:      time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		subject:  "[critical] SLA breached: freshdesk ticket 99, next reply (cycle 2) overdue by 2 days 3 hours",
		sms:      "SLA breached: freshdesk ticket 99, next reply (cycle 2) overdue by 2 days 3 hours (due 09:00 UTC) https://acme.freshdesk.com/a/tickets/99",
		deadline: "overdue by 2 days 3 hours (due 09:00 UTC, Sat 21 Nov)",
		email: `SLA breached: freshdesk ticket 99, next reply (cycle 2) overdue by 2 days 3 hours

Ticket:   https://acme.freshdesk.com/a/tickets/99
Policy:   email (next reply, cycle 2)
Notify:   everyone subscribed
Deadline: overdue by 2 days 3 hours (due 09:00 UTC, Sat 21 Nov)

Severity critical, alert sla.breach, id freshdesk/99/next_reply/2/sla.breach/0.
Times are in UTC. Sent by slawatch.
`,
	}} {
		t.Run(c.name, func(t *testing.T) {
			m := Render(c.a, c.loc, c.now)
			if m.Subject != c.subject {
				t.Errorf("subject\n got %q\nwant %q", m.Subject, c.subject)
			}
			if m.SMS != c.sms {
				t.Errorf("sms\n got %q\nwant %q", m.SMS, c.sms)
			}
			if n := utf8.RuneCountInString(m.SMS); n > MaxSMS {
				t.Errorf("sms has %d characters", n)
			}
			if !strings.Contains(m.Email, "\nDeadline: "+c.deadline+"\n") {
				t.Errorf("email has no deadline line %q:\n%s", c.deadline, m.Email)
			}
			if first, _, _ := strings.Cut(m.Email, "\n"); first != strings.TrimPrefix(c.subject, "["+c.a.Severity+"] ") {
				t.Errorf("email's first line %q is not the subject %q", first, c.subject)
			}
			if c.email != "" && m.Email != c.email {
				t.Errorf("email\n got:\n%s\nwant:\n%s", m.Email, c.email)
			}
			if c.a.TicketURL == "" && !strings.Contains(m.Email, "Ticket:   zendesk ticket 4711 (no link)\n") {
				t.Errorf("email without a link names no ticket:\n%s", m.Email)
			}
		})
	}
}

// digest is a storm of n breaches for team support, oldest first.
func digest(n int) Alert {
	a := Alert{ID: "digest/support/2026-11-23T16:05:00Z", Kind: KindBreachDigest, Severity: "critical", Team: "support",
		At: due.Add(65 * time.Minute), SentAt: due.Add(65 * time.Minute)}
	a.Tickets = append(a.Tickets,
		DigestItem{Source: "zendesk", TicketID: "4711", TicketURL: "https://acme.zendesk.com/agent/tickets/4711", Metric: "first_response", Priority: "urgent", DueAt: due},
		DigestItem{Source: "zendesk", TicketID: "4712", Metric: "next_reply", DueAt: due.Add(time.Hour)})
	for i := len(a.Tickets); i < n; i++ {
		a.Tickets = append(a.Tickets, DigestItem{Source: "zendesk", TicketID: fmt.Sprint(4711 + i), Metric: "first_response", DueAt: due.Add(time.Hour + time.Duration(i)*time.Second)})
	}
	return a
}

func TestRenderDigest(t *testing.T) {
	ny := newYork(t)
	now := due.Add(65 * time.Minute)
	m := renderLimit(digest(12), ny, now, 2)
	want := `12 tickets breached for team support in the last run

- zendesk ticket 4711, first response, urgent, due 10:00 EST, Mon 23 Nov (overdue by 1 hour 5 minutes)
  https://acme.zendesk.com/agent/tickets/4711
- zendesk ticket 4712, next reply, due 11:00 EST, Mon 23 Nov (overdue by 5 minutes)
- and 10 more not listed here

Team:     support
Notify:   everyone subscribed for team support

Severity critical, alert sla.breach_digest, id digest/support/2026-11-23T16:05:00Z.
Times are in America/New_York. Sent by slawatch.
`
	if m.Email != want {
		t.Errorf("email\n got:\n%s\nwant:\n%s", m.Email, want)
	}
	if want := "SLA breaches: 12 tickets breached for team support in the last run, oldest due 10:00 EST"; m.SMS != want {
		t.Errorf("sms\n got %q\nwant %q", m.SMS, want)
	}
	if want := "[critical] SLA breaches: 12 tickets breached for team support in the last run"; m.Subject != want {
		t.Errorf("subject\n got %q\nwant %q", m.Subject, want)
	}
	var doc struct {
		TicketCount int          `json:"ticket_count"`
		Tickets     []DigestItem `json:"tickets"`
	}
	if err := json.Unmarshal([]byte(m.Default), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.TicketCount != 12 || len(doc.Tickets) != 2 || doc.Tickets[0].TicketID != "4711" {
		t.Errorf("document lists %d of %d tickets: %+v", len(doc.Tickets), doc.TicketCount, doc.Tickets)
	}

	// Render lists up to 50; one ticket reads in the singular.
	m = Render(digest(60), ny, now)
	if got := strings.Count(m.Email, "\n- zendesk ticket "); got != 50 {
		t.Errorf("email lists %d tickets, want 50", got)
	}
	if !strings.Contains(m.Email, "\n- and 10 more not listed here\n") {
		t.Errorf("email does not count the rest:\n%s", m.Email)
	}
	one := digest(1)
	one.Tickets = one.Tickets[:1]
	if m := Render(one, ny, now); !strings.HasPrefix(m.Email, "1 ticket breached for team support in the last run\n") {
		t.Errorf("one-ticket digest: %q", m.Email[:60])
	}
}

// TestRenderBounds feeds absurd sources, ids, links and teams: the SMS stays
// within 140 characters and the subject within SNS's rules, whatever the kind.
func TestRenderBounds(t *testing.T) {
	ny := newYork(t)
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	for _, kind := range []string{KindWarning, KindPredicted, KindBreach, KindEscalation, KindRecovered, KindBreachDigest, "sla.unknown"} {
		for _, shape := range []struct {
			name string
			edit func(*Alert)
		}{
			{"long ids", func(a *Alert) {
				a.Source, a.TicketID, a.TicketURL = long("helpdesk-", 30), long("TICKET", 100), "https://x.example/"+long("p/", 1000)
			}},
			{"unicode and newlines", func(a *Alert) {
				a.Source, a.TicketID, a.Team = long("Ünïcødé ", 40), "line\nbreak\t"+long("票", 200), long("サポート", 100)
				a.Notify = []string{long("lead-", 50)}
			}},
			{"empty", func(a *Alert) { *a = Alert{Kind: a.Kind} }},
		} {
			a := alert(kind, 3, due)
			a.Tickets = digest(500).Tickets
			shape.edit(&a)
			m := Render(a, ny, due.Add(26*time.Hour))
			if n := utf8.RuneCountInString(m.SMS); n > MaxSMS || n == 0 {
				t.Errorf("%s/%s: sms has %d characters: %q", kind, shape.name, n, m.SMS)
			}
			if strings.ContainsAny(m.SMS, "\n\r\t") {
				t.Errorf("%s/%s: sms has a line break: %q", kind, shape.name, m.SMS)
			}
			if len(m.Subject) > MaxSubject || m.Subject == "" || m.Subject[0] == ' ' {
				t.Errorf("%s/%s: subject of %d bytes: %q", kind, shape.name, len(m.Subject), m.Subject)
			}
			for _, r := range m.Subject {
				if r < 0x20 || r > 0x7e {
					t.Errorf("%s/%s: subject has %q", kind, shape.name, r)
					break
				}
			}
			if !json.Valid([]byte(m.Default)) {
				t.Errorf("%s/%s: default is not JSON", kind, shape.name)
			}
		}
	}
	// Long ids are shortened before the deadline is given up.
	a := alert(KindBreach, 0, due)
	a.Source, a.TicketID = long("s", 200), long("1", 200)
	m := Render(a, ny, due.Add(65*time.Minute))
	want := "SLA breached: sssssssssssss... ticket 111111111111111111111..., first response overdue by 1 hour 5 minutes (due 10:00 EST)"
	if m.SMS != want {
		t.Errorf("sms\n got %q\nwant %q", m.SMS, want)
	}
}

func TestDefaultDocument(t *testing.T) {
	ny := newYork(t)
	esc := alert(KindEscalation, 2, due.Add(4*time.Hour))
	esc.Notify = []string{"on-call", "support-lead"}
	m := Render(esc, ny, due.Add(4*time.Hour+30*time.Second))
	// 4 hours 30 seconds rounds to 4 hours 1 minute: to the nearest minute.
	var doc map[string]any
	if err := json.Unmarshal([]byte(m.Default), &doc); err != nil {
		t.Fatalf("default is not JSON: %v\n%s", err, m.Default)
	}
	want := map[string]any{
		"schema": "slawatch.alert/1", "id": "zendesk/4711/first_response/0/sla.escalation/2", "kind": "sla.escalation",
		"severity": "critical", "summary": "SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours 1 minute",
		"source": "zendesk", "ticket_id": "4711", "ticket_url": "https://acme.zendesk.com/agent/tickets/4711",
		"metric": "first_response", "cycle": 0.0, "level": 2.0, "policy": "realtime", "team": "support",
		"priority": "urgent", "channel": "chat", "due_at": "2026-11-23T15:00:00Z", "at": "2026-11-23T19:00:00Z",
		"sent_at": "2026-11-23T19:00:00Z", "notify": []any{"on-call", "support-lead"}, "overdue_seconds": 14430.0,
	}
	for k, v := range want {
		if got, _ := json.Marshal(doc[k]); string(got) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
		}
	}
	for k := range doc {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s = %v", k, doc[k])
		}
	}

	// Before the deadline: time_left_seconds and no overdue_seconds; a
	// recovered alert says how late the reply was.
	m = Render(alert(KindWarning, 1, due.Add(-15*time.Minute)), ny, due.Add(-14*time.Minute))
	doc = nil
	_ = json.Unmarshal([]byte(m.Default), &doc)
	if doc["time_left_seconds"] != 840.0 || doc["overdue_seconds"] != nil || doc["notify"] == nil {
		t.Errorf("warning: %s", m.Default)
	}
	m = Render(alert(KindRecovered, 0, due.Add(65*time.Minute)), ny, due.Add(3*time.Hour))
	doc = nil
	_ = json.Unmarshal([]byte(m.Default), &doc)
	if doc["overdue_seconds"] != 3900.0 || doc["time_left_seconds"] != nil {
		t.Errorf("recovered: %s", m.Default)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestAttributes(t *testing.T) {
	m := Render(alert(KindEscalation, 2, due), nil, due)
	want := map[string]string{"kind": "sla.escalation", "severity": "critical", "metric": "first_response",
		"source": "zendesk", "team": "support", "channel": "chat", "priority": "urgent", "level": "2"}
	if mustJSON(m.Attributes) != mustJSON(want) {
		t.Errorf("attributes = %v, want %v", m.Attributes, want)
	}
	// Empty values are left out (SNS refuses them); level is always there.
	m = Render(Alert{Kind: KindBreachDigest, Team: "support"}, nil, due)
	want = map[string]string{"kind": "sla.breach_digest", "severity": "critical", "team": "support", "level": "0"}
	if mustJSON(m.Attributes) != mustJSON(want) {
		t.Errorf("digest attributes = %v, want %v", m.Attributes, want)
	}
	if AttributeType("level") != "Number" || AttributeType("severity") != "String" {
		t.Error("level must be a Number attribute, the rest String")
	}
}

func TestChatbotJSON(t *testing.T) {
	ny := newYork(t)
	esc := alert(KindEscalation, 2, due.Add(4*time.Hour))
	esc.Notify = []string{"support-lead"}
	got := ChatbotJSON(esc, ny, due.Add(4*time.Hour))
	want := `{"version":"1.0","source":"custom","id":"zendesk/4711/first_response/0/sla.escalation/2",` +
		`"content":{"textType":"client-markdown","title":":rotating_light: SLA escalation level 2: zendesk ticket 4711",` +
		`"description":"*first response overdue by 4 hours* (due 10:00 EST)\nPolicy: realtime · Priority: urgent · Channel: chat · Team: support\nNotify: support-lead",` +
		`"nextSteps":["Reply to the customer now: https://acme.zendesk.com/agent/tickets/4711","Escalated to support-lead"],` +
		`"keywords":["sla.escalation","critical","support","urgent"]},` +
		`"metadata":{"threadId":"zendesk/4711","summary":"SLA escalation level 2: zendesk ticket 4711, first response overdue by 4 hours",` +
		`"eventType":"sla.escalation","additionalContext":{"alert_id":"zendesk/4711/first_response/0/sla.escalation/2",` +
		`"due_at":"2026-11-23T15:00:00Z","level":"2","schema":"slawatch.alert/1","source":"zendesk","team":"support","ticket_id":"4711"}}}`
	if got != want {
		t.Errorf("chatbot\n got %s\nwant %s", got, want)
	}

	w := ChatbotJSON(alert(KindWarning, 1, due.Add(-15*time.Minute)), ny, due.Add(-14*time.Minute))
	var n struct {
		Content struct {
			Title       string   `json:"title"`
			Description string   `json:"description"`
			NextSteps   []string `json:"nextSteps"`
		} `json:"content"`
	}
	if err := json.Unmarshal([]byte(w), &n); err != nil {
		t.Fatal(err)
	}
	if n.Content.Title != ":warning: SLA warning: zendesk ticket 4711" ||
		n.Content.Description != "*first response due in 14 minutes* (10:00 EST, Mon 23 Nov)\nPolicy: realtime · Priority: urgent · Channel: chat · Team: support" ||
		len(n.Content.NextSteps) != 1 || n.Content.NextSteps[0] != "Reply to the customer before 10:00 EST: https://acme.zendesk.com/agent/tickets/4711" {
		t.Errorf("warning: %s", w)
	}

	d := ChatbotJSON(digest(12), ny, due.Add(65*time.Minute))
	n.Content.NextSteps = nil
	var meta struct {
		Metadata struct {
			ThreadID string `json:"threadId"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal([]byte(d), &meta)
	if err := json.Unmarshal([]byte(d), &n); err != nil {
		t.Fatal(err)
	}
	if n.Content.Title != ":rotating_light: 12 tickets breached for team support in the last run" ||
		strings.Count(n.Content.Description, "• ") != 10 || !strings.HasSuffix(n.Content.Description, "\n… and 2 more") ||
		meta.Metadata.ThreadID != "digest/support" {
		t.Errorf("digest: %s", d)
	}
}

func TestConsolePrintsTheSNSMessages(t *testing.T) {
	var buf bytes.Buffer
	c := &Console{w: &buf, loc: time.UTC, now: func() time.Time { return time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC) }}
	a := Alert{ID: "s/1/first_response/0/sla.breach/0", Kind: KindBreach, Severity: "critical", Source: "s", TicketID: "1",
		Metric: "first_response", Team: "support", DueAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	if err := c.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	want := Render(a, time.UTC, time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC))
	if got := buf.String(); got != "ALERT "+want.Default+"\n      sms: "+want.SMS+"\n" {
		t.Errorf("console printed %q", got)
	}
	if !strings.Contains(buf.String(), `"overdue_seconds":300`) {
		t.Errorf("no overdue time in %q", buf.String())
	}
}

// The heartbeat's alerts are about a source: their texts name it, and no
// ticket.
func TestRenderSourceAlerts(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		kind, want string
	}{
		{KindSourceSilent, "Intake silent: no webhook from zendesk while the team is open, since Mon 09:00 UTC"},
		{KindSourceBack, "Intake back: webhooks from zendesk arrive again"},
		{KindSourceRejected, "Intake refusing: webhooks from zendesk keep failing verification (a changed secret or URL?)"},
	} {
		m := Render(Alert{ID: "source/zendesk/" + tt.kind, Kind: tt.kind, Severity: SeverityOf(tt.kind), Source: "zendesk", At: at, SentAt: at}, time.UTC, at)
		d, err := ParseDocument([]byte(m.Default))
		if err != nil {
			t.Fatal(err)
		}
		if d.Summary != tt.want || !strings.Contains(m.Subject, tt.want[:20]) || !strings.HasPrefix(m.SMS, tt.want[:20]) {
			t.Errorf("%s: summary %q, subject %q, sms %q; want %q", tt.kind, d.Summary, m.Subject, m.SMS, tt.want)
		}
		if strings.Contains(m.Default, "ticket") && !strings.Contains(m.Default, `"tickets"`) && strings.Contains(m.Default, `"ticket_id"`) {
			t.Errorf("%s names a ticket: %s", tt.kind, m.Default)
		}
	}
}

// resolutionAlert is alert for the resolution clock of the same ticket.
func resolutionAlert(kind string, level int, at time.Time) Alert {
	a := alert(kind, level, at)
	a.Metric = "resolution"
	a.ID = fmt.Sprintf("zendesk/4711/resolution/0/%s/%d", kind, level)
	return a
}

// The resolution clock is named so, and it is solved, not answered.
func TestRenderResolution(t *testing.T) {
	ny := newYork(t)
	for _, c := range []struct {
		name      string
		a         Alert
		now       time.Time
		subject   string
		nextSteps string
	}{
		{"breach", resolutionAlert(KindBreach, 0, due), due.Add(2 * 24 * time.Hour),
			"[critical] SLA breached: zendesk ticket 4711, resolution overdue by 2 days",
			"Solve the ticket now: https://acme.zendesk.com/agent/tickets/4711"},
		{"warning", resolutionAlert(KindWarning, 1, due.Add(-4*time.Hour)), due.Add(-4 * time.Hour),
			"[warning] SLA warning: zendesk ticket 4711, resolution due in 4 hours",
			"Solve the ticket before 10:00 EST: https://acme.zendesk.com/agent/tickets/4711"},
		{"recovered", resolutionAlert(KindRecovered, 0, due.Add(26*time.Hour)), due.Add(26 * time.Hour),
			"[info] SLA recovered: zendesk ticket 4711, resolution solved 1 day 2 hours late",
			"Nothing to do: the ticket is solved"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if m := Render(c.a, ny, c.now); m.Subject != c.subject || !strings.Contains(m.Email, "Policy:   realtime (resolution)\n") {
				t.Errorf("subject\n got %q\nwant %q\nemail:\n%s", m.Subject, c.subject, m.Email)
			}
			var n struct {
				Content struct {
					NextSteps []string `json:"nextSteps"`
				} `json:"content"`
			}
			if err := json.Unmarshal([]byte(ChatbotJSON(c.a, ny, c.now)), &n); err != nil || len(n.Content.NextSteps) == 0 || n.Content.NextSteps[0] != c.nextSteps {
				t.Errorf("next steps %q, want %q first (err %v)", n.Content.NextSteps, c.nextSteps, err)
			}
		})
	}
}
