package zendesk_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/providertest"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

const testSecret = "zendesk-test-secret"

var testNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func settings() provider.Settings {
	return provider.Settings{Source: "zendesk", Secret: []byte(testSecret), Window: 5 * time.Minute,
		AckAuthor: "1500000000300", Now: func() time.Time { return testNow }}
}

var fixture = providertest.Fixture

func at(hh, mm, ss, ns int) time.Time { return time.Date(2026, 11, 23, hh, mm, ss, ns, time.UTC) }

// Each fixture and the canonical events expected from it, written by hand
// from the payload.
func TestParseFixtures(t *testing.T) {
	tags := []string{"export", "vip"}
	trigTags := []string{"billing", "refund"}
	tests := []struct {
		file       string
		invocation string // X-Zendesk-Webhook-Invocation-Id, trigger mode
		want       []event.Event
		ignored    string
	}{
		{file: "created.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4Z9Q6W8XK3T2M5N7P9R1S3", Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0, 123456789), Channel: event.Web, Priority: event.High, Status: event.New,
			Tags: tags, Author: event.Customer, Public: true,
		}}},
		{file: "created_by_agent.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35437", ID: "01JD4ZB2H4J6K8M0N2P4Q6R8S0", Kind: event.TicketCreated,
			OccurredAt: at(9, 2, 0, 0), Channel: event.Web, Priority: event.Normal, Status: event.Open,
			Tags: []string{}, Author: event.Agent, Public: true,
		}}},
		{file: "comment_customer.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZD5T7V9X1Z3B5D7F9H1K3", Kind: event.CustomerMessage,
			OccurredAt: at(9, 5, 0, 0), Channel: event.Web, Priority: event.High, Tags: tags,
			Author: event.Customer, Public: true,
		}}},
		{file: "comment_agent_public.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZF8W0Y2A4C6E8G0J2L4N6", Kind: event.AgentReply,
			OccurredAt: at(9, 12, 30, 0), Channel: event.Web, Priority: event.High, Tags: tags,
			Author: event.Agent, Public: true,
		}}},
		{file: "comment_internal_note.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZE6U8W0Y2A4C6E8G0J2L4", Kind: event.InternalNote,
			OccurredAt: at(9, 8, 0, 0), Channel: event.Web, Priority: event.High, Tags: tags,
			Author: event.Agent,
		}}},
		{file: "messaging_bot.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35440", ID: "01JD4ZG9X1Z3B5D7F9H1K3M5P7", Kind: event.AgentReply,
			OccurredAt: at(9, 10, 5, 254571515), Channel: event.Messaging, Author: event.Bot, Public: true,
		}}},
		{file: "messaging_customer.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35440", ID: "01JD4ZH0Y2A4C6E8G0J2L4N6Q8", Kind: event.CustomerMessage,
			OccurredAt: at(9, 10, 40, 0), Channel: event.Messaging, Author: event.Customer, Public: true,
		}}},
		{file: "status_changed.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZJ1Z3B5D7F9H1K3M5P7R9", Kind: event.StatusChanged,
			OccurredAt: at(9, 15, 0, 0), Channel: event.Web, Priority: event.High, Status: event.OnHold, Tags: tags,
		}}},
		{file: "priority_changed.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZK2A4C6E8G0J2L4N6Q8S0", Kind: event.PriorityChanged,
			OccurredAt: at(9, 20, 0, 0), Channel: event.Web, Priority: event.Urgent, Tags: tags,
		}}},
		{file: "tags_changed.json", want: []event.Event{{
			Source: "zendesk", TicketID: "35436", ID: "01JD4ZM3B5D7F9H1K3M5P7R9T1", Kind: event.TagsChanged,
			OccurredAt: at(9, 21, 0, 0), Channel: event.Web, Priority: event.Urgent,
			Tags: []string{"export", "vip", "escalated"},
		}}},
		{file: "unknown.json", ignored: "zen:event-type:ticket.subject_changed is not tracked"},

		{file: "trigger_created.json", invocation: "8350205501", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205501-35450-ticket_created", Kind: event.TicketCreated,
			OccurredAt: at(9, 1, 0, 0), Channel: event.Email, Priority: event.Normal, Status: event.New,
			Tags: trigTags, Author: event.Customer, Public: true,
			// The requester's address is reduced to its domain.
			Organization: "360012345678", Company: "Acme Corp", Domain: "mail.acme.example",
		}}},
		{file: "trigger_customer_message.json", invocation: "8350205502", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205502-35450-customer_message", Kind: event.CustomerMessage,
			OccurredAt: at(9, 6, 0, 0), Channel: event.Email, Priority: event.Normal, Tags: trigTags,
			Author: event.Customer, Public: true,
		}}},
		{file: "trigger_agent_reply.json", invocation: "8350205503", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205503-35450-agent_public_reply", Kind: event.AgentReply,
			OccurredAt: at(9, 14, 0, 0), Channel: event.Email, Priority: event.High, Tags: trigTags,
			Author: event.Agent, Public: true,
		}}},
		{file: "trigger_internal_note.json", invocation: "8350205504", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205504-35450-internal_note", Kind: event.InternalNote,
			OccurredAt: at(9, 9, 0, 0), Channel: event.Email, Priority: event.Normal, Tags: trigTags,
			Author: event.Agent,
		}}},
		{file: "trigger_bot_reply.json", invocation: "8350205505", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205505-35450-bot_reply", Kind: event.AgentReply,
			OccurredAt: at(9, 2, 0, 0), Channel: event.Email, Priority: event.Normal, Tags: trigTags,
			Author: event.Bot, Public: true,
		}}},
		{file: "trigger_status_changed.json", invocation: "8350205506", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205506-35450-status_changed", Kind: event.StatusChanged,
			OccurredAt: at(9, 25, 0, 0), Channel: event.Email, Priority: event.High, Status: event.Solved, Tags: trigTags,
		}}},
		{file: "trigger_priority_changed.json", invocation: "8350205507", want: []event.Event{{
			Source: "zendesk", TicketID: "35450", ID: "inv-8350205507-35450-priority_changed", Kind: event.PriorityChanged,
			OccurredAt: at(9, 11, 0, 0), Channel: event.Email, Priority: event.High, Tags: trigTags,
		}}},
		{file: "trigger_unknown.json", invocation: "8350205508", ignored: `zendesk trigger event "assignee_changed" is not tracked`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h := http.Header{}
			if tt.invocation != "" {
				h.Set(zendesk.InvocationHeader, tt.invocation)
			}
			res, err := zendesk.Adapter{}.Parse(provider.Request{Header: h, Body: fixture(t, tt.file)}, settings())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if res.Ignored != tt.ignored {
				t.Errorf("Ignored = %q, want %q", res.Ignored, tt.ignored)
			}
			if res.Reply != nil {
				t.Errorf("Reply = %+v, want none", res.Reply)
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

// The first response is a human agent's public reply; bots, notes and
// slawatch's own acknowledgement are not.
func TestCountsAsResponse(t *testing.T) {
	reply := string(fixture(t, "comment_agent_public.json"))
	tests := []struct {
		name, body string
		want       bool
	}{
		{"agent public reply", reply, true},
		{"acknowledgement by marker", strings.Replace(reply, "Thanks Dana,", "Thanks Dana [slawatch:ack],", 1), false},
		{"acknowledgement by ack author", strings.ReplaceAll(reply, `"id": "1500000000201"`, `"id": "1500000000300"`), false},
		{"Zendesk system user", strings.ReplaceAll(reply, `"id": "1500000000201"`, `"id": -1`), false},
		{"internal note", string(fixture(t, "comment_internal_note.json")), false},
		{"messaging bot", string(fixture(t, "messaging_bot.json")), false},
		{"messaging trigger", strings.Replace(string(fixture(t, "messaging_bot.json")), `"type": "system"`, `"type": "trigger"`, 1), false},
		{"messaging agent", strings.Replace(string(fixture(t, "messaging_bot.json")), `"type": "system"`, `"type": "agent"`, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := zendesk.Adapter{}.Parse(provider.Request{Header: http.Header{}, Body: []byte(tt.body)}, settings())
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("Parse = %+v, %v", res, err)
			}
			if got := res.Events[0].CountsAsResponse(); got != tt.want {
				t.Errorf("CountsAsResponse = %v, want %v (%+v)", got, tt.want, res.Events[0])
			}
		})
	}
}

func TestParseVariants(t *testing.T) {
	created := string(fixture(t, "created.json"))
	trigger := string(fixture(t, "trigger_agent_reply.json"))
	parse := func(t *testing.T, h http.Header, body string) event.Event {
		t.Helper()
		res, err := zendesk.Adapter{}.Parse(provider.Request{Header: h, Body: []byte(body)}, settings())
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("Parse = %+v, %v", res, err)
		}
		return res.Events[0]
	}
	t.Run("status and priority in any case", func(t *testing.T) {
		for _, v := range [][2]string{{"open", "low"}, {"Open", "Low"}, {"OPEN", "LOW"}} {
			body := strings.Replace(strings.Replace(created, `"NEW"`, `"`+v[0]+`"`, 1), `"HIGH"`, `"`+v[1]+`"`, 1)
			if e := parse(t, nil, body); e.Status != event.Open || e.Priority != event.Low {
				t.Errorf("%v: status %q priority %q", v, e.Status, e.Priority)
			}
		}
	})
	t.Run("numeric ids and ticket id from subject", func(t *testing.T) {
		body := strings.Replace(created, `"id": "35436"`, `"id": 35436`, 1)
		if e := parse(t, nil, body); e.TicketID != "35436" {
			t.Errorf("ticket id %q", e.TicketID)
		}
		body = strings.Replace(created, `"id": "35436",`, ``, 1)
		if e := parse(t, nil, body); e.TicketID != "35436" {
			t.Errorf("ticket id from subject %q", e.TicketID)
		}
	})
	t.Run("channels", func(t *testing.T) {
		for via, want := range map[string]event.Channel{
			"mail": event.Email, "chat": event.Chat, "native_messaging": event.Messaging, "twitter": event.Social,
			"facebook_message": event.Social, "whatsapp": event.Messaging, "sms": event.SMS, "api": event.API,
			"web_service": event.API, "phone_call_inbound": event.Phone, "closed_ticket": "",
		} {
			body := strings.Replace(created, `"web_form"`, `"`+via+`"`, 1)
			if e := parse(t, nil, body); e.Channel != want {
				t.Errorf("via %s: channel %q, want %q", via, e.Channel, want)
			}
		}
		for via, want := range map[string]event.Channel{"Web Form": event.Web, "Web service": event.API,
			"Phone call (incoming)": event.Phone, "Messaging": event.Messaging, "Text": event.SMS} {
			body := strings.Replace(trigger, `"Mail"`, `"`+via+`"`, 1)
			if e := parse(t, nil, body); e.Channel != want {
				t.Errorf("{{ticket.via}} %s: channel %q, want %q", via, e.Channel, want)
			}
		}
	})
	t.Run("trigger without invocation header gets a stable synthetic id", func(t *testing.T) {
		a, b := parse(t, nil, trigger), parse(t, http.Header{}, trigger)
		if !strings.HasPrefix(a.ID, "syn-") || a.ID != b.ID {
			t.Errorf("ids %q, %q", a.ID, b.ID)
		}
		other := parse(t, nil, strings.Replace(trigger, "09:14Z", "09:15Z", 1))
		if other.ID == a.ID {
			t.Errorf("a different time gave the same id %q", a.ID)
		}
	})
	t.Run("trigger time: seconds, offset, and the signed timestamp as fallback", func(t *testing.T) {
		if e := parse(t, nil, strings.Replace(trigger, "2026-11-23T09:14Z", "2026-11-23T10:14:07+01:00", 1)); !e.OccurredAt.Equal(at(9, 14, 7, 0)) {
			t.Errorf("occurred %v", e.OccurredAt)
		}
		h := http.Header{}
		h.Set(zendesk.TimestampHeader, "2026-11-23T09:14:05Z")
		if e := parse(t, h, strings.Replace(trigger, "2026-11-23T09:14Z", "", 1)); !e.OccurredAt.Equal(at(9, 14, 5, 0)) {
			t.Errorf("occurred %v", e.OccurredAt)
		}
	})
	t.Run("agent-created ticket in trigger mode", func(t *testing.T) {
		body := strings.NewReplacer(`"End-user"`, `"Agent"`).Replace(string(fixture(t, "trigger_created.json")))
		if e := parse(t, nil, body); e.Author != event.Agent || !e.Public {
			t.Errorf("public agent creation: %+v", e)
		}
		body = strings.Replace(body, `"public": true`, `"public": "false"`, 1)
		if e := parse(t, nil, body); e.Author != event.Agent || e.Public {
			t.Errorf("private agent creation: %+v", e)
		}
	})
	t.Run("cleared priority is normal", func(t *testing.T) {
		body := strings.Replace(string(fixture(t, "priority_changed.json")), `"current": "URGENT"`, `"current": null`, 1)
		if e := parse(t, nil, body); e.Priority != event.Normal {
			t.Errorf("priority %q", e.Priority)
		}
	})
	t.Run("tags from a string", func(t *testing.T) {
		body := strings.Replace(created, `["export", "vip"]`, `"export vip"`, 1)
		if e := parse(t, nil, body); !reflect.DeepEqual(e.Tags, []string{"export", "vip"}) {
			t.Errorf("tags %q", e.Tags)
		}
	})
}

