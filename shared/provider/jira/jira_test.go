package jira_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

const secret = "jira-webhook-secret"

func settings() provider.Settings {
	return provider.Settings{Source: "jira", Secret: []byte(secret), Now: func() time.Time {
		return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	}}
}

var fixture = providertest.Fixture

func at(hms string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, "2026-11-23T"+hms+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

func header(sig, id string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(jira.SignatureHeader, sig)
	}
	if id != "" {
		h.Set(jira.IdentifierHeader, id)
	}
	return h
}

// TestKnownAnswerSignatures checks Sign and Verify against values computed
// independently with openssl.
func TestKnownAnswerSignatures(t *testing.T) {
	// printf %s '{"webhookEvent":"jira:issue_created"}' | openssl dgst -sha256 -hmac jira-webhook-secret -hex
	got := jira.Sign([]byte(secret), []byte(`{"webhookEvent":"jira:issue_created"}`))
	if want := "sha256=f7744f63d07aa0b980e8acbdd239e46b05568a95d1122938bee44a6f9ae979b6"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	// openssl dgst -sha256 -hmac jira-webhook-secret -hex < testdata/comment_agent_public.json
	r := provider.Request{Header: header("sha256=efd567a8c340e2e7b4952d8e406cfea263005e92c8ac9ddc60db10cbfdcf1394", ""), Body: fixture(t, "comment_agent_public.json")}
	if err := (jira.Adapter{}).Verify(r, settings()); err != nil {
		t.Errorf("Verify(fixture) = %v", err)
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "issue_created.json")
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/3] ^= 0x20
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	remarshalled, _ := json.Marshal(v)
	good := jira.Sign([]byte(secret), body)

	tests := []struct {
		name, sig string
		body      []byte
		reason    string
	}{
		{"valid", good, body, ""},
		{"valid upper-case hex", "sha256=" + strings.ToUpper(good[len("sha256="):]), body, ""},
		{"wrong secret", jira.Sign([]byte("other"), body), body, "bad_signature"},
		{"missing header", "", body, "missing_signature"},
		{"tampered body", good, tampered, "bad_signature"},
		{"signed re-marshalled body", jira.Sign([]byte(secret), remarshalled), body, "bad_signature"},
		{"no prefix", good[len("sha256="):], body, "bad_signature"},
		{"sha1 prefix", "sha1=" + good[len("sha256="):], body, "bad_signature"},
		{"truncated", good[:len(good)-2], body, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := jira.Adapter{}.Verify(provider.Request{Header: header(tt.sig, "id"), Body: tt.body}, settings())
			var auth *provider.AuthError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("Verify = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &auth) || auth.Reason != tt.reason):
				t.Fatalf("Verify = %v, want AuthError %s", err, tt.reason)
			}
			if err != nil && strings.Contains(err.Error(), good[len("sha256="):]) {
				t.Errorf("error %q echoes the expected signature", err)
			}
		})
	}
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file, id string // id: X-Atlassian-Webhook-Identifier
		ack      string
		want     []event.Event
		ignored  string
	}{
		{file: "issue_created.json", id: "wh-7a1", want: []event.Event{{
			Source: "jira", Domain: "example.com", TicketID: "SUP-123", ID: "wh-7a1", Kind: event.TicketCreated, OccurredAt: at("09:00:00"),
			Priority: event.High, Status: event.New, Tags: []string{"billing"}, Author: event.Customer,
		}}},
		{file: "comment_customer.json", id: "wh-7a6", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10230", Kind: event.CustomerMessage, OccurredAt: at("09:20:00"),
			Author: event.Customer,
		}}},
		{file: "comment_agent_public.json", id: "wh-7a4", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10210", Kind: event.AgentReply, OccurredAt: at("09:10:00"),
			Author: event.Agent, Public: true,
		}}},
		{file: "comment_agent_public.json", id: "wh-7a4", ack: "712020:5b6c7d8e-1111-4222-8333-000000000002", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10210", Kind: event.AgentReply, OccurredAt: at("09:10:00"),
			Author: event.Agent, Public: true, Acknowledgement: true,
		}}},
		{file: "comment_internal.json", id: "wh-7a3", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10205", Kind: event.InternalNote, OccurredAt: at("09:05:00"),
			Author: event.Agent,
		}}},
		{file: "comment_bot.json", id: "wh-7a2", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10201", Kind: event.AgentReply, OccurredAt: at("09:01:00"),
			Author: event.Bot, Public: true,
		}}},
		{file: "issue_updated_status.json", id: "wh-7a5", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "wh-7a5#status", Kind: event.StatusChanged, OccurredAt: at("09:11:00"),
			Status: event.Pending,
		}}},
		{file: "issue_updated_priority.json", id: "wh-7a7", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "wh-7a7#priority", Kind: event.PriorityChanged, OccurredAt: at("09:15:00"),
			Priority: event.Urgent,
		}}},
		{file: "issue_updated_resolved.json", id: "wh-7a9", want: []event.Event{
			{Source: "jira", TicketID: "SUP-123", ID: "wh-7a9#status", Kind: event.StatusChanged, OccurredAt: at("09:25:00"), Status: event.Solved},
			{Source: "jira", TicketID: "SUP-123", ID: "wh-7a9#labels", Kind: event.TagsChanged, OccurredAt: at("09:25:00"), Tags: []string{"billing", "vat"}},
		}},
		// The issue_commented echo of comment_agent_public.json: the same
		// event id, so the store counts the comment once.
		{file: "issue_updated_comment.json", id: "wh-7a4b", want: []event.Event{{
			Source: "jira", TicketID: "SUP-123", ID: "comment:10210", Kind: event.AgentReply, OccurredAt: at("09:10:00"),
			Author: event.Agent, Public: true,
		}}},
		{file: "worklog_created.json", id: "wh-7a8", ignored: `jira event "worklog_created" is not tracked`},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.ack, func(t *testing.T) {
			s := settings()
			s.AckAuthor = tt.ack
			res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", tt.id), Body: fixture(t, tt.file)}, s)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			assertEvents(t, res.Events, tt.want)
		})
	}
}

