package slack

import (
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Slack's worked example, verbatim, from "Verifying requests from Slack"
// (https://docs.slack.dev/authentication/verifying-requests-from-slack,
// formerly api.slack.com/authentication/verifying-requests-from-slack); the
// signature was re-computed independently with
// `printf '%s' "v0:1531420618:$body" | openssl dgst -sha256 -hmac 8f742231b10e8888abcd99yyyzzz85a5`.
const (
	docSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	docTS     = "1531420618"
	docBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func headers(ts, sig string) http.Header {
	h := http.Header{}
	if ts != "" {
		h.Set("x-slack-request-timestamp", ts) // header names are case-insensitive
	}
	if sig != "" {
		h.Set("x-slack-signature", sig)
	}
	return h
}

func TestVerifyRequest(t *testing.T) {
	docTime := time.Unix(1531420618, 0)
	for _, tt := range []struct {
		name    string
		secret  string
		h       http.Header
		body    string
		now     time.Time
		wantErr string
	}{
		{"documented example", docSecret, headers(docTS, docSig), docBody, docTime.Add(time.Minute), ""},
		{"at the window's edge", docSecret, headers(docTS, docSig), docBody, docTime.Add(5 * time.Minute), ""},
		{"wrong secret", "8f742231b10e8888abcd99yyyzzz85a6", headers(docTS, docSig), docBody, docTime, "signature mismatch"},
		{"tampered body", docSecret, headers(docTS, docSig), strings.Replace(docBody, "roadrunner", "coyote", 1), docTime, "signature mismatch"},
		{"other timestamp", docSecret, headers("1531420619", docSig), docBody, docTime, "signature mismatch"},
		{"stale", docSecret, headers(docTS, docSig), docBody, docTime.Add(5*time.Minute + time.Second), "more than 5m0s"},
		{"from the future", docSecret, headers(docTS, docSig), docBody, docTime.Add(-5*time.Minute - time.Second), "more than 5m0s"},
		{"no signature", docSecret, headers(docTS, ""), docBody, docTime, "missing"},
		{"no timestamp", docSecret, headers("", docSig), docBody, docTime, "missing"},
		{"other version", docSecret, headers(docTS, "v1="+docSig[3:]), docBody, docTime, "malformed signature"},
		{"not hex", docSecret, headers(docTS, "v0=zz"), docBody, docTime, "malformed signature"},
		{"bad timestamp", docSecret, headers("soon", docSig), docBody, docTime, "malformed timestamp"},
		{"no secret", "", headers(docTS, docSig), docBody, docTime, "no signing secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyRequest([]byte(tt.secret), tt.h, []byte(tt.body), tt.now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrUnverified) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
	if got := "v0=" + hex.EncodeToString(Sign([]byte(docSecret), docTS, []byte(docBody))); got != docSig {
		t.Errorf("Sign = %s, want %s", got, docSig)
	}
}

// The "payload from an interactive component used in a message" example of
// https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
// (Examples), verbatim.
const docBlockActions = `{    "type": "block_actions",    "team": {        "id": "T9TK3CUKW",        "domain": "example"    },    "user": {        "id": "UA8RXUSPL",        "username": "jtorrance",        "team_id": "T9TK3CUKW"    },    "api_app_id": "AABA1ABCD",    "token": "9s8d9as89d8as9d8as989",    "container": {        "type": "message_attachment",        "message_ts": "1548261231.000200",        "attachment_id": 1,        "channel_id": "CBR2V3XEX",        "is_ephemeral": false,        "is_app_unfurl": false    },    "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",    "channel": {        "id": "CBR2V3XEX",        "name": "review-updates"    },    "message": {        "bot_id": "BAH5CA16Z",        "type": "message",        "text": "This content can't be displayed.",        "user": "UAJ2RU415",        "ts": "1548261231.000200"    },    "response_url": "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",    "actions": [        {            "action_id": "WaXA",            "block_id": "=qXel",            "text": {                "type": "plain_text",                "text": "View",                "emoji": true            },            "value": "click_me_123",            "type": "button",            "action_ts": "1548426417.840180"        }    ]}`

func TestParseAction(t *testing.T) {
	// Slack posts the payload form-encoded ("payload=" + URL-encoded JSON).
	body := "payload=" + url.QueryEscape(docBlockActions)
	got, err := ParseAction([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := Action{ActionID: "WaXA", Value: "click_me_123", UserID: "UA8RXUSPL", UserName: "jtorrance", TeamID: "T9TK3CUKW",
		ChannelID: "CBR2V3XEX", MessageTS: "1548261231.000200",
		ResponseURL: "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
		TriggerID:   "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3", ActionTS: "1548426417.840180"}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// A click on one of slawatch's buttons, signed and verified end to end.
	own := strings.NewReplacer(`"WaXA"`, `"`+ActionAck+`"`, `"click_me_123"`, `"slawatch/zendesk/4711/first_response/0"`).Replace(docBlockActions)
	body = "payload=" + url.QueryEscape(own)
	now := time.Unix(1796479620, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	h := headers(ts, "v0="+hex.EncodeToString(Sign([]byte("s3cret"), ts, []byte(body))))
	if err := VerifyRequest([]byte("s3cret"), h, []byte(body), now); err != nil {
		t.Fatal(err)
	}
	if a, err := ParseAction([]byte(body)); err != nil || a.ActionID != ActionAck || a.Value != "slawatch/zendesk/4711/first_response/0" {
		t.Errorf("%+v, %v", a, err)
	}
	for _, bad := range []string{
		"", "payload=", "payload=%7B", "payload=" + url.QueryEscape(`{"type":"view_submission"}`),
		"payload=" + url.QueryEscape(`{"type":"block_actions","actions":[]}`), "%zz",
	} {
		if _, err := ParseAction([]byte(bad)); err == nil {
			t.Errorf("ParseAction(%q) accepted", bad)
		}
	}
}