func TestParseIgnores(t *testing.T) {
	for name, body := range map[string]string{
		"user event":         `{"type":"zen:event-type:user.created","id":"x","time":"2026-11-23T09:00:00Z","detail":{"id":"5","role":"end-user"},"event":{}}`,
		"custom status":      strings.Replace(string(fixture(t, "status_changed.json")), `"current": "HOLD"`, `"current": "Waiting for parts"`, 1),
		"unknown actor type": strings.Replace(string(fixture(t, "messaging_bot.json")), `"type": "system"`, `"type": "business"`, 1),
	} {
		res, err := zendesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
		if err != nil || res.Ignored == "" || len(res.Events) != 0 {
			t.Errorf("%s: Parse = %+v, %v; want ignored", name, res, err)
		}
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	comment := string(fixture(t, "comment_agent_public.json"))
	trigger := string(fixture(t, "trigger_agent_reply.json"))
	tests := []struct {
		name, body, field string
	}{
		{"malformed JSON", `{"type": "zen:event-type:ticket.created",`, ""},
		{"empty body", ``, ""},
		{"not an object", `[1,2]`, "(body)"},
		{"type not a string", `{"type": 5}`, "type"},
		{"foreign type", `{"type": "ticket.created"}`, "type"},
		{"neither shape", `{"ticket_id": "1"}`, "event"},
		{"event object without type", `{"event": {"comment": {}}}`, "event"},
		{"missing event id", strings.Replace(comment, `"id": "01JD4ZF8W0Y2A4C6E8G0J2L4N6",`, ``, 1), "id"},
		{"bad time", strings.Replace(comment, `"time": "2026-11-23T09:12:30Z"`, `"time": "yesterday"`, 1), "time"},
		{"missing time", strings.Replace(comment, `"time": "2026-11-23T09:12:30Z",`, ``, 1), "time"},
		{"ticket id object", strings.Replace(comment, `"id": "35436"`, `"id": {}`, 1), "detail.id"},
		{"no ticket id", strings.NewReplacer(`"id": "35436",`, ``, `"zen:ticket:35436"`, `""`).Replace(comment), "detail.id"},
		{"tags not a list", strings.Replace(comment, `["export", "vip"]`, `42`, 1), "detail.tags"},
		{"comment missing", strings.Replace(comment, `"comment": {`, `"note": {`, 1), "event.comment"},
		{"is_public missing", strings.Replace(comment, `"is_public": true
    },`, `"private": false
    },`, 1), "event.comment.is_public"},
		{"is_staff not a bool", strings.Replace(comment, `"is_staff": true`, `"is_staff": "sometimes"`, 1), "event.comment.author.is_staff"},
		{"messaging actor missing", strings.Replace(string(fixture(t, "messaging_bot.json")), `"actor"`, `"who"`, 1), "event.actor"},
		{"trigger without ticket id", strings.Replace(trigger, `"ticket_id": "35450",`, ``, 1), "ticket_id"},
		{"trigger ticket id bool", strings.Replace(trigger, `"ticket_id": "35450"`, `"ticket_id": true`, 1), "ticket_id"},
		{"trigger bad time", strings.Replace(trigger, `"2026-11-23T09:14Z"`, `"Nov 23, 2026 09:14"`, 1), "time"},
		{"trigger empty event", strings.Replace(trigger, `"agent_public_reply"`, `""`, 1), "event"},
		{"trigger public not a bool", strings.Replace(string(fixture(t, "trigger_created.json")), `"public": true`, `"public": "maybe"`, 1), "public"},
		{"trigger tags_changed without tags", `{"event":"tags_changed","ticket_id":"1","time":"2026-11-23T09:00Z"}`, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zendesk.Adapter{}.Parse(provider.Request{Header: http.Header{}, Body: []byte(tt.body)}, settings())
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want a ParseError", err)
			}
			if pe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

// Known answers computed with openssl, independently of this code:
//
//	ts=2026-11-23T09:30:00Z
//	body='{"event":"agent_public_reply","ticket_id":"35450"}'
//	printf %s "$ts$body" | openssl dgst -sha256 -hmac zendesk-test-secret -binary | base64
//	  → TLd+68QndohyL3zkJlttBgkc3bk9S3kyQL9xU5uiX9U=
//	{ printf %s "$ts"; cat testdata/comment_agent_public.json; } | openssl dgst -sha256 -hmac zendesk-test-secret -binary | base64
//	  → OYd/d9zwdV+UDFeGHYSvFxNlq/YiNbErlwxBmOtSziY=
const (
	knownTimestamp   = "2026-11-23T09:30:00Z"
	knownBody        = `{"event":"agent_public_reply","ticket_id":"35450"}`
	knownSignature   = "TLd+68QndohyL3zkJlttBgkc3bk9S3kyQL9xU5uiX9U="
	fixtureSignature = "OYd/d9zwdV+UDFeGHYSvFxNlq/YiNbErlwxBmOtSziY="
)

func signed(sig, ts string) http.Header {
	h := http.Header{}
	if sig != "" {
		h.Set(zendesk.SignatureHeader, sig)
	}
	if ts != "" {
		h.Set(zendesk.TimestampHeader, ts)
	}
	return h
}

func TestSignKnownAnswer(t *testing.T) {
	if got := zendesk.Sign([]byte(testSecret), knownTimestamp, []byte(knownBody)); got != knownSignature {
		t.Errorf("Sign = %s, want %s", got, knownSignature)
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "comment_agent_public.json")
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/2] ^= 0x01
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	remarshalled, _ := json.Marshal(v)
	const stale = "2026-11-23T09:24:59Z" // 5m01s before the clock
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		reason string // "" = accepted
	}{
		{"known answer", signed(knownSignature, knownTimestamp), []byte(knownBody), ""},
		{"fixture known answer", signed(fixtureSignature, knownTimestamp), body, ""},
		{"within the window", signed(zendesk.Sign([]byte(testSecret), "2026-11-23T09:25:30Z", body), "2026-11-23T09:25:30Z"), body, ""},
		{"wrong secret", signed(zendesk.Sign([]byte("other-secret"), knownTimestamp, body), knownTimestamp), body, "bad_signature"},
		{"missing signature header", signed("", knownTimestamp), body, "missing_signature"},
		{"missing timestamp header", signed(fixtureSignature, ""), body, "missing_signature"},
		{"no headers", http.Header{}, body, "missing_signature"},
		{"tampered body", signed(fixtureSignature, knownTimestamp), tampered, "bad_signature"},
		{"signature over re-marshalled body", signed(zendesk.Sign([]byte(testSecret), knownTimestamp, remarshalled), knownTimestamp), body, "bad_signature"},
		{"signature without the timestamp", signed(base64.StdEncoding.EncodeToString(mac(body)), knownTimestamp), body, "bad_signature"},
		{"timestamp swapped after signing", signed(fixtureSignature, "2026-11-23T09:29:59Z"), body, "bad_signature"},
		{"stale timestamp", signed(zendesk.Sign([]byte(testSecret), stale, body), stale), body, "stale_timestamp"},
		{"future timestamp", signed(zendesk.Sign([]byte(testSecret), "2026-11-23T09:36:00Z", body), "2026-11-23T09:36:00Z"), body, "stale_timestamp"},
		{"timestamp not ISO 8601", signed(zendesk.Sign([]byte(testSecret), "1795426200", body), "1795426200"), body, "bad_signature"},
		{"not base64", signed("!!not-base64!!", knownTimestamp), body, "bad_signature"},
		{"hex instead of base64", signed(hexOf(mac([]byte(knownTimestamp), body)), knownTimestamp), body, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := zendesk.Adapter{}.Verify(provider.Request{Method: "POST", Header: tt.header, Body: tt.body}, settings())
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("Verify = %v, want accepted", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Fatalf("Verify = %v, want AuthError %s", err, tt.reason)
			}
			if err != nil && strings.Contains(err.Error(), zendesk.Sign([]byte(testSecret), tt.header.Get(zendesk.TimestampHeader), tt.body)) {
				t.Errorf("error echoes the expected signature: %v", err)
			}
		})
	}
	t.Run("empty secret never verifies", func(t *testing.T) {
		s := settings()
		s.Secret = nil
		h := signed(zendesk.Sign(nil, knownTimestamp, body), knownTimestamp)
		if err := (zendesk.Adapter{}).Verify(provider.Request{Header: h, Body: body}, s); err == nil {
			t.Error("Verify accepted a request under an empty secret")
		}
	})
}

func mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, []byte(testSecret))
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func fixtureNames(f *testing.F) []string {
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// FuzzVerify: Verify never panics, refuses with an AuthError, and accepts
// only when the signature is the MAC of timestamp + body under the secret
// and the timestamp is inside the window.
func FuzzVerify(f *testing.F) {
	for _, n := range fixtureNames(f) {
		body := fixture(f, n)
		f.Add(body, zendesk.Sign([]byte(testSecret), knownTimestamp, body), knownTimestamp)
		f.Add(body, zendesk.Sign([]byte("wrong"), knownTimestamp, body), knownTimestamp)
	}
	f.Add([]byte(knownBody), knownSignature, knownTimestamp)
	f.Add([]byte(knownBody), knownSignature, "")
	f.Add([]byte(""), "", "")
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string) {
		h := http.Header{}
		h.Set(zendesk.SignatureHeader, sig)
		h.Set(zendesk.TimestampHeader, ts)
		err := zendesk.Adapter{}.Verify(provider.Request{Header: h, Body: body}, settings())
		if err != nil {
			var auth *provider.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("error is not an AuthError: %v", err)
			}
			return
		}
		got, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
		if derr != nil || !hmac.Equal(got, mac([]byte(h.Get(zendesk.TimestampHeader)), body)) {
			t.Fatalf("accepted a signature that is not the MAC: sig %q ts %q", sig, ts)
		}
		when, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(h.Get(zendesk.TimestampHeader)))
		if perr != nil || when.Sub(testNow).Abs() > 5*time.Minute {
			t.Fatalf("accepted a timestamp outside the window: %q", ts)
		}
	})
}

