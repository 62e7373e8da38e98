package event_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

func valid() event.Event {
	return event.Event{Source: "s", TicketID: "1", ID: "e", Kind: event.CustomerMessage, OccurredAt: time.Unix(1, 0)}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*event.Event)
		field  string // "" when valid
	}{
		{"valid", func(*event.Event) {}, ""},
		{"no source", func(e *event.Event) { e.Source = "" }, "source"},
		{"no ticket", func(e *event.Event) { e.TicketID = "" }, "ticket_id"},
		{"no id", func(e *event.Event) { e.ID = "" }, "event_id"},
		{"no time", func(e *event.Event) { e.OccurredAt = time.Time{} }, "occurred_at"},
		{"unknown kind", func(e *event.Event) { e.Kind = "ticket_exploded" }, "kind"},
		{"unknown channel", func(e *event.Event) { e.Channel = "pigeon" }, "channel"},
		{"unknown priority", func(e *event.Event) { e.Priority = "critical" }, "priority"},
		{"unknown status", func(e *event.Event) { e.Status = "resolved" }, "status"},
		{"unknown author", func(e *event.Event) { e.Author = "robot" }, "author"},
		{"status change without status", func(e *event.Event) { e.Kind = event.StatusChanged }, "status"},
		{"priority change without priority", func(e *event.Event) { e.Kind = event.PriorityChanged }, "priority"},
		{"reply without author", func(e *event.Event) { e.Kind = event.AgentReply }, "author"},
		{"customer fields", func(e *event.Event) { e.Organization, e.Company, e.Domain = "361", "Acme Inc.", "acme.example" }, ""},
		{"an e-mail address as domain", func(e *event.Event) { e.Domain = "ann@acme.example" }, "domain"},
		{"an upper-case domain", func(e *event.Event) { e.Domain = "Acme.example" }, "domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := valid()
			tt.mutate(&e)
			err := e.Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.field != "" && (!errors.Is(err, event.ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid event: "+tt.field+": ")):
				t.Errorf("Validate = %v, want an ErrInvalid naming %s", err, tt.field)
			}
		})
	}
}