var assertEvents = providertest.CheckEvents

// parse parses body (with a delivery id) and returns its one event.
func parse(t *testing.T, body string) event.Event {
	t.Helper()
	res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(body)}, settings())
	if err != nil || len(res.Events) != 1 {
		t.Fatalf("Parse = %+v, %v; want one event", res, err)
	}
	return res.Events[0]
}

func TestCommentVisibility(t *testing.T) {
	public := string(fixture(t, "comment_agent_public.json"))
	noFlag := sub(public, `,
    "jsdPublic": true`, ``)
	if e := parse(t, noFlag); e.Kind != event.AgentReply || !e.Public {
		t.Errorf("comment without jsdPublic = %+v, want a public agent reply", e)
	}
	restricted := sub(noFlag, `"body": "Hi Dana`, `"visibility": {"type": "role", "value": "Developers"}, "body": "Hi Dana`)
	if e := parse(t, restricted); e.Kind != event.InternalNote || e.Public {
		t.Errorf("role-restricted comment without jsdPublic = %+v, want an internal note", e)
	}
	// jsdPublic wins over visibility when both are present.
	both := sub(public, `"body": "Hi Dana`, `"visibility": {"type": "role", "value": "Developers"}, "body": "Hi Dana`)
	if e := parse(t, both); e.Kind != event.AgentReply || !e.Public {
		t.Errorf("jsdPublic true with visibility = %+v, want a public agent reply", e)
	}
	// Data Center: no accountType; the reporter is the customer.
	dc := strings.ReplaceAll(string(fixture(t, "comment_customer.json")), `, "accountType": "customer"`, ``)
	dc = sub(dc, `"active": true,
      "accountType": "customer"`, `"active": true`)
	if e := parse(t, dc); e.Kind != event.CustomerMessage || e.Author != event.Customer {
		t.Errorf("reporter's comment without accountType = %+v, want a customer message", e)
	}
	dcAgent := sub(string(fixture(t, "comment_agent_public.json")), `"timeZone": "Etc/UTC",
      "accountType": "atlassian"`, `"timeZone": "Etc/UTC"`)
	if e := parse(t, dcAgent); e.Kind != event.AgentReply || e.Author != event.Agent {
		t.Errorf("non-reporter's comment without accountType = %+v, want an agent reply", e)
	}
	marker := sub(public, "re-issued the invoice.", "re-issued the invoice. {color:#ffffff}slawatch:ack{color}")
	if e := parse(t, marker); !e.Acknowledgement {
		t.Errorf("comment with the marker = %+v, want an acknowledgement", e)
	}
	adf := sub(public, `"body": "Hi Dana, sorry about that. I have corrected the VAT number and re-issued the invoice."`,
		`"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Done. slawatch:ack"}]}]}`)
	if e := parse(t, adf); !e.Acknowledgement {
		t.Errorf("ADF comment with the marker = %+v, want an acknowledgement", e)
	}
}

