package intercom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const (
	source = "intercom"
	conv   = "215472946418345"
)

func at(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, time.UTC) }

var fixture = providertest.Fixture

func parse(body []byte, s provider.Settings) (provider.Result, error) {
	if s.Source == "" {
		s.Source = source
	}
	return intercom.Adapter{}.Parse(provider.Request{Method: http.MethodPost, Header: http.Header{}, Body: body}, s)
}

// The expected events are written out by hand from the fixtures and the
// mapping in the package comment.
func TestParseFixtures(t *testing.T) {
	billing := []string{"billing"}
	// Conversation conv was started by alex@example.com (source.author, a
	// user): every event carries the domain. The admin-started one and
	// the tickets (contacts by id only) carry none.
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		{file: "conversation_user_created.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a01", Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Channel: event.Chat, Priority: event.Normal, Tags: billing, Author: event.Customer,
			Organization: "6672f2b5c2e0d33a0b8e4e20", // data.item.company_id
		}}},
		{file: "conversation_admin_single_created.json", want: []event.Event{{
			Source: source, TicketID: "215472946418400", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a02", Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Channel: event.Email, Priority: event.Normal, Tags: []string{}, Author: event.Agent, Public: true,
		}}},
		{file: "conversation_operator_replied.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a03", Kind: event.AgentReply,
			OccurredAt: at(9, 1, 0), Channel: event.Chat, Priority: event.Normal, Tags: billing, Author: event.Bot, Public: true,
		}}},
		{file: "conversation_priority_updated.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a04", Kind: event.PriorityChanged,
			OccurredAt: at(9, 2, 0), Channel: event.Chat, Priority: event.High, Tags: billing,
		}}},
		{file: "conversation_admin_noted.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a05", Kind: event.InternalNote,
			OccurredAt: at(9, 5, 0), Channel: event.Chat, Priority: event.High, Tags: billing, Author: event.Agent,
		}}},
		// The assignment part at the same second is not the reply.
		{file: "conversation_admin_replied.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a06", Kind: event.AgentReply,
			OccurredAt: at(9, 12, 0), Channel: event.Chat, Priority: event.High, Tags: billing, Author: event.Agent, Public: true,
		}}},
		// Fin's answers also arrive on the admin topic; the author says bot.
		{file: "conversation_admin_replied_fin.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a07", Kind: event.AgentReply,
			OccurredAt: at(9, 1, 0), Channel: event.Chat, Priority: event.Normal, Tags: billing, Author: event.Bot, Public: true,
		}}},
		{file: "conversation_admin_replied_ack.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a08", Kind: event.AgentReply,
			OccurredAt: at(9, 0, 29), Channel: event.Chat, Priority: event.Normal, Tags: billing, Author: event.Agent, Public: true,
			Acknowledgement: true,
		}}},
		{file: "conversation_snoozed.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a09", Kind: event.StatusChanged,
			OccurredAt: at(9, 15, 0), Channel: event.Chat, Priority: event.High, Tags: billing, Status: event.Pending,
		}}},
		{file: "conversation_user_replied.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a10", Kind: event.CustomerMessage,
			OccurredAt: at(9, 20, 0), Channel: event.Chat, Priority: event.High, Tags: billing, Author: event.Customer,
		}}},
		{file: "conversation_admin_closed.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a11", Kind: event.StatusChanged,
			OccurredAt: at(9, 25, 0), Channel: event.Chat, Priority: event.High, Tags: billing, Status: event.Solved,
		}}},
		{file: "conversation_part_tag_created.json", want: []event.Event{{
			Source: source, TicketID: conv, Domain: "example.com", ID: "notif_0b6f2a1e-3c4d-4e5f-8a9b-1c2d3e4f5a12", Kind: event.TagsChanged,
			OccurredAt: at(9, 10, 0), Channel: event.Chat, Priority: event.High, Tags: []string{"billing", "refund"},
		}}},
		{file: "conversation_admin_assigned.json", ignored: "conversation.admin.assigned is not tracked"},
		{file: "ticket_created.json", want: []event.Event{{
			Source: source, TicketID: "215472946419001", ID: "notif_7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e01", Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Author: event.Customer,
		}}},
		{file: "ticket_note_created.json", want: []event.Event{{
			Source: source, TicketID: "215472946419001", ID: "notif_7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e02", Kind: event.InternalNote,
			OccurredAt: at(9, 10, 0), Author: event.Agent,
		}}},
		{file: "ticket_state_updated.json", want: []event.Event{{
			Source: source, TicketID: "215472946419001", ID: "notif_7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e03", Kind: event.StatusChanged,
			OccurredAt: at(9, 20, 0), Status: event.Pending,
		}}},
		{file: "ticket_created_tracker.json", ignored: "ticket.created for a Tracker ticket is not tracked: no customer is waiting on it"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := parse(fixture(t, tt.file), provider.Settings{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if res.Ignored != tt.ignored {
				t.Errorf("Ignored = %q, want %q", res.Ignored, tt.ignored)
			}
			if res.Reply != nil {
				t.Errorf("unexpected reply %+v", res.Reply)
			}
			if !reflect.DeepEqual(res.Events, tt.want) {
				t.Errorf("events:\n got %+v\nwant %+v", res.Events, tt.want)
			}
			for _, e := range res.Events {
				if err := e.Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
			}
		})
	}
}

