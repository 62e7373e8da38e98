package front_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/front"
)

// TestConformance runs every genuine Front payload (testdata/genuine, see
// SOURCES.md there) through Verify and Parse. The published bodies are bare
// event objects, which is what a rule webhook sends, so each is signed at
// test time as Front signs a rule webhook (base64 HMAC-SHA1 of the body; no
// time is signed). Expected values are read off the payloads by hand.
func TestConformance(t *testing.T) {
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		// A customer's e-mail; Zulip's copy has conversation id "2x9c5v".
		{file: "zulip-inbound_message.json", want: []event.Event{{
			TicketID: "2x9c5v", ID: "evt_28duo2q", Kind: event.CustomerMessage, OccurredAt: time.Unix(1518309200, 0).UTC(),
			Channel: event.Email, Tags: []string{}, Author: event.Customer,
		}}},
		// Bender's internal comment "Sure.".
		{file: "zulip-comment.json", want: []event.Event{{
			TicketID: "cnv_keocka", ID: "evt_28duvr6", Kind: event.InternalNote, OccurredAt: time.UnixMilli(1518309749673).UTC(),
			Tags: []string{}, Author: event.Agent,
		}}},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "genuine", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			s := settings(ruleSecret)
			r := provider.Request{Method: "POST", URL: "https://slawatch.example/webhooks/front",
				Header: ruleHeader(front.SignRule([]byte(ruleSecret), body)), Body: body}
			if err := (front.Adapter{}).Verify(r, s); err != nil {
				t.Fatalf("Verify = %v", err)
			}
			res, err := front.Adapter{}.Parse(r, s)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			for i := range tt.want {
				tt.want[i].Source = "front"
			}
			assertEvents(t, res.Events, tt.want)
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "genuine", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no genuine payloads: %v", err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s is not in TestConformance's table", f)
		}
	}
	if len(covered) != len(files) {
		t.Errorf("table names %d files, testdata/genuine has %d", len(covered), len(files))
	}
}