func TestMappings(t *testing.T) {
	prio := string(fixture(t, "issue_updated_priority.json"))
	for name, want := range map[string]event.Priority{
		"Highest": event.Urgent, "blocker": event.Urgent, "High": event.High, "CRITICAL": event.High,
		"Medium": event.Normal, "Major": event.Normal, "Low": event.Low, "Lowest": event.Low, "Minor": event.Low, "Trivial": event.Low,
	} {
		e := parse(t, sub(prio, `"toString": "Highest"`, `"toString": "`+name+`"`))
		if e.Priority != want {
			t.Errorf("priority %q → %q, want %q", name, e.Priority, want)
		}
	}
	// A renamed system priority is known by its id; a custom one is not.
	if e := parse(t, sub(prio, `"toString": "Highest"`, `"toString": "P1 - Drop everything"`)); e.Priority != event.Urgent {
		t.Errorf("renamed priority 1 → %q, want urgent", e.Priority)
	}
	custom := sub(sub(prio, `"toString": "Highest"`, `"toString": "Sev 9"`), `"to": "1"`, `"to": "10010"`)
	res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(custom)}, settings())
	if err != nil || len(res.Events) != 0 || res.Ignored == "" {
		t.Errorf("unknown custom priority: %+v, %v; want ignored", res, err)
	}

	st := string(fixture(t, "issue_updated_status.json"))
	for _, tt := range []struct {
		name, snapshot, category string
		want                     event.Status
	}{
		{"Waiting for customer", "Waiting for customer", "indeterminate", event.Pending},
		{"In Progress", "In Progress", "indeterminate", event.Open},
		{"Waiting for support", "Waiting for support", "new", event.New},
		{"Done", "Done", "done", event.Solved},
		{"Closed", "Closed", "done", event.Closed},
		{"Pending", "Pending", "indeterminate", event.Pending},
		{"Investigating", "Investigating", "indeterminate", event.Open}, // by category
		{"Resolved", "Something later", "indeterminate", event.Solved},  // snapshot moved on: by name
	} {
		body := sub(st, `"toString": "Waiting for customer"`, `"toString": "`+tt.name+`"`)
		body = sub(body, `"status": {"name": "Waiting for customer"`, `"status": {"name": "`+tt.snapshot+`"`)
		body = sub(body, `"key": "indeterminate"`, `"key": "`+tt.category+`"`)
		if e := parse(t, body); e.Status != tt.want {
			t.Errorf("status %q (%s) → %q, want %q", tt.name, tt.category, e.Status, tt.want)
		}
	}

	// Labels cleared: the full (empty) set, not "unchanged".
	lab := sub(string(fixture(t, "issue_updated_resolved.json")), `"labels": ["billing", "vat"],`, `"labels": [],`)
	res, err = jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(lab)}, settings())
	if err != nil || len(res.Events) != 2 || res.Events[1].Tags == nil || len(res.Events[1].Tags) != 0 {
		t.Errorf("cleared labels: %+v, %v", res, err)
	}
	// Without issue.fields.labels the changelog's toString is used.
	lab = sub(string(fixture(t, "issue_updated_resolved.json")), `"labels": ["billing", "vat"],`, ``)
	res, err = jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(lab)}, settings())
	if err != nil || len(res.Events) != 2 || !reflect.DeepEqual(res.Events[1].Tags, []string{"billing", "vat"}) {
		t.Errorf("labels from changelog: %+v, %v", res, err)
	}

	// An agent-created issue is not outbound: it gets a first-response clock.
	agent := strings.ReplaceAll(string(fixture(t, "issue_created.json")), `"accountType": "customer"`, `"accountType": "atlassian"`)
	if e := parse(t, agent); e.Author != event.Agent || e.Public {
		t.Errorf("agent-created issue = %+v, want author agent, not public", e)
	}
}

func TestSynthesizedIDs(t *testing.T) {
	for _, file := range []string{"issue_created.json", "issue_updated_resolved.json"} {
		body := fixture(t, file)
		parseIDs := func() []string {
			res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", ""), Body: body}, settings())
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range res.Events {
				ids = append(ids, e.ID)
			}
			return ids
		}
		first, again := parseIDs(), parseIDs()
		if len(first) == 0 || !reflect.DeepEqual(first, again) {
			t.Errorf("%s: ids %v then %v, want the same non-empty ids", file, first, again)
		}
		for _, id := range first {
			if !strings.HasPrefix(id, "syn-") {
				t.Errorf("%s: id %q is not synthesized", file, id)
			}
		}
	}
	// A comment is known by its id, with or without a delivery id;
	// different comments on one issue get different ids.
	a := parse(t, string(fixture(t, "comment_agent_public.json")))
	res, _ := jira.Adapter{}.Parse(provider.Request{Header: header("", ""), Body: fixture(t, "comment_internal.json")}, settings())
	res2, _ := jira.Adapter{}.Parse(provider.Request{Header: header("", ""), Body: fixture(t, "comment_agent_public.json")}, settings())
	if a.ID != "comment:10210" || res2.Events[0].ID != a.ID || res.Events[0].ID != "comment:10205" {
		t.Errorf("ids: %q, %q, %q", a.ID, res.Events[0].ID, res2.Events[0].ID)
	}
	// A comment without an id falls back to the delivery id.
	noID := sub(string(fixture(t, "comment_agent_public.json")), `"id": "10210",`, ``)
	if e := parse(t, noID); e.ID != "wh-1" {
		t.Errorf("comment without an id: id %q, want the delivery id wh-1", e.ID)
	}
}