func TestPingIsAnswered(t *testing.T) {
	res, err := parse(fixture(t, "ping.json"), provider.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reply == nil || res.Reply.Status != http.StatusOK || res.Reply.ContentType != "application/json" || !json.Valid(res.Reply.Body) {
		t.Fatalf("ping result = %+v, want a 200 JSON reply", res)
	}
	if len(res.Events) != 0 || res.Ignored != "" {
		t.Errorf("ping produced events or an ignore: %+v", res)
	}
}

// Only a public reply by a human agent that is not slawatch's own
// acknowledgement counts.
func TestWhatCountsAsAResponse(t *testing.T) {
	tests := []struct {
		file      string
		ackAuthor string
		counts    bool
	}{
		{"conversation_admin_replied.json", "", true},
		{"conversation_admin_replied.json", "7340012", false}, // written as slawatch's own user
		{"conversation_admin_replied_ack.json", "", false},    // carries the marker
		{"conversation_admin_replied_fin.json", "", false},
		{"conversation_operator_replied.json", "", false},
		{"conversation_admin_noted.json", "", false},
		{"conversation_admin_single_created.json", "", false},
	}
	for _, tt := range tests {
		res, err := parse(fixture(t, tt.file), provider.Settings{AckAuthor: tt.ackAuthor})
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("%s: %v %+v", tt.file, err, res)
		}
		if got := res.Events[0].CountsAsResponse(); got != tt.counts {
			t.Errorf("%s (ack author %q): CountsAsResponse = %v, want %v", tt.file, tt.ackAuthor, got, tt.counts)
		}
	}
}