// FuzzParse: any body gives events, an ignore reason or a ParseError —
// never a panic — and every event is valid and stamped with the source.
func FuzzParse(f *testing.F) {
	for _, n := range fixtureNames(f) {
		f.Add(fixture(f, n), "8350205582")
		f.Add(fixture(f, n), "")
	}
	f.Add([]byte(`{"event":"tags_changed","ticket_id":1,"tags":["a",""],"time":"2026-11-23T09:00Z"}`), "")
	f.Add([]byte(`{"type":"zen:event-type:ticket.comment_added","id":1,"time":"2026-11-23T09:00:00Z","subject":"zen:ticket:9","event":{"comment":{"is_public":"true","author":{"id":-1}}}}`), "")
	f.Fuzz(func(t *testing.T, body []byte, invocation string) {
		h := http.Header{}
		h.Set(zendesk.InvocationHeader, invocation)
		res, err := zendesk.Adapter{}.Parse(provider.Request{Header: h, Body: body}, settings())
		if err != nil {
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			if len(res.Events) != 0 || res.Ignored != "" {
				t.Fatalf("error with a result: %+v", res)
			}
			return
		}
		if res.Ignored == "" && len(res.Events) == 0 {
			t.Fatalf("no events and no ignore reason")
		}
		for _, e := range res.Events {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("invalid event %+v: %v", e, verr)
			}
			if e.Source != "zendesk" {
				t.Fatalf("source %q", e.Source)
			}
		}
	})
}

// A customer value an event cannot carry is dropped, not the event.
func TestTriggerCustomerDropped(t *testing.T) {
	body := strings.NewReplacer(`"Acme Corp"`, `"Acme\u001b[31m"`, `"Ann.Lee@Mail.ACME.example"`, `"not an address"`).
		Replace(string(fixture(t, "trigger_created.json")))
	res, err := zendesk.Adapter{}.Parse(provider.Request{Body: []byte(body)}, settings())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	e := res.Events[0]
	if e.Organization != "360012345678" || e.Company != "" || e.Domain != "" {
		t.Errorf("organization %q company %q domain %q, want 360012345678 and the others dropped", e.Organization, e.Company, e.Domain)
	}
}
