package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
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
