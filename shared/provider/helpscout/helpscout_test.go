package helpscout_test

import (
	"bytes"
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
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const (
	source = "helpscout"
	conv   = "2391938111"
)

func at(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, time.UTC) }

// eventOf returns the X-HelpScout-Event a fixture was captured with: its
// file name up to "--" or ".json".
func eventOf(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), ".json")
	name, _, _ = strings.Cut(name, "--")
	return name
}

var fixture = providertest.Fixture

func parse(eventName string, body []byte, s provider.Settings) (provider.Result, error) {
	if s.Source == "" {
		s.Source = source
	}
	h := http.Header{}
	if eventName != "" {
		h.Set("X-HelpScout-Event", eventName)
	}
	return helpscout.Adapter{}.Parse(provider.Request{Method: http.MethodPost, Header: h, Body: body}, s)
}

func parseFixture(t *testing.T, file string, s provider.Settings) provider.Result {
	t.Helper()
	res, err := parse(eventOf(file), fixture(t, file), s)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return res
}

// The expected events are written out by hand from the fixtures and the
// mapping in the package comment. Help Scout sends no delivery id, so the
// ids are those synthesised from the documented parts.
func TestParseFixtures(t *testing.T) {
	billing := []string{"billing"}
	// Every fixture's primaryCustomer is alex@example.com: the events carry
	// its domain only.
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		{file: "convo.created.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.created", conv), Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Channel: event.Email, Tags: billing, Author: event.Customer,
		}}},
		{file: "convo.created--outbound.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: "2391938200", ID: provider.SynthID("convo.created", "2391938200"), Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Channel: event.Email, Tags: []string{}, Author: event.Agent, Public: true,
		}}},
		// A call an agent logs is a private write-up: a first-response clock starts.
		{file: "convo.created--phone.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: "2391938300", ID: provider.SynthID("convo.created", "2391938300"), Kind: event.TicketCreated,
			OccurredAt: at(9, 0, 0), Channel: event.Phone, Tags: []string{"login"}, Author: event.Agent,
		}}},
		{file: "convo.note.created.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.note.created", conv, "7303"), Kind: event.InternalNote,
			OccurredAt: at(9, 5, 0), Channel: event.Email, Tags: billing, Author: event.Agent,
		}}},
		// The newer draft and the line item at the same second are not the reply;
		// the reply set the conversation pending.
		{file: "convo.agent.reply.created.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.agent.reply.created", conv, "7305"), Kind: event.AgentReply,
			OccurredAt: at(9, 12, 0), Channel: event.Email, Tags: billing, Author: event.Agent, Public: true, Status: event.Pending,
		}}},
		{file: "convo.agent.reply.created--draft-only.json", ignored: "convo.agent.reply.created carries no published agent reply"},
		{file: "convo.agent.reply.created--workflow.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.agent.reply.created", conv, "7302"), Kind: event.AgentReply,
			OccurredAt: at(9, 1, 0), Channel: event.Email, Tags: billing, Author: event.Bot, Public: true,
		}}},
		{file: "convo.agent.reply.created--ack.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.agent.reply.created", conv, "7300"), Kind: event.AgentReply,
			OccurredAt: at(9, 0, 30), Channel: event.Email, Tags: billing, Author: event.Agent, Public: true, Acknowledgement: true,
		}}},
		{file: "convo.customer.reply.created.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.customer.reply.created", conv, "7309"), Kind: event.CustomerMessage,
			OccurredAt: at(9, 20, 0), Channel: event.Email, Tags: billing, Author: event.Customer, Status: event.Open,
		}}},
		{file: "convo.status.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.status", conv, "solved", "2026-11-23T09:25:00Z"), Kind: event.StatusChanged,
			OccurredAt: at(9, 25, 0), Channel: event.Email, Tags: billing, Status: event.Solved,
		}}},
		{file: "convo.tags.json", want: []event.Event{{
			Source: source, Domain: "example.com", TicketID: conv, ID: provider.SynthID("convo.tags", conv, "2026-11-23T09:10:00Z", "billing", "refund"), Kind: event.TagsChanged,
			OccurredAt: at(9, 10, 0), Channel: event.Email, Tags: []string{"billing", "refund"},
		}}},
		{file: "convo.assigned.json", ignored: "convo.assigned is not tracked"},
		{file: "satisfaction.ratings.json", ignored: "satisfaction.ratings is not tracked"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := parseFixture(t, tt.file, provider.Settings{})
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

func TestWhatCountsAsAResponse(t *testing.T) {
	tests := []struct {
		file      string
		ackAuthor string
		counts    bool
	}{
		{"convo.agent.reply.created.json", "", true},
		{"convo.agent.reply.created.json", "44521", false}, // written as slawatch's own user
		{"convo.agent.reply.created--ack.json", "", false},
		{"convo.agent.reply.created--workflow.json", "", false},
		{"convo.note.created.json", "", false},
		{"convo.created--outbound.json", "", false},
	}
	for _, tt := range tests {
		res := parseFixture(t, tt.file, provider.Settings{AckAuthor: tt.ackAuthor})
		if len(res.Events) != 1 {
			t.Fatalf("%s: %+v", tt.file, res)
		}
		if got := res.Events[0].CountsAsResponse(); got != tt.counts {
			t.Errorf("%s (ack author %q): CountsAsResponse = %v, want %v", tt.file, tt.ackAuthor, got, tt.counts)
		}
	}
}

// A redelivery gives the same id; another reply on the same conversation
// does not.
func TestSynthesisedIDsAreStable(t *testing.T) {
	a := parseFixture(t, "convo.agent.reply.created.json", provider.Settings{})
	b := parseFixture(t, "convo.agent.reply.created.json", provider.Settings{})
	c := parseFixture(t, "convo.agent.reply.created--workflow.json", provider.Settings{})
	if a.Events[0].ID != b.Events[0].ID {
		t.Errorf("redelivery ids differ: %s, %s", a.Events[0].ID, b.Events[0].ID)
	}
	if a.Events[0].ID == c.Events[0].ID {
		t.Errorf("two replies share id %s", a.Events[0].ID)
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

func threads(m map[string]any) []any { return m["_embedded"].(map[string]any)["threads"].([]any) }

func TestChannels(t *testing.T) {
	tests := []struct {
		typ, src string
		want     event.Channel
	}{
		{"email", "email", event.Email},
		{"email", "beacon", event.Web},
		{"email", "web", event.Web},
		{"email", "api", event.API},
		{"chat", "beacon", event.Chat},
		{"phone", "phone", event.Phone},
		{"sms", "sms", ""},
	}
	for _, tt := range tests {
		body := edit(t, "convo.customer.reply.created.json", func(m map[string]any) {
			m["type"] = tt.typ
			m["source"].(map[string]any)["type"] = tt.src
		})
		res, err := parse("convo.customer.reply.created", body, provider.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Events[0].Channel; got != tt.want {
			t.Errorf("type %s, source %s: channel %q, want %q", tt.typ, tt.src, got, tt.want)
		}
	}
}

// The status event's time is the thread that set the status, else closedAt
// (for a close), else userUpdatedAt.
func TestStatuses(t *testing.T) {
	tests := []struct {
		status string
		want   event.Status
		at     time.Time
	}{
		{"closed", event.Solved, at(9, 25, 0)},   // the line item
		{"active", event.Open, at(9, 20, 0)},     // the customer's reply reopened it
		{"pending", event.Pending, at(9, 12, 0)}, // the agent's reply set it
		{"spam", event.Closed, at(9, 25, 0)},     // no thread: userUpdatedAt
	}
	for _, tt := range tests {
		body := edit(t, "convo.status.json", func(m map[string]any) { m["status"] = tt.status })
		res, err := parse("convo.status", body, provider.Settings{})
		if err != nil {
			t.Fatalf("%s: %v", tt.status, err)
		}
		e := res.Events[0]
		if e.Status != tt.want || !e.OccurredAt.Equal(tt.at) {
			t.Errorf("status %s: got %s at %s, want %s at %s", tt.status, e.Status, e.OccurredAt, tt.want, tt.at)
		}
	}
	// Without the line item, a close is dated by closedAt.
	body := edit(t, "convo.status.json", func(m map[string]any) {
		m["_embedded"].(map[string]any)["threads"] = threads(m)[1:]
		m["closedAt"] = "2026-11-23T09:24:00Z"
	})
	res, err := parse("convo.status", body, provider.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Events[0].OccurredAt; !got.Equal(at(9, 24, 0)) {
		t.Errorf("close without a line item at %s, want closedAt 09:24", got)
	}
}

// A chat thread belongs to whoever wrote it.
func TestChatThreads(t *testing.T) {
	body := edit(t, "convo.customer.reply.created.json", func(m map[string]any) {
		m["type"] = "chat"
		for _, th := range threads(m) {
			th := th.(map[string]any)
			if th["type"] == "customer" || th["type"] == "message" {
				th["type"] = "chat"
			}
		}
	})
	res, err := parse("convo.customer.reply.created", body, provider.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Events[0]; e.Kind != event.CustomerMessage || !e.OccurredAt.Equal(at(9, 20, 0)) || e.Channel != event.Chat {
		t.Errorf("customer chat: %+v", e)
	}
	res, err = parse("convo.agent.reply.created", body, provider.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Events[0]; !e.CountsAsResponse() || !e.OccurredAt.Equal(at(9, 12, 0)) {
		t.Errorf("agent chat: %+v", e)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	reply := "convo.agent.reply.created.json"
	tests := []struct {
		name, event string
		body        []byte
		field       string
	}{
		{"no event header", "", fixture(t, reply), "X-HelpScout-Event"},
		{"malformed JSON", "convo.created", []byte(`{"id": 1, "createdAt": `), ""},
		{"empty body", "convo.created", nil, ""},
		{"not an object", "convo.created", []byte(`"hello"`), "(body)"},
		{"no id", "convo.created", edit(t, "convo.created.json", func(m map[string]any) { delete(m, "id") }), "id"},
		{"id an object", "convo.created", edit(t, "convo.created.json", func(m map[string]any) { m["id"] = map[string]any{} }), "id"},
		{"createdAt not a time", "convo.created", edit(t, "convo.created.json", func(m map[string]any) { m["createdAt"] = "yesterday" }), "createdAt"},
		{"createdAt missing", "convo.created", edit(t, "convo.created.json", func(m map[string]any) { delete(m, "createdAt") }), "createdAt"},
		{"threads not a list", "convo.created", edit(t, "convo.created.json", func(m map[string]any) { m["_embedded"] = map[string]any{"threads": 3} }), "_embedded.threads"},
		{"tags not a list", "convo.tags", edit(t, "convo.tags.json", func(m map[string]any) { m["tags"] = "billing" }), "tags"},
		{"thread time not a time", "convo.agent.reply.created", edit(t, reply, func(m map[string]any) {
			threads(m)[2].(map[string]any)["createdAt"] = "noonish"
		}), "_embedded.threads[2].createdAt"},
		{"thread without id", "convo.agent.reply.created", edit(t, reply, func(m map[string]any) {
			delete(threads(m)[2].(map[string]any), "id")
		}), "_embedded.threads[2].id"},
		{"unknown status", "convo.status", edit(t, "convo.status.json", func(m map[string]any) { m["status"] = "snoozed" }), "status"},
		{"no status", "convo.status", edit(t, "convo.status.json", func(m map[string]any) { delete(m, "status") }), "status"},
		{"status without a time", "convo.status", edit(t, "convo.status.json", func(m map[string]any) {
			m["status"] = "spam"
			delete(m, "userUpdatedAt")
		}), "userUpdatedAt"},
		{"tags without a time", "convo.tags", edit(t, "convo.tags.json", func(m map[string]any) { m["userUpdatedAt"] = nil }), "userUpdatedAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parse(tt.event, tt.body, provider.Settings{})
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
	// printf %s '{"id":2391938111,"status":"closed"}' | openssl dgst -sha1 -hmac 'test-secret' -binary | base64
	got := helpscout.Sign([]byte("test-secret"), []byte(`{"id":2391938111,"status":"closed"}`))
	if want := "buDwi2x8cU4tegdl9mKB3zHm9QA="; got != want {
		t.Errorf("Sign(literal) = %s, want %s", got, want)
	}
	// openssl dgst -sha1 -hmac 'test-secret' -binary < testdata/convo.agent.reply.created.json | base64
	got = helpscout.Sign([]byte("test-secret"), fixture(t, "convo.agent.reply.created.json"))
	if want := "bIPq7xl+CR2JRrnyyoNfYC6AUOA="; got != want {
		t.Errorf("Sign(fixture) = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("test-secret")
	body := fixture(t, "convo.agent.reply.created.json")
	good := helpscout.Sign(secret, body)

	tampered := bytes.Clone(body)
	i := bytes.Index(tampered, []byte(`"pending"`))
	tampered[i+1] = 'P' // one byte changed

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
		{"missing header", "", body, "missing_signature"},
		{"wrong secret", helpscout.Sign([]byte("other-secret"), body), body, "bad_signature"},
		{"tampered body", good, tampered, "bad_signature"},
		{"signed re-marshalled JSON, sent original bytes", helpscout.Sign(secret, remarshalled), body, "bad_signature"},
		{"hex instead of base64", "3de29332609adad93d01f68b128a4cac27aa6f14", body, "bad_signature"},
		{"with a sha1= prefix", "sha1=" + good, body, "bad_signature"},
		{"truncated", good[:len(good)-4], body, "bad_signature"},
		{"not base64", "!!!!" + good[4:], body, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-HelpScout-Event", "convo.agent.reply.created")
			if tt.header != "" {
				h.Set("X-HelpScout-Signature", tt.header)
			}
			err := helpscout.Adapter{}.Verify(provider.Request{Method: http.MethodPost, Header: h, Body: tt.body}, provider.Settings{Secret: secret})
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Errorf("Verify = %v, want AuthError %s", err, tt.reason)
			case err != nil && strings.Contains(err.Error(), helpscout.Sign(secret, tt.body)):
				t.Errorf("error echoes the expected signature: %v", err)
			}
		})
	}
}