// edit decodes a fixture, lets f change it, and encodes it again.
func edit(t *testing.T, name string, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itemOf(m map[string]any) map[string]any {
	return m["data"].(map[string]any)["item"].(map[string]any)
}

func TestChannels(t *testing.T) {
	tests := map[string]event.Channel{
		"conversation": event.Chat, "email": event.Email, "facebook": event.Social, "instagram": event.Social,
		"twitter": event.Social, "whatsapp": event.Messaging, "phone_call": event.Phone, "phone_switch": event.Phone,
		"sms": event.SMS, "SMS": event.SMS, "push": "", "carrier_pigeon": "",
	}
	for typ, want := range tests {
		body := edit(t, "conversation_user_replied.json", func(m map[string]any) {
			itemOf(m)["source"].(map[string]any)["type"] = typ
		})
		res, err := parse(body, provider.Settings{})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := res.Events[0].Channel; got != want {
			t.Errorf("source.type %q: channel %q, want %q", typ, got, want)
		}
	}
}

func TestPriorities(t *testing.T) {
	tests := map[string]event.Priority{"priority": event.High, "not_priority": event.Normal, "PRIORITY": event.High, "Urgent": event.Urgent}
	for v, want := range tests {
		body := edit(t, "conversation_priority_updated.json", func(m map[string]any) { itemOf(m)["priority"] = v })
		res, err := parse(body, provider.Settings{})
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if got := res.Events[0].Priority; got != want {
			t.Errorf("priority %q: got %q, want %q", v, got, want)
		}
	}
}

// On events other than a priority change, an unknown priority in the
// snapshot is left unstated rather than failing the event.
func TestUnknownSnapshotPriorityIsLeftOut(t *testing.T) {
	body := edit(t, "conversation_user_replied.json", func(m map[string]any) { itemOf(m)["priority"] = "0" })
	res, err := parse(body, provider.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Events[0].Priority; got != "" {
		t.Errorf("priority %q, want it unstated", got)
	}
}

// ticket_state is a string in older API versions and an object in newer
// ones.
func TestTicketStates(t *testing.T) {
	tests := []struct {
		state any
		want  event.Status
	}{
		{"submitted", event.New},
		{"in_progress", event.Open},
		{"waiting_on_customer", event.Pending},
		{"resolved", event.Solved},
		{map[string]any{"type": "ticket_state", "id": "4004", "category": "resolved", "internal_label": "Resolved"}, event.Solved},
	}
	for _, tt := range tests {
		body := edit(t, "ticket_state_updated.json", func(m map[string]any) { itemOf(m)["ticket_state"] = tt.state })
		res, err := parse(body, provider.Settings{})
		if err != nil {
			t.Fatalf("%v: %v", tt.state, err)
		}
		if got := res.Events[0].Status; got != tt.want {
			t.Errorf("ticket_state %v: status %q, want %q", tt.state, got, tt.want)
		}
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		field string
	}{
		{"malformed JSON", []byte(`{"type": "notification_event", "topic":`), ""},
		{"empty body", []byte(``), ""},
		{"not an object", []byte(`[1, 2]`), "(body)"},
		{"not a notification", edit(t, "conversation_user_replied.json", func(m map[string]any) { m["type"] = "conversation" }), "type"},
		{"no topic", edit(t, "conversation_user_replied.json", func(m map[string]any) { delete(m, "topic") }), "topic"},
		{"topic not a string", edit(t, "conversation_user_replied.json", func(m map[string]any) { m["topic"] = 7 }), "topic"},
		{"no id", edit(t, "conversation_user_replied.json", func(m map[string]any) { delete(m, "id") }), "id"},
		{"no item id", edit(t, "conversation_user_replied.json", func(m map[string]any) { delete(itemOf(m), "id") }), "data.item.id"},
		{"item id an object", edit(t, "conversation_user_replied.json", func(m map[string]any) { itemOf(m)["id"] = map[string]any{} }), "data.item.id"},
		{"created_at not a time", edit(t, "conversation_user_created.json", func(m map[string]any) { itemOf(m)["created_at"] = "yesterday" }), "data.item.created_at"},
		{"created_at missing", edit(t, "conversation_user_created.json", func(m map[string]any) { delete(itemOf(m), "created_at") }), "data.item.created_at"},
		{"created_at a bool", edit(t, "conversation_user_created.json", func(m map[string]any) { itemOf(m)["created_at"] = true }), "data.item.created_at"},
		{"part time beyond year 9999", edit(t, "conversation_admin_replied.json", func(m map[string]any) {
			parts := itemOf(m)["conversation_parts"].(map[string]any)["conversation_parts"].([]any)
			parts[1].(map[string]any)["created_at"] = 999999999999
		}), "data.item.conversation_parts.conversation_parts[1].created_at"},
		{"envelope time negative", edit(t, "conversation_admin_closed.json", func(m map[string]any) { m["created_at"] = -5 }), "created_at"},
		{"unknown priority", edit(t, "conversation_priority_updated.json", func(m map[string]any) { itemOf(m)["priority"] = "meh" }), "data.item.priority"},
		{"no priority", edit(t, "conversation_priority_updated.json", func(m map[string]any) { itemOf(m)["priority"] = nil }), "data.item.priority"},
		{"tags not an object", edit(t, "conversation_user_replied.json", func(m map[string]any) { itemOf(m)["tags"] = "billing" }), "data.item.tags"},
		{"tag event without tags", edit(t, "conversation_part_tag_created.json", func(m map[string]any) { delete(itemOf(m), "tags") }), "data.item.tags"},
		{"unknown ticket state", edit(t, "ticket_state_updated.json", func(m map[string]any) { itemOf(m)["ticket_state"] = "exploded" }), "data.item.ticket_state"},
		{"ticket state a number", edit(t, "ticket_state_updated.json", func(m map[string]any) { itemOf(m)["ticket_state"] = 3 }), "data.item.ticket_state"},
		{"no ticket state", edit(t, "ticket_state_updated.json", func(m map[string]any) { delete(itemOf(m), "ticket_state") }), "data.item.ticket_state"},
		{"ticket state category given twice", bytes.Replace(edit(t, "ticket_state_updated.json", func(m map[string]any) {
			itemOf(m)["ticket_state"] = map[string]any{"category": "submitted", "ZZ": "resolved"}
		}),
			[]byte(`"ZZ"`), []byte(`"CATEGORY"`), 1), "data.item.ticket_state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parse(tt.body, provider.Settings{})
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a ParseError", res, err)
			}
			if pe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

// Known answers computed outside Go with openssl.
func TestSignKnownAnswers(t *testing.T) {
	// printf %s '{"type":"notification_event","topic":"ping"}' | openssl dgst -sha1 -hmac 'test-secret'
	got := intercom.Sign([]byte("test-secret"), []byte(`{"type":"notification_event","topic":"ping"}`))
	if want := "sha1=879be063cd637a3487abca3123592adc00775775"; got != want {
		t.Errorf("Sign(literal) = %s, want %s", got, want)
	}
	// openssl dgst -sha1 -hmac 'test-secret' < testdata/conversation_admin_replied.json
	got = intercom.Sign([]byte("test-secret"), fixture(t, "conversation_admin_replied.json"))
	if want := "sha1=3de29332609adad93d01f68b128a4cac27aa6f14"; got != want {
		t.Errorf("Sign(fixture) = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("test-secret")
	body := fixture(t, "conversation_admin_replied.json")
	good := intercom.Sign(secret, body)

	tampered := bytes.Clone(body)
	i := bytes.Index(tampered, []byte(`"comment"`))
	tampered[i+1] = 'C' // "Comment": one byte changed

	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	remarshalled, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(remarshalled, body) {
		t.Fatal("re-marshalled fixture is byte-identical; the test would prove nothing")
	}

	tests := []struct {
		name, header string
		body         []byte
		reason       string
	}{
		{"valid", good, body, ""},
		{"valid, upper-case hex", "sha1=" + strings.ToUpper(strings.TrimPrefix(good, "sha1=")), body, ""},
		{"missing header", "", body, "missing_signature"},
		{"wrong secret", intercom.Sign([]byte("other-secret"), body), body, "bad_signature"},
		{"tampered body", good, tampered, "bad_signature"},
		{"signed re-marshalled JSON, sent original bytes", intercom.Sign(secret, remarshalled), body, "bad_signature"},
		{"no sha1= prefix", strings.TrimPrefix(good, "sha1="), body, "bad_signature"},
		{"sha256 scheme", "sha256=" + strings.TrimPrefix(good, "sha1="), body, "bad_signature"},
		{"truncated", good[:len(good)-2], body, "bad_signature"},
		{"not hex", "sha1=" + strings.Repeat("zz", 20), body, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("X-Hub-Signature", tt.header)
			}
			err := intercom.Adapter{}.Verify(provider.Request{Method: http.MethodPost, Header: h, Body: tt.body}, provider.Settings{Secret: secret})
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Errorf("Verify = %v, want AuthError %s", err, tt.reason)
			case err != nil && strings.Contains(err.Error(), strings.TrimPrefix(intercom.Sign(secret, tt.body), "sha1=")):
				t.Errorf("error echoes the expected signature: %v", err)
			}
		})
	}
}