func TestParseErrors(t *testing.T) {
	created := string(fixture(t, "issue_created.json"))
	comment := string(fixture(t, "comment_agent_public.json"))
	updated := string(fixture(t, "issue_updated_status.json"))
	tests := []struct {
		name, body, field string
	}{
		{"malformed JSON", `{"webhookEvent": "jira:issue_created",`, ""},
		{"empty body", ``, ""},
		{"not an object", `"jira:issue_created"`, "(body)"},
		{"missing webhookEvent", `{"issue": {"key": "SUP-1"}}`, "webhookEvent"},
		{"issue key not a string", sub(created, `"key": "SUP-123",`, `"key": 123,`), "issue.key"},
		{"bad timestamp", sub(created, `"timestamp": 1795424400000,`, `"timestamp": "noon",`), "timestamp"},
		{"no time at all", sub(sub(created, `"timestamp": 1795424400000,`, ``), `"created": "2026-11-23T09:00:00.000+0000",`, ``), "timestamp"},
		{"bad created time", sub(sub(created, `"timestamp": 1795424400000,`, ``), `"created": "2026-11-23T09:00:00.000+0000",`, `"created": "Monday",`), "issue.fields.created"},
		{"labels not a list", sub(created, `"labels": ["billing"],`, `"labels": "billing",`), "issue.fields.labels"},
		{"issue id an object", sub(created, `"id": "10042",`, `"id": {"n": 10042},`), "issue.id"},
		{"missing comment", sub(comment, `"comment": {`, `"kommentar": {`), "comment"},
		{"bad comment time", sub(comment, `"created": "2026-11-23T09:10:00.000+0000",`, `"created": "09:10",`), "comment.created"},
		{"jsdPublic not a boolean", sub(comment, `"jsdPublic": true`, `"jsdPublic": "yes"`), "comment.jsdPublic"},
		{"changelog items not a list", `{"webhookEvent": "jira:issue_updated", "timestamp": 1795425060000, "issue": {"key": "SUP-1"}, "changelog": {"items": {"field": "status"}}}`, "changelog.items"},
		{"updated without timestamp", sub(updated, `"timestamp": 1795425060000,`, ``), "timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-1"), Body: []byte(tt.body)}, settings())
			var pe *provider.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want a ParseError", res, err)
			}
			if pe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

// sub replaces the first old in s, panicking if there is none, so that a
// fixture edit cannot silently turn a test into a no-op.
func sub(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("fixture does not contain " + old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestOrganization: the Organizations field of Service Management is a
// custom field with a site-specific id, found by its values' link to the
// organization resource (the shape of GET /rest/servicedeskapi/organization).
func TestOrganization(t *testing.T) {
	const org = `{"id": "3", "name": "Acme Corp", "_links": {"self": "https://acme.atlassian.net/rest/servicedeskapi/organization/3"}}`
	for _, tc := range []struct {
		name, fields      string
		wantOrg, wantName string
	}{
		{"organizations field", `"customfield_10002": [` + org + `],`, "3", "Acme Corp"},
		{"other list fields first", `"customfield_10001": [{"id": "9", "name": "Sprint 9"}], "customfield_10002": [` + org + `],`, "3", "Acme Corp"},
		{"no organization", `"customfield_10002": [],`, "", ""},
		{"a look-alike without the link", `"customfield_10002": [{"id": "3", "name": "Acme Corp"}],`, "", ""},
		// A second id in other letter case would win under encoding/json:
		// the organization is not taken at all.
		{"id given twice in different case", `"customfield_10002": [{"id": "3", "ID": "4", "name": "Acme Corp", "_links": {"self": "https://acme.atlassian.net/rest/servicedeskapi/organization/3"}}],`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(string(fixture(t, "issue_created.json")), `"fields": {`, `"fields": {`+tc.fields, 1)
			res, err := jira.Adapter{}.Parse(provider.Request{Header: header("", "wh-org"), Body: []byte(body)}, settings())
			if err != nil || len(res.Events) != 1 {
				t.Fatalf("Parse: %+v, %v", res, err)
			}
			e := res.Events[0]
			if e.Organization != tc.wantOrg || e.Company != tc.wantName || e.Domain != "example.com" {
				t.Errorf("organization %q company %q domain %q, want %q %q example.com", e.Organization, e.Company, e.Domain, tc.wantOrg, tc.wantName)
			}
		})
	}
}
