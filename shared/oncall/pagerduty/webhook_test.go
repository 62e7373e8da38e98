package pagerduty

import (
	"errors"
	"os"
	"testing"
	"time"
)

// The secret of the captured deliveries in testdata (see its README).
const capturedSecret = "HvPtlQNKMPpHSSqJpCdndXfo7HnGXa1pnH6w5axpxLFn9aRBNBGh4e8/HlonK5mz"

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifySignature(t *testing.T) {
	ack := readFile(t, "aldaviva-incident.acknowledged.json")
	ackSig := "v1=91f533c0411d09f3e68622e2b57fdb561e7113ce7635318a2bbf5cde45d3d876"
	resolvedSig := "v1=60a745384fb05b03acfc592b157b05e105e498da2f72f53c437c9d7c8d9aa879"
	tampered := append([]byte(nil), ack...)
	tampered[len(tampered)-10] ^= 1

	// go-pagerduty's vector (webhookv3/webhookv3_test.go, PagerDuty/go-pagerduty).
	goBody := []byte(`{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}`)
	goSecret := "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"

	tests := []struct {
		name    string
		body    []byte
		header  string
		secrets []string
		want    error
	}{
		{"captured acknowledgement", ack, ackSig, []string{capturedSecret}, nil},
		{"captured resolution", readFile(t, "aldaviva-incident.resolved.json"), resolvedSig, []string{capturedSecret}, nil},
		{"captured ping", readFile(t, "aldaviva-pagey.ping.json"),
			"v1=0e83584cbab86f98c51517cf96a70c90e910532d3d2f067d58c753cc8980a05b", []string{capturedSecret}, nil},
		{"go-pagerduty vector", goBody, "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd", []string{goSecret}, nil},
		{"go-pagerduty mismatch", goBody, "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5", []string{goSecret}, ErrBadSignature},
		{"another delivery's signature", ack, resolvedSig, []string{capturedSecret}, ErrBadSignature},
		{"tampered body", tampered, ackSig, []string{capturedSecret}, ErrBadSignature},
		{"wrong secret", ack, ackSig, []string{goSecret}, ErrBadSignature},
		// PagerDuty rotating its secret: several signatures, one ours.
		{"rotation, ours second", ack, "v1=" + sixtyFour('a') + "," + ackSig, []string{capturedSecret}, nil},
		{"rotation, ours first, spaces", ack, ackSig + " , v1=" + sixtyFour('b'), []string{capturedSecret}, nil},
		// slawatch rotating its copy: old and new secret both accepted.
		{"our rotation", ack, ackSig, []string{"new-secret", capturedSecret}, nil},
		{"missing header", ack, "", []string{capturedSecret}, ErrNoSignature},
		{"other version only", ack, "v2=" + ackSig[3:], []string{capturedSecret}, ErrNoSignature},
		{"not hex", ack, "v1=zz", []string{capturedSecret}, ErrNoSignature},
		{"truncated signature", ack, ackSig[:40], []string{capturedSecret}, ErrNoSignature},
		{"upper-case prefix", ack, "V1=" + ackSig[3:], []string{capturedSecret}, ErrNoSignature},
		{"no secret", ack, ackSig, nil, ErrNoSecret},
		{"empty secret", ack, ackSig, []string{""}, ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifySignature(tt.body, tt.header, tt.secrets...); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
	if got := Sign(ack, capturedSecret); got != ackSig {
		t.Errorf("Sign = %s, want the captured %s", got, ackSig)
	}
}

func sixtyFour(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		file string
		want WebhookEvent
	}{
		{"aldaviva-incident.acknowledged.json", WebhookEvent{
			ID: "01FKZSRAQJLP9S3OPM2VALGUPJ", Type: EventAcknowledged,
			OccurredAt: time.Date(2025, 4, 7, 3, 47, 13, 546e6, time.UTC),
			Agent:      "Ben", AgentID: "PVE0ZR9", AgentType: "user_reference",
			IncidentID: "Q2CKYRLH85UNN4", IncidentNumber: 37,
			IncidentURL: "https://aldaviva.pagerduty.com/incidents/Q2CKYRLH85UNN4",
			IncidentKey: "dfead9d88e0649e8b7dee514b1875756", Status: "acknowledged", Title: "Test", Service: "Webhook Tester",
		}},
		{"aldaviva-incident.resolved.json", WebhookEvent{
			ID: "01FKZSYE5HCMM576S6JUVIGLQT", Type: EventResolved,
			OccurredAt: time.Date(2025, 4, 7, 3, 49, 36, 358e6, time.UTC),
			Agent:      "Ben", AgentID: "PVE0ZR9", AgentType: "user_reference",
			IncidentID: "Q2CKYRLH85UNN4", IncidentNumber: 37,
			IncidentURL: "https://aldaviva.pagerduty.com/incidents/Q2CKYRLH85UNN4",
			IncidentKey: "dfead9d88e0649e8b7dee514b1875756", Status: "resolved", Title: "Test", Service: "Webhook Tester",
		}},
	}
	for _, tt := range tests {
		got, err := ParseWebhook(readFile(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !got.OccurredAt.Equal(tt.want.OccurredAt) {
			t.Errorf("%s: occurred at %v, want %v", tt.file, got.OccurredAt, tt.want.OccurredAt)
		}
		got.OccurredAt = tt.want.OccurredAt
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
	}

	// An acknowledgement by no one PagerDuty names (agent null), as the
	// documented payload allows; an unacknowledgement.
	got, err := ParseWebhook([]byte(`{"event":{"id":"E2","event_type":"incident.unacknowledged","resource_type":"incident",
		"occurred_at":"2026-11-23T16:00:00Z","agent":null,"client":null,
		"data":{"id":"PGR0VU2","type":"incident","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,
		"status":"triggered","incident_key":"slawatch/zendesk/4711/first_response/0","title":"SLA breached: zendesk ticket 4711"}}}`))
	if err != nil || got.Type != EventUnacknowledged || got.Agent != "" || got.IncidentKey != "slawatch/zendesk/4711/first_response/0" {
		t.Errorf("unacknowledged: %+v, %v", got, err)
	}

	// What slawatch does not act on.
	for _, body := range [][]byte{
		readFile(t, "aldaviva-pagey.ping.json"),
		// The documented incident.priority_updated example (docs/webhooks/01-Overview.md), shortened.
		[]byte(`{"event":{"id":"5ac64822-4adc-4fda-ade0-410becf0de4f","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2020-10-02T18:45:22.169Z","data":{"id":"PGR0VU2","type":"incident"}}}`),
	} {
		if _, err := ParseWebhook(body); !errors.Is(err, ErrNotIncident) {
			t.Errorf("%.80s: err %v, want ErrNotIncident", body, err)
		}
	}
	for _, body := range []string{`not json`, `{"event":{"event_type":"incident.acknowledged","data":{"type":"incident_note","id":"P2"}}}`,
		`{"event":{"event_type":"incident.acknowledged","data":{"type":"incident"}}}`} {
		if _, err := ParseWebhook([]byte(body)); err == nil || errors.Is(err, ErrNotIncident) {
			t.Errorf("%s: err %v, want a parse error", body, err)
		}
	}
}