func TestCountsAsResponse(t *testing.T) {
	reply := event.Event{Kind: event.AgentReply, Author: event.Agent, Public: true}
	tests := []struct {
		name   string
		mutate func(*event.Event)
		want   bool
	}{
		{"public agent reply", func(*event.Event) {}, true},
		{"private reply", func(e *event.Event) { e.Public = false }, false},
		{"bot reply", func(e *event.Event) { e.Author = event.Bot }, false},
		{"slawatch acknowledgement", func(e *event.Event) { e.Acknowledgement = true }, false},
		{"internal note", func(e *event.Event) { e.Kind = event.InternalNote }, false},
		{"customer message", func(e *event.Event) { e.Kind, e.Author = event.CustomerMessage, event.Customer }, false},
	}
	for _, tt := range tests {
		e := reply
		tt.mutate(&e)
		if got := e.CountsAsResponse(); got != tt.want {
			t.Errorf("%s: CountsAsResponse = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChannelClasses(t *testing.T) {
	for _, c := range event.Channels() {
		want := c == event.Chat || c == event.Messaging || c == event.Social || c == event.Phone || c == event.SMS
		if c.RealTime() != want {
			t.Errorf("%s.RealTime() = %v, want %v", c, c.RealTime(), want)
		}
	}
}

func TestParseUnknownGivesZero(t *testing.T) {
	if c, ok := event.ParseChannel("pigeon"); ok || c != "" {
		t.Errorf("ParseChannel(pigeon) = %q, %v", c, ok)
	}
	if p, ok := event.ParsePriority("P9"); ok || p != "" {
		t.Errorf("ParsePriority(P9) = %q, %v", p, ok)
	}
	if p, ok := event.ParsePriority("urgent"); !ok || p != event.Urgent {
		t.Errorf("ParsePriority(urgent) = %q, %v", p, ok)
	}
}

func TestCheck(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	ok := func() event.Event {
		return event.Event{Source: "s", TicketID: "1", ID: "e", Kind: event.CustomerMessage, OccurredAt: now.Add(-time.Minute)}
	}
	tests := []struct {
		name   string
		mutate func(*event.Event)
		skew   time.Duration
		field  string // "" when accepted
		reason string // a part of the reason
	}{
		{"valid", func(*event.Event) {}, 0, "", ""},
		{"Validate runs first", func(e *event.Event) { e.Kind, e.TicketID = "x", strings.Repeat("a", 600) }, 0, "kind", "unknown kind"},

		// Lengths are bytes of UTF-8, not characters.
		{"ticket_id of 512 bytes", func(e *event.Event) { e.TicketID = strings.Repeat("a", 512) }, 0, "", ""},
		{"ticket_id of 513 bytes", func(e *event.Event) { e.TicketID = strings.Repeat("a", 513) }, 0, "ticket_id", "longer than 512 bytes (513)"},
		{"ticket_id of 256 two-byte characters", func(e *event.Event) { e.TicketID = strings.Repeat("é", 256) }, 0, "", ""},
		{"ticket_id of 257 two-byte characters", func(e *event.Event) { e.TicketID = strings.Repeat("é", 257) }, 0, "ticket_id", "longer than 512 bytes (514)"},
		{"ticket_id of 10,000 bytes", func(e *event.Event) { e.TicketID = strings.Repeat("7", 10_000) }, 0, "ticket_id", "longer than 512 bytes (10000)"},
		{"event_id of 512 bytes", func(e *event.Event) { e.ID = strings.Repeat("e", 512) }, 0, "", ""},
		{"event_id of 5,000 bytes", func(e *event.Event) { e.ID = strings.Repeat("e", 5_000) }, 0, "event_id", "longer than 512 bytes (5000)"},

		// Characters that rewrite a log line, an SMS or a terminal.
		{"NUL", func(e *event.Event) { e.TicketID = "4\x002" }, 0, "ticket_id", "U+0000 at byte 1"},
		{"CR LF", func(e *event.Event) { e.TicketID = "42\r\nlevel=ERROR" }, 0, "ticket_id", "U+000D at byte 2"},
		{"ESC", func(e *event.Event) { e.ID = "\x1b[31mred" }, 0, "event_id", "U+001B at byte 0"},
		{"tab", func(e *event.Event) { e.ID = "a\tb" }, 0, "event_id", "U+0009"},
		{"DEL", func(e *event.Event) { e.TicketID = "42\x7f" }, 0, "ticket_id", "U+007F"},
		{"C1 next line U+0085", func(e *event.Event) { e.TicketID = "42\u0085" }, 0, "ticket_id", "U+0085"},
		{"line separator U+2028", func(e *event.Event) { e.TicketID = "42\u2028x" }, 0, "ticket_id", "U+2028 at byte 2"},
		{"paragraph separator U+2029", func(e *event.Event) { e.TicketID = "42\u2029x" }, 0, "ticket_id", "U+2029"},
		{"right-to-left override U+202E", func(e *event.Event) { e.TicketID = "42\u202egpj.exe" }, 0, "ticket_id", "U+202E at byte 2"},
		{"zero-width space U+200B", func(e *event.Event) { e.ID = "e\u200b" }, 0, "event_id", "U+200B"},
		{"no-break space U+00A0", func(e *event.Event) { e.ID = "e\u00a01" }, 0, "event_id", "U+00A0"},
		{"byte-order mark U+FEFF", func(e *event.Event) { e.ID = "\ufeffe" }, 0, "event_id", "U+FEFF at byte 0"},
		{"invalid UTF-8", func(e *event.Event) { e.TicketID = "4\xff2" }, 0, "ticket_id", "not valid UTF-8 at byte 1"},
		{"truncated UTF-8 sequence", func(e *event.Event) { e.TicketID = "42\xc3" }, 0, "ticket_id", "not valid UTF-8 at byte 2"},
		// Printable text, whatever the script, passes.
		{"GitHub id with slash, hash and space", func(e *event.Event) { e.TicketID = "octo org/help desk#42" }, 0, "", ""},
		{"letters and symbols beyond ASCII", func(e *event.Event) { e.TicketID, e.ID = "Ärger-7·票", "ü€😀" }, 0, "", ""},
		{"U+FFFD itself", func(e *event.Event) { e.TicketID = "4\uFFFD2" }, 0, "", ""},

		// Tags fill the ticket item, which DynamoDB caps at 400 KB.
		{"100 tags of 255 bytes", func(e *event.Event) { e.Tags = slices.Repeat([]string{strings.Repeat("t", 255)}, 100) }, 0, "", ""},
		{"101 tags", func(e *event.Event) { e.Tags = slices.Repeat([]string{"vip"}, 101) }, 0, "tags", "101 tags, more than 100"},
		{"a tag of 256 bytes", func(e *event.Event) { e.Tags = []string{"vip", strings.Repeat("t", 256)} }, 0, "tags[1]", "longer than 255 bytes (256)"},
		{"a tag with a newline", func(e *event.Event) { e.Tags = []string{"vip\nlevel=ERROR"} }, 0, "tags[0]", "U+000A at byte 3"},
		{"no tags", func(e *event.Event) { e.Tags = []string{} }, 0, "", ""},

		// The customer's fields are matched by the configuration and may
		// reach alerts.
		{"organization of 512 bytes", func(e *event.Event) { e.Organization = strings.Repeat("o", 512) }, 0, "", ""},
		{"organization of 513 bytes", func(e *event.Event) { e.Organization = strings.Repeat("o", 513) }, 0, "organization", "longer than 512 bytes (513)"},
		{"organization with a newline", func(e *event.Event) { e.Organization = "42\nlevel=ERROR" }, 0, "organization", "U+000A at byte 2"},
		{"company of 255 bytes", func(e *event.Event) { e.Company = strings.Repeat("c", 255) }, 0, "", ""},
		{"company of 256 bytes", func(e *event.Event) { e.Company = strings.Repeat("c", 256) }, 0, "company", "longer than 255 bytes (256)"},
		{"company with a right-to-left override", func(e *event.Event) { e.Company = "Acme\u202e" }, 0, "company", "U+202E at byte 4"},
		{"company with spaces and accents", func(e *event.Event) { e.Company = "Société Générale SA" }, 0, "", ""},
		{"domain of 254 bytes", func(e *event.Event) { e.Domain = strings.Repeat("d", 254) }, 0, "domain", "longer than 253 bytes (254)"},
		{"domain with a space", func(e *event.Event) { e.Domain = "acme .example" }, 0, "domain", "contains a space"},
		{"domain with an @", func(e *event.Event) { e.Domain = "ann@acme.example" }, 0, "domain", "not an address"},

		// Times.
		{"exactly 24h ahead", func(e *event.Event) { e.OccurredAt = now.Add(24 * time.Hour) }, 0, "", ""},
		{"24h and 1ns ahead", func(e *event.Event) { e.OccurredAt = now.Add(24*time.Hour + 1) }, 0, "occurred_at", "more than 24h0m0s after the time of receipt 2026-11-23T09:30:00Z"},
		{"in 2100", func(e *event.Event) { e.OccurredAt = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }, 0, "occurred_at", "2100-01-01T00:00:00Z is more than"},
		{"2h ahead with a 1h skew", func(e *event.Event) { e.OccurredAt = now.Add(2 * time.Hour) }, time.Hour, "occurred_at", "more than 1h0m0s"},
		{"2h ahead with a 48h skew", func(e *event.Event) { e.OccurredAt = now.Add(2 * time.Hour) }, 48 * time.Hour, "", ""},
		{"30h ahead with a 48h skew", func(e *event.Event) { e.OccurredAt = now.Add(30 * time.Hour) }, 48 * time.Hour, "", ""},
		{"a year ago", func(e *event.Event) { e.OccurredAt = now.AddDate(-1, 0, 0) }, 0, "", ""},
		{"2000-01-01T00:00:00Z", func(e *event.Event) { e.OccurredAt = event.MinOccurredAt }, 0, "", ""},
		{"1999-12-31T23:59:59Z", func(e *event.Event) { e.OccurredAt = event.MinOccurredAt.Add(-time.Second) }, 0, "occurred_at", "before 2000-01-01"},
		// 1795424400 (2026-11-23T09:00:00Z) in seconds read as milliseconds.
		{"seconds read as milliseconds", func(e *event.Event) { e.OccurredAt = time.UnixMilli(1795424400) }, 0, "occurred_at", "1970-01-21T18:43:44Z is before 2000-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok()
			tt.mutate(&e)
			err := e.Check(now, tt.skew)
			if tt.field == "" {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
				return
			}
			var fe *event.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, event.ErrInvalid) {
				t.Fatalf("Check = %v, want a *FieldError wrapping ErrInvalid", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("Check = field %q reason %q, want field %q with %q", fe.Field, fe.Reason, tt.field, tt.reason)
			}
			if want := "invalid event: " + fe.Field + ": " + fe.Reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestCheckNeverEchoesIDs: the reason goes to logs and to the sender; an
// id's own bytes must not, whatever they are.
func TestCheckNeverEchoesIDs(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	for _, id := range []string{"SECRET\x00", "SECRET\r\nfake log line", "SECRET\u202e", strings.Repeat("SECRET", 100)} {
		e := event.Event{Source: "s", TicketID: id, ID: "e", Kind: event.CustomerMessage, OccurredAt: now}
		err := e.Check(now, 0)
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("Check(%q) = %v, want an error that does not quote the id", id, err)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"ann@acme.example", "acme.example"},
		{"Ann.Lee@Mail.ACME.example", "mail.acme.example"},
		{"  bob@acme.example.  ", "acme.example"},
		{"Ann Lee <ann@acme.example>", "acme.example"},
		{`"odd@name"@acme.example`, "acme.example"},
		{"no-at-sign", ""},
		{"@acme_support", ""},
		{"+33 1 23 45 67 89", ""},
		{"ann@localhost", ""},
		{"ann@", ""},
		{"", ""},
		{"ann@acme example", ""},
		{"ann@acme\x00.example", ""},
		{"ann@" + strings.Repeat("d", 254), ""},
	}
	for _, tt := range tests {
		if got := event.EmailDomain(tt.addr); got != tt.want {
			t.Errorf("EmailDomain(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestCustomerField(t *testing.T) {
	tests := []struct{ field, v, want string }{
		{"organization", " 361 ", "361"},
		{"organization", strings.Repeat("o", 513), ""},
		{"company", "Acme\nlevel=ERROR", ""},
		{"company", "Société Générale", "Société Générale"},
		{"company", strings.Repeat("c", 256), ""},
		{"domain", "acme.example", "acme.example"},
		{"domain", "ann@acme.example", ""},
		{"domain", "ACME.example", ""},
		{"domain", "acme example", ""},
	}
	for _, tt := range tests {
		if got := event.CustomerField(tt.field, tt.v); got != tt.want {
			t.Errorf("CustomerField(%s, %q) = %q, want %q", tt.field, tt.v, got, tt.want)
		}
	}
}

// An event that removes every tag says so through JSON too: an empty set
// is not "unchanged" once the ticket item is read back from the store.
func TestTagsRemovedSurviveJSON(t *testing.T) {
	for _, tt := range []struct {
		tags    []string
		json    string
		removed bool
	}{
		{nil, ``, false},
		{[]string{}, `"tags":[]`, true},
		{[]string{"vip"}, `"tags":["vip"]`, false},
	} {
		b, err := json.Marshal(event.Event{Tags: tt.tags})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"tags"`); got != (tt.json != "") || !strings.Contains(string(b), tt.json) {
			t.Errorf("%#v encodes as %s, want it to have %q", tt.tags, b, tt.json)
		}
		var back event.Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if removed := back.Tags != nil && len(back.Tags) == 0; removed != tt.removed {
			t.Errorf("%#v read back as %#v", tt.tags, back.Tags)
		}
	}
}
