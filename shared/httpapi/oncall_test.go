package httpapi_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
	"github.com/slawatch/slawatch/shared/oncall/route"
	"github.com/slawatch/slawatch/shared/oncall/slack"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// PagerDuty's and Opsgenie's callbacks hold escalations when a person
// acknowledges there: genuine payloads (their provenance is in the tools'
// testdata and tests) with slawatch's incident key put in.
func TestOnCallCallbacks(t *testing.T) {
	cfg, err := policy.Parse([]byte(`sources:
  zendesk: {provider: zendesk}
policies:
  - name: standard
    first_response: {within: 24h}
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 4h, notify: lead}
integrations:
  pagerduty: {routing_key_env: PD_KEY, webhook_secret_env: PD_HOOK}
  opsgenie: {api_key_env: OG_KEY, webhook_secret_env: OG_HOOK}
`))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"PD_HOOK": "pd-secret", "OG_HOOK": "og-secret"}
	mem := store.NewMemory()
	ctx := context.Background()
	created := func(id string) {
		e := event.Event{Source: "zendesk", TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: time.Now().Add(-time.Hour), Channel: event.Email, Author: event.Customer}
		if _, err := mem.Update(ctx, store.Key{Source: "zendesk", ID: id}, e.ID, func(tk sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, tk, e) }); err != nil {
			t.Fatal(err)
		}
	}
	created("1")
	created("2")
	api := httpapi.New(cfg, mem, func(n string) (string, bool) { v, ok := secrets[n]; return v, ok }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.OnCall = &intake.OnCall{Policies: cfg, Tickets: mem}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	pdBody, err := os.ReadFile("../oncall/pagerduty/testdata/aldaviva-incident.acknowledged.json")
	if err != nil {
		t.Fatal(err)
	}
	pdBody = []byte(strings.Replace(string(pdBody), "dfead9d88e0649e8b7dee514b1875756", "slawatch/zendesk/1/first_response/0", 1))
	ogBody := strings.Replace(`{"source":{"name":"","type":"web"},"alert":{"updatedAt":1420452224764002246,"tags":["tag1","tag2"],"message":"test alert","username":"fili@ifountain.com","alertId":"052652ac-5d1c-464a-812a-7dd18bbfba8c","source":"fili@ifountain.com","alias":"aliastest","tinyId":"23","createdAt":1420452191104,"userId":"daed1180-0ce8-438b-8f8e-57e1a5920a2d","entity":""},"action":"Acknowledge","integrationId":"37c8f316-17c6-49d7-899b-9c7e540c048d","integrationName":"Integration1"}`,
		"aliastest", "slawatch/zendesk/2/first_response/0", 1)

	post := func(path, body string, header map[string]string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	pdSig := map[string]string{"X-PagerDuty-Signature": pagerduty.Sign(pdBody, "pd-secret")}
	for _, tt := range []struct {
		name, path, body string
		header           map[string]string
		status           int
		field            string // a key of the JSON answer
	}{
		{"pagerduty: wrong signature", "/webhooks/pagerduty-actions", string(pdBody), map[string]string{"X-PagerDuty-Signature": pagerduty.Sign(pdBody, "other")}, 401, "error"},
		{"pagerduty: unsigned", "/webhooks/pagerduty-actions", string(pdBody), nil, 401, "error"},
		{"pagerduty: acknowledged", "/webhooks/pagerduty-actions", string(pdBody), pdSig, 200, "acknowledged"},
		{"pagerduty: redelivered", "/webhooks/pagerduty-actions", string(pdBody), pdSig, 200, "acknowledged"},
		{"opsgenie: no secret header", "/webhooks/opsgenie-actions", ogBody, nil, 401, "error"},
		{"opsgenie: wrong secret", "/webhooks/opsgenie-actions", ogBody, map[string]string{opsgenie.SecretHeader: "pd-secret"}, 401, "error"},
		{"opsgenie: acknowledged", "/webhooks/opsgenie-actions", ogBody, map[string]string{opsgenie.SecretHeader: "og-secret"}, 200, "acknowledged"},
		{"opsgenie: unknown alias", "/webhooks/opsgenie-actions", strings.Replace(ogBody, "zendesk/2/", "zendesk/9/", 1), map[string]string{opsgenie.SecretHeader: "og-secret"}, 200, "ignored"},
	} {
		status, out := post(tt.path, tt.body, tt.header)
		if status != tt.status || out[tt.field] == nil {
			t.Errorf("%s: %d %v, want %d with %q", tt.name, status, out, tt.status, tt.field)
		}
	}
	for id, want := range map[string]sla.OnCallAck{
		"1": {By: "Ben", Via: "pagerduty", At: time.Date(2025, 4, 7, 3, 47, 13, 546e6, time.UTC)},
		"2": {By: "opsgenie user daed1180-0ce8-438b-8f8e-57e1a5920a2d", Via: "opsgenie", At: time.Unix(0, 1420452224764002246).UTC()},
	} {
		tk, _ := mem.Get(ctx, store.Key{Source: "zendesk", ID: id})
		if got := tk.OnCall["first_response/0"]; got != want {
			t.Errorf("ticket %s: acknowledged %+v, want %+v", id, got, want)
		}
		for _, a := range tk.Pending {
			if a.Kind == sla.Escalation {
				t.Errorf("ticket %s still plans %s", id, a.Key())
			}
		}
	}
}

// The Slack buttons: Acknowledge holds escalations and is kept for the
// message's next edit; Snooze silences the ticket for 30 minutes; a request
// whose signature is wrong or stale changes nothing.
func TestSlackActions(t *testing.T) {
	cfg, err := policy.Parse([]byte(`sources:
  zendesk: {provider: zendesk}
policies:
  - name: standard
    first_response: {within: 24h}
    escalation:
      - {after: 0s, notify: on-call}
integrations:
  slack: {bot_token_env: SLACK_TOKEN, signing_secret_env: SLACK_SIGNING, channel: C123}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	mem := store.NewMemoryAt(func() time.Time { return now })
	ctx := context.Background()
	e := event.Event{Source: "zendesk", TicketID: "7", ID: "7-c", Kind: event.TicketCreated, OccurredAt: now.Add(-time.Hour), Channel: event.Email, Author: event.Customer}
	if _, err := mem.Update(ctx, store.Key{Source: "zendesk", ID: "7"}, e.ID, func(tk sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(cfg, tk, e) }); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(cfg, mem, func(n string) (string, bool) {
		return map[string]string{"SLACK_SIGNING": "sign-secret"}[n], n == "SLACK_SIGNING"
	},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	api.OnCall, api.Silences = &intake.OnCall{Policies: cfg, Tickets: mem}, mem
	messages := &slack.MemoryStore{}
	api.SlackAcks = route.SlackAcks{Router: &route.Router{}, Store: messages}
	if _, _, err := messages.PutIfAbsent(ctx, "slawatch/zendesk/7/first_response/0", slack.Record{Channel: "C123", TS: "1.2"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	key := "slawatch/zendesk/7/first_response/0"
	click := func(action, secret string, at time.Time) int {
		payload := fmt.Sprintf(`{"type":"block_actions","user":{"id":"U1","username":"jo","team_id":"T1"},"team":{"id":"T1"},"container":{"message_ts":"1.2","channel_id":"C123"},"channel":{"id":"C123"},"message":{"ts":"1.2"},"response_url":"https://hooks.slack.test/r","actions":[{"action_id":%q,"value":%q}]}`, action, key)
		body := "payload=" + url.QueryEscape(payload)
		ts := strconv.FormatInt(at.Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/slack-actions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(slack.HeaderTimestamp, ts)
		req.Header.Set(slack.HeaderSignature, "v0="+hex.EncodeToString(slack.Sign([]byte(secret), ts, []byte(body))))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := click(slack.ActionAck, "wrong", now); st != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d", st)
	}
	if st := click(slack.ActionAck, "sign-secret", now.Add(-6*time.Minute)); st != http.StatusUnauthorized {
		t.Errorf("stale request: %d", st)
	}
	if tk, _ := mem.Get(ctx, store.Key{Source: "zendesk", ID: "7"}); len(tk.OnCall) != 0 {
		t.Fatalf("an unverified click acknowledged: %+v", tk.OnCall)
	}
	if st := click(slack.ActionAck, "sign-secret", now); st != http.StatusOK {
		t.Fatalf("acknowledge: %d", st)
	}
	tk, _ := mem.Get(ctx, store.Key{Source: "zendesk", ID: "7"})
	if want := (sla.OnCallAck{By: "jo", Via: "slack", At: now}); tk.OnCall["first_response/0"] != want {
		t.Errorf("ticket: %+v, want %+v", tk.OnCall, want)
	}
	if rec, ok, _ := messages.Get(ctx, key); !ok || rec.Ack == nil || rec.Ack.UserID != "U1" {
		t.Errorf("the message record does not keep the acknowledgement: %+v", rec)
	}

	if st := click(slack.ActionSnooze30, "sign-secret", now); st != http.StatusOK {
		t.Fatalf("snooze: %d", st)
	}
	ss, _ := mem.Silences(ctx)
	if len(ss) != 1 || ss[0].Match["ticket"] != "7" || ss[0].Match["source"] != "zendesk" || !ss[0].Ends.Equal(now.Add(30*time.Minute)) {
		t.Errorf("silences after snooze: %+v", ss)
	}
}
