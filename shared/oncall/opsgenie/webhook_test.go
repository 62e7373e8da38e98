package opsgenie_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
)

// acknowledgeExample is Opsgenie's documented "Acknowledge" alert action
// data, verbatim: docs.opsgenie.com/docs/marid-alert-action-data (now
// support.atlassian.com/opsgenie/docs/opsgenie-edge-connector-alert-action-data),
// also zulip/zulip zerver/webhooks/opsgenie/fixtures/acknowledge.json.
const acknowledgeExample = `{
    "source":{
        "name":"",
        "type":"web"
    },
    "alert":{
        "updatedAt":1420452224764002246,
        "tags": [
            "tag1", "tag2"
        ],
        "message":"test alert",
        "username":"fili@ifountain.com",
        "alertId":"052652ac-5d1c-464a-812a-7dd18bbfba8c",
        "source":"fili@ifountain.com",
        "alias":"aliastest",
        "tinyId":"23",
        "createdAt":1420452191104,
        "userId":"daed1180-0ce8-438b-8f8e-57e1a5920a2d",
        "entity":""
    },
    "action":"Acknowledge",
    "integrationId":"37c8f316-17c6-49d7-899b-9c7e540c048d",
    "integrationName":"Integration1"
}`

// createExample is the same page's "Create" action.
const createExample = `{"source":{"name":"web","type":"API"},"alert":{"updatedAt":1420452193166002000,"tags":["tag1","tag2"],"teams":["team1","team2"],"recipients":["recipient1","recipient2"],"message":" test alert","username":"fili@ifountain.com","alertId":"052652ac-5d1c-464a-812a-7dd18bbfba8c","source":"fili@ifountain.com","alias":"aliastest","tinyId":"23","createdAt":1420452191104,"userId":"daed1180-0ce8-438b-8f8e-57e1a5920a2d","entity":""},"action":"Create","integrationId":"37c8f316-17c6-49d7-899b-9c7e540c048d","integrationName":"Integration1"}`

func TestParseAcknowledgement(t *testing.T) {
	a, err := opsgenie.ParseAcknowledgement([]byte(acknowledgeExample))
	if err != nil {
		t.Fatal(err)
	}
	// 1420452224764002246 ns: 1420416000 s is 2015-01-05 00:00 UTC, and
	// 36224 s more is 10:03:44; the rest is the fraction.
	want := opsgenie.Acknowledgement{
		Alias: "aliastest", AlertID: "052652ac-5d1c-464a-812a-7dd18bbfba8c", TinyID: "23",
		User: "fili@ifountain.com", UserID: "daed1180-0ce8-438b-8f8e-57e1a5920a2d",
		At:  time.Date(2015, 1, 5, 10, 3, 44, 764002246, time.UTC),
		Via: "web",
	}
	if a != want {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}

	if _, err := opsgenie.ParseAcknowledgement([]byte(createExample)); !errors.Is(err, opsgenie.ErrNotAcknowledge) {
		t.Errorf("Create: %v, want ErrNotAcknowledge", err)
	}
	for _, bad := range []string{`{`, `{"action":"Acknowledge","alert":{}}`, `{"action":"Acknowledge","alert":{"alias":"a","updatedAt":1.5}}`} {
		if _, err := opsgenie.ParseAcknowledgement([]byte(bad)); err == nil || errors.Is(err, opsgenie.ErrNotAcknowledge) {
			t.Errorf("%s: %v, want a payload error", bad, err)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "s3cret-shared-with-opsgenie"
	for _, tt := range []struct {
		name, header, secret string
		ok                   bool
	}{
		{"match", secret, secret, true},
		{"wrong", "s3cret-shared-with-opsgeniE", secret, false},
		{"prefix", "s3cret", secret, false},
		{"missing", "", secret, false},
		{"no secret configured", "", "", false},
	} {
		r := httptest.NewRequest("POST", "/opsgenie", nil)
		if tt.header != "" {
			r.Header.Set(opsgenie.SecretHeader, tt.header)
		}
		if err := opsgenie.VerifyWebhook(r, tt.secret); (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
